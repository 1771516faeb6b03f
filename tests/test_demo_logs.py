"""A log audit: the demo's scripted store (broker, central store, edge, simulated shoppers, associates and
mirror taps) run briefly with every log at DEBUG leaves no email address, member id or iBeacon code in any
log: the demo's own output (edge and simulators), the central store's log and the broker's."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session, create_engine, select

from edge.storage.models import FittingRoomSession
from simulators.formats import IBEACON_APP_UUID
from tests.broker import free_port
from tests.conftest import require

RUN_S = 30.0  # wall seconds of store traffic after the first shopper profile lookup (15 simulated minutes)
START_LIMIT_S = 90.0  # until that first lookup (shoppers arrive within a couple of simulated minutes)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
MEMBER = re.compile(r"demo-member-\d+")
BEACON = re.compile(re.escape(IBEACON_APP_UUID) + r"[-:/ ,]+\d+[-:/ ,]+\d+", re.IGNORECASE)


def leaks(text: str) -> dict[str, list[str]]:
    found = {
        kind: sorted(set(p.findall(text)))[:5]
        for kind, p in (("email", EMAIL), ("member id", MEMBER), ("iBeacon code", BEACON))
    }
    # The bare app UUID names no one, but no log line has a reason to carry it either.
    if IBEACON_APP_UUID.lower() in text.lower():
        found.setdefault("iBeacon code", []).append(IBEACON_APP_UUID)
    return {kind: hits for kind, hits in found.items() if hits}


def test_a_demo_run_at_debug_logs_no_email_member_id_or_beacon_code(tmp_path: Path) -> None:
    require(shutil.which("mosquitto") is not None or Path("/usr/sbin/mosquitto").exists(), "mosquitto")
    data = tmp_path / "demo"
    output = tmp_path / "demo-output.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
    with output.open("wb") as out:
        demo = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulators.demo",
                "--port",
                str(free_port()),
                "--data-dir",
                str(data),
                "--speed",
                "30",
                "--shoppers-per-hour",
                "300",
                "--log-level",
                "debug",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + START_LIMIT_S
            while time.monotonic() < deadline and demo.poll() is None:
                if b"/v1/profiles/by-beacon" in output.read_bytes():
                    break
                time.sleep(1.0)
            time.sleep(RUN_S)
        finally:
            demo.send_signal(signal.SIGINT)
            try:
                demo.wait(timeout=60)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait()
    logs = {
        "demo output": output.read_text(errors="replace"),
        "central store log": (data / "central" / "central.log").read_text(errors="replace"),
        "broker log": (data / "mosquitto.log").read_text(errors="replace"),
    }
    demo_log = logs["demo output"]
    assert demo.returncode == 0, demo_log[-3000:]
    # The run really did what the audit is about: devices published, profiles were looked up and
    # shoppers enrolled as members, sessions ran, everything was logged at DEBUG.
    assert "Received PUBLISH" in demo_log and "/v1/profiles/by-beacon" in demo_log
    assert "/v1/admin/profiles/" in demo_log and "DEBUG" in demo_log
    engine = create_engine(f"sqlite:///{data / 'edge.db'}")
    with Session(engine) as db:
        assert db.exec(select(FittingRoomSession)).first() is not None
    engine.dispose()
    found = {name: hits for name, text in logs.items() if (hits := leaks(text))}
    assert found == {}


def test_httpx_request_lines_keep_no_member_id_or_query() -> None:
    from cloud_sync.client import HttpxUrlsRedacted

    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: %s %s "%s %d %s"',
        ("PUT", "http://c/v1/admin/profiles/demo-member-7?x=demo-member-7", "HTTP/1.1", 200, "OK"),
        None,
    )
    assert HttpxUrlsRedacted().filter(record)
    assert record.getMessage() == 'HTTP Request: PUT http://c/v1/admin/profiles/<member> "HTTP/1.1 200 OK"'


def test_paho_publish_lines_keep_no_topic() -> None:
    from edge.ingest.mqtt import _PublishTopicHidden

    topic = f"espresense/devices/iBeacon:{IBEACON_APP_UUID}-100-42/fr-1"
    record = logging.LogRecord(
        "paho.mqtt",
        logging.DEBUG,
        __file__,
        1,
        "Received PUBLISH (d%d, q%d, r%d, m%d), '%s', ...  (%d bytes)",
        (0, 0, 0, 0, topic, 172),
        None,
    )
    assert _PublishTopicHidden().filter(record)
    assert leaks(record.getMessage()) == {} and "<topic>" in record.getMessage()
