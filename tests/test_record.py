"""``fitroom-edge record`` against a real private Mosquitto (and the session's LLRP emulator): what a
store's devices publish comes back out of ``replay`` exactly, in receive order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.epc import encode_sgtin96
from edge.layout import load_layout
from edge.presence.events import EventType, PresenceEvent
from edge.replay import replay_trace
from tests.broker import Mosquitto
from tests.llrp_support import write_layout

pytestmark = pytest.mark.broker

DEVICES = Path(__file__).parent / "data" / "devices"
PROBE = "home/TheengsGateway-fr4/LWT"  # subscribed, and no fixture uses it


def fixtures() -> list[tuple[str, bytes]]:
    rows = []
    for path in sorted(DEVICES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows.append((row["topic"], row["payload"].encode("utf-8")))
    return rows


def start_record(mosquitto: Mosquitto, layout: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "edge.cli", "record", "--layout", str(layout), "--out", str(out)]
    cmd += ["--mqtt-url", mosquitto.url, *extra]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def publisher(mosquitto: Mosquitto) -> paho.Client:
    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", mosquitto.port)
    client.loop_start()
    return client


def lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def wait_subscribed(client: paho.Client, out: Path, proc: subprocess.Popen[bytes]) -> None:
    """Publish a probe until the recorder writes it: from then on it hears everything."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and proc.poll() is None:
        client.publish(PROBE, b"online", qos=1).wait_for_publish(5)
        time.sleep(0.2)
        if lines(out):
            return
    raise AssertionError(f"the recorder never recorded: {proc.stderr.read() if proc.stderr else b''!r}")


def test_record_then_replay_gives_back_every_message_in_order(
    own_mosquitto: Mosquitto, tmp_path: Path
) -> None:
    # A broker of its own: retained statuses other tests left would be recorded too (rightly).
    mosquitto = own_mosquitto
    out = tmp_path / "trace.jsonl"
    layout = DEVICES / "layout.toml"
    proc = start_record(mosquitto, layout, out, "--duration", "8")
    client = publisher(mosquitto)
    try:
        wait_subscribed(client, out, proc)
        sent = [*fixtures(), ("stores/s1/rfid/zebra-b", b"\xff\xfe not UTF-8")]
        for topic, payload in sent:
            client.publish(topic, payload, qos=1).wait_for_publish(5)
        rc = proc.wait(timeout=30)
    finally:
        client.loop_stop()
        client.disconnect()
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert rc == 0, stderr
    assert "record: " in stderr and "messages" in stderr
    recorded = [r for r in lines(out) if r["topic"] != PROBE]
    assert [set(r) for r in recorded] == [{"t", "topic", "payload"}] * len(recorded)
    ts = [r["t"] for r in lines(out)]
    assert ts == sorted(ts) and abs(ts[-1] - time.time()) < 60
    # Every message, in the order published (one publisher, QoS 1: the broker keeps the order), byte-exact.
    assert [(r["topic"], r["payload"].encode("utf-8", "surrogateescape")) for r in recorded] == sent
    # And the trace replays through the edge: every line a message, only the junk one a decode error.
    summary = replay_trace(
        load_layout(layout), out.read_text(encoding="utf-8").splitlines(), emit=lambda e: None
    )
    assert summary.bad_lines == 0 and summary.messages == len(lines(out))
    errors = summary.metrics.samples("fitroom_decode_errors_total")
    assert {k: v for k, v in errors.items() if v} == {"malformed_json": 1}


def test_ctrl_c_stops_the_recording(own_mosquitto: Mosquitto, tmp_path: Path) -> None:
    mosquitto = own_mosquitto
    out = tmp_path / "trace.jsonl"
    proc = start_record(mosquitto, DEVICES / "layout.toml", out)
    client = publisher(mosquitto)
    try:
        wait_subscribed(client, out, proc)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        client.loop_stop()
        client.disconnect()
        if proc.poll() is None:
            proc.kill()
    assert lines(out) and all(r["topic"] == PROBE for r in lines(out))


def test_no_broker_is_a_clear_error(tmp_path: Path) -> None:
    from tests.broker import free_port

    cmd = [sys.executable, "-m", "edge.cli", "record", "--layout", str(DEVICES / "layout.toml")]
    cmd += ["--out", str(tmp_path / "t.jsonl"), "--mqtt-url", f"mqtt://127.0.0.1:{free_port()}"]
    done = subprocess.run([*cmd, "--connect-timeout", "1"], capture_output=True, timeout=30, check=False)
    assert done.returncode == 1
    assert b"record: no broker" in done.stderr


def test_llrp_reads_are_recorded_and_replay_into_the_same_rooms(
    mosquitto: Mosquitto, llrp_emulator: Any, tmp_path: Path
) -> None:
    from simulators.llrp import TagInView

    shirt = encode_sgtin96("05061234100015", 601).upper()
    coat = encode_sgtin96("05061234100022", 602).upper()
    layout = write_layout(tmp_path, llrp_emulator.port)
    out = tmp_path / "trace.jsonl"
    llrp_emulator.set_tags([TagInView(shirt, 1, -48.0), TagInView(coat, 2, -50.0)])
    try:
        proc = start_record(mosquitto, layout, out, "--duration", "6")
        rc = proc.wait(timeout=40)
    finally:
        llrp_emulator.set_tags([])
    assert rc == 0, proc.stderr.read() if proc.stderr else b""
    recorded = lines(out)
    topics = {r["topic"] for r in recorded}
    assert "llrp/speedway-a" in topics and "llrp/speedway-a/status" in topics
    events: list[PresenceEvent] = []
    replay_trace(load_layout(layout), [json.dumps(r) for r in recorded], emit=events.append, drain_s=0.0)
    entered = {(e.room, e.epc) for e in events if e.type is EventType.ITEM_ENTERED}
    assert entered == {("fr-1", shirt), ("fr-2", coat)}
