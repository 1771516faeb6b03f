"""The MQTT fuzz through the real thing: a private Mosquitto and ``fitroom-edge run`` as a child process.

The simulated store's messages and the garbage (``mqtt_garbage``) are published in their mixed order with
QoS 1, in chunks the edge is given time to take (so its hand-off queue never overflows and every message
is processed). Checked: the edge's process is the same one throughout and answers ``/healthz``; its
counters (``/metrics``) grew by exactly what a fresh decoder says the messages hold; nothing was dropped or
hit an internal error; at SIGTERM it exits 0 and its ``dead_letter`` rows equal ``fitroom_dead_letters``.
Presence is compared in the deterministic in-process run (``mqtt_fuzz.run``), not here: live receive times
are wall-clock times.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import paho.mqtt.client as paho
from mqtt_garbage import classify, garbage_messages
from paho.mqtt.enums import CallbackAPIVersion

from edge.decoders import TopicRouter
from edge.layout import load_layout
from simulators.mosquitto import Mosquitto, free_port

__all__ = ["LiveResult", "live_run", "mqtt_only_layout"]

CHUNK = 500
_SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+|NaN)$")


@dataclass
class LiveResult:
    sent: int
    garbage: int
    counted: dict[str, float]
    expected: dict[str, int]
    same_process: bool
    healthy: bool
    exit_code: int | None
    dead_letter_rows: int
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.same_process
            and self.healthy
            and self.exit_code == 0
            and all(self.counted[k] == v for k, v in self.expected.items())
            and self.counted["dead_letters"] == self.dead_letter_rows
        )


def mqtt_only_layout(source: Path, target: Path) -> Path:
    """``source`` without its LLRP readers (the live edge would try to dial them and count their status)."""
    blocks = source.read_text(encoding="utf-8").split("\n[[")
    kept = [blocks[0]] + [b for b in blocks[1:] if 'format = "llrp"' not in b]
    target.write_text("\n[[".join(kept), encoding="utf-8")
    return target


def scrape(base: str) -> dict[str, float]:
    totals = {"messages": 0.0, "errors": 0.0, "rejected": 0.0, "internal_error": 0.0, "dropped": 0.0}
    totals["dead_letters"] = 0.0
    names = {
        "fitroom_mqtt_messages_total": "messages",
        "fitroom_decode_errors_total": "errors",
        "fitroom_ingest_rejected_messages_total": "rejected",
        "fitroom_ingest_dropped_total": "dropped",
        "fitroom_dead_letters_total": "dead_letters",
    }
    for line in httpx.get(f"{base}/metrics", timeout=10).text.splitlines():
        m = _SAMPLE.match(line)
        if not m or m.group(1) not in names:
            continue
        value = float(m.group(3))
        totals[names[m.group(1)]] += value
        if m.group(1) == "fitroom_decode_errors_total" and 'kind="internal_error"' in (m.group(2) or ""):
            totals["internal_error"] += value
    return totals


def live_run(
    store: list[tuple[float, str, bytes]],
    garbage_count: int,
    seed: int,
    layout_path: Path,
    workdir: Path,
) -> LiveResult:
    layout = load_layout(layout_path)
    garbage = garbage_messages(layout, garbage_count, seed)
    router = TopicRouter(layout)
    messages = [(topic, payload) for _, topic, payload in store] + [(g.topic, g.payload) for g in garbage]
    order = sorted(range(len(messages)), key=lambda i: (i * 7919 + seed) % len(messages))
    messages = [messages[i] for i in order]  # the store's and the garbage, mixed (a fixed shuffle)
    verdicts = [classify(router, topic, payload) for topic, payload in messages]
    expected = {
        "messages": len(messages),
        "errors": sum(v.errors for v in verdicts),
        "rejected": sum(v.rejected for v in verdicts),
        "internal_error": 0,
        "dropped": 0,
    }
    broker = Mosquitto(workdir)
    broker.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = workdir / "edge.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
    env.update(
        {
            "FITROOM_MQTT_URL": broker.url,
            "FITROOM_DB_URL": f"sqlite:///{db}",
            "FITROOM_MQTT_CLIENT_ID": f"fuzz-{uuid.uuid4().hex[:8]}",
            "FITROOM_ENVIRONMENT": "development",
        }
    )
    log = (workdir / "edge.log").open("wb")
    edge = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "run", "--layout", str(layout_path), "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"fuzzer-{uuid.uuid4().hex[:8]}")
    started = time.perf_counter()
    try:
        deadline = time.monotonic() + 60
        health: dict[str, object] = {}
        while time.monotonic() < deadline and not health.get("mqtt_connected"):
            try:
                health = httpx.get(f"{base}/healthz", timeout=2).json()
            except httpx.HTTPError:
                time.sleep(0.2)
        if not health.get("mqtt_connected"):
            raise RuntimeError(f"the edge did not come up; see {workdir / 'edge.log'}")
        pid = edge.pid
        before = scrape(base)
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        started = time.perf_counter()
        for first in range(0, len(messages), CHUNK):
            infos = [client.publish(t, p, qos=1) for t, p in messages[first : first + CHUNK]]
            for info in infos:
                info.wait_for_publish(30)
            want = before["messages"] + first + len(infos)
            limit = time.monotonic() + 60
            while scrape(base)["messages"] < want and time.monotonic() < limit:
                time.sleep(0.02)
        seconds = time.perf_counter() - started
        after = scrape(base)
        healthy = httpx.get(f"{base}/healthz", timeout=5).json().get("status") == "ok"
        same = edge.poll() is None and edge.pid == pid
    finally:
        client.loop_stop()
        client.disconnect()
        if edge.poll() is None:
            edge.send_signal(signal.SIGTERM)
        try:
            code: int | None = edge.wait(30)
        except subprocess.TimeoutExpired:
            edge.kill()
            code = None
        log.close()
        broker.stop()
    counted = {k: after[k] - before[k] for k in after}
    counted["internal_error"] = after["internal_error"]
    counted["dead_letters"] = after["dead_letters"]
    with sqlite3.connect(db) as conn:
        rows = int(conn.execute("SELECT count(*) FROM dead_letter").fetchone()[0])
    return LiveResult(
        sent=len(messages),
        garbage=len(garbage),
        counted=counted,
        expected=expected,
        same_process=same,
        healthy=healthy,
        exit_code=code,
        dead_letter_rows=rows,
        seconds=seconds,
    )
