"""The simulator's LLRP readers: in traces (the edge's LLRP channel) and live (``fitroom-sim run`` stands up
an emulated reader on the layout's host and port, speaking real LLRP over TCP)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.decoders.router import TopicRouter
from edge.ingest.llrp_client import LlrpFailure, TagReport, library_available, run_inventory
from edge.layout import load_layout
from edge.reads import AntennaStatus, ReaderStatus, TagRead
from simulators.live import LivePublisher
from simulators.messages import Message
from simulators.trace import Scenario, write_trace
from tests.broker import Mosquitto, free_port
from tests.conftest import require

LAYOUT = """
[store]
id = "s-llrp"
name = "LLRP store"

[[rooms]]
id = "floor"
name = "Sales floor"
kind = "sales_floor"

[[rooms]]
id = "fr-1"
name = "Fitting room 1"

[[rooms]]
id = "fr-2"
name = "Fitting room 2"

[[readers]]
id = "speedway-a"
format = "llrp"
host = "127.0.0.1"
port = {port}
[readers.antennas]
"1" = "fr-1"
"2" = "fr-2"
"3" = "floor"
"""


def write_layout(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "llrp.toml"
    path.write_text(LAYOUT.format(port=port), encoding="utf-8")
    return path


def llrp_lines(trace: Path) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    return [line for line in lines if str(line["topic"]).startswith("llrp/")]


def test_a_simulated_llrp_reader_reports_every_read_on_its_channel(tmp_path: Path) -> None:
    layout = load_layout(write_layout(tmp_path, 5084))
    trace = tmp_path / "t.jsonl"
    write_trace(layout, Scenario(seed=4, duration_s=600, shoppers=2, outages=True, junk=True), trace)
    router = TopicRouter(layout)
    reads: list[TagRead] = []
    statuses: list[bool] = []
    antennas: list[bool] = []
    for line in llrp_lines(trace):
        result = router.route(str(line["topic"])).decode(str(line["payload"]).encode())
        assert not result.errors
        for obs in result.observations:
            if isinstance(obs, TagRead):
                reads.append(obs)
            elif isinstance(obs, AntennaStatus):
                antennas.append(obs.connected)
            else:
                assert isinstance(obs, ReaderStatus) and obs.reader_id == "speedway-a"
                statuses.append(obs.online)
    assert len(reads) > 100
    assert {r.room_id for r in reads} <= {"fr-1", "fr-2", "floor"} and "floor" in {r.room_id for r in reads}
    assert all(r.reads == 1 and r.rssi_dbm is not None and r.reader_time is not None for r in reads)
    assert statuses[0] is True  # the reader says online as it starts
    assert False in antennas and False in statuses  # outages: an antenna event, a lost connection


@pytest.mark.broker
async def test_fitroom_sim_run_stands_up_an_llrp_reader_reporting_the_stores_garments(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    require(library_available(), "the LLRP library (pip install -e '.[llrp]')")
    port = free_port()
    layout = write_layout(tmp_path, port)
    trace = tmp_path / "live.jsonl"
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators.cli",
            "run",
            "--layout",
            str(layout),
            "--mqtt-url",
            mosquitto.url,
            "--duration",
            "90",
            "--speed",
            "10",
            "--seed",
            "2",
            "--trace",
            str(trace),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reports: list[TagReport] = []
    connected = asyncio.Event()
    try:

        async def inventory() -> None:
            while True:  # the simulator's reader comes up a moment after the process starts
                with contextlib.suppress(LlrpFailure):
                    await run_inventory(
                        "127.0.0.1", port, [1, 2, 3], on_connected=connected.set, on_report=reports.append
                    )
                await asyncio.sleep(0.2)

        task = asyncio.create_task(inventory())
        try:
            async with asyncio.timeout(20):
                await connected.wait()
                while len({r.epc_hex for r in reports}) < 3:
                    await asyncio.sleep(0.2)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        _, err = await asyncio.to_thread(sim.communicate, timeout=30)
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()
    assert sim.returncode == 0, err
    simulated = {
        (json.loads(str(line["payload"]))["EPC"], json.loads(str(line["payload"]))["AntennaID"])
        for line in llrp_lines(trace)
        if line["topic"] == "llrp/speedway-a"
    }
    reported = {(r.epc_hex, r.antenna) for r in reports}
    assert reported, "the emulated reader reported nothing"
    assert reported <= simulated, reported - simulated
    assert all(r.first_seen_us and r.rssi_dbm is not None for r in reports)


@pytest.mark.broker
def test_a_taken_llrp_address_is_skipped_with_a_warning_and_its_reads_never_reach_the_broker(
    mosquitto: Mosquitto, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    require(library_available(), "the LLRP library (pip install -e '.[llrp]')")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        layout = load_layout(write_layout(tmp_path, port))
        received: list[str] = []
        watcher = paho.Client(CallbackAPIVersion.VERSION2)
        watcher.on_message = lambda _c, _u, msg: received.append(msg.topic)
        watcher.connect("127.0.0.1", mosquitto.port)
        watcher.subscribe("#")
        watcher.loop_start()
        publisher = LivePublisher(layout, mosquitto.url, client_prefix="llrp-taken")
        try:
            with caplog.at_level(logging.WARNING, logger="simulators.live"):
                publisher.connect()
            publisher.publish(Message(1.0, "llrp/speedway-a", '{"AntennaID":1,"EPC":"30"}', "speedway-a"))
            publisher.publish(Message(1.1, "llrp/speedway-a/status", "offline", "speedway-a", will=True))
            publisher.wait_idle()
            time.sleep(0.5)
        finally:
            publisher.close()
            watcher.loop_stop()
            watcher.disconnect()
    assert any("speedway-a" in r.getMessage() and "not reported" in r.getMessage() for r in caplog.records)
    assert not [topic for topic in received if topic.startswith("llrp/")]
