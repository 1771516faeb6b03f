"""``make demo`` comes alive at once: garments show in at least two fitting rooms within 15 s of the URLs.

Runs the demo as ``make demo`` does (``python -m simulators.demo``: broker, central store, edge, simulated
shoppers and associates), on a free port with a short ``--duration``, and watches ``/api/rooms``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from simulators.demo_broker import find_mosquitto
from tests.broker import free_port
from tests.conftest import ROOT, require

pytestmark = pytest.mark.broker

ALIVE_WITHIN_S = 15.0


def test_the_demo_shows_garments_in_two_fitting_rooms_within_15_s_of_the_urls(tmp_path: Path) -> None:
    require(find_mosquitto() is not None, "mosquitto binary (apt-get install mosquitto)")
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators.demo",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "demo"),
            "--duration",
            "60",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    printed = threading.Event()
    output: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if re.search(r"/mirror/fr-\d+\?token=", line):
                printed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    busy: dict[str, int] = {}
    try:
        assert printed.wait(60), "the demo printed no mirror URL:\n" + "".join(output)
        urls_at = time.monotonic()
        elapsed = 0.0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            while time.monotonic() - urls_at < ALIVE_WITHIN_S + 0.5:
                rooms = client.get("/api/rooms").raise_for_status().json()
                busy = {r["id"]: len(r["items"]) for r in rooms if r["kind"] == "fitting_room" and r["items"]}
                elapsed = time.monotonic() - urls_at
                if len(busy) >= 2:
                    break
                time.sleep(0.25)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(5)
    assert len(busy) >= 2, f"fitting rooms with garments after {elapsed:.1f} s: {busy}\n" + "".join(output)
    assert elapsed <= ALIVE_WITHIN_S
    print(f"two fitting rooms showed garments {elapsed:.1f} s after the URLs were printed: {busy}")
