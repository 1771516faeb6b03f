"""Readers that speak only LLRP, end to end: an emulated reader over real TCP -> the edge's LLRP client ->
the same pipeline and presence engine -> /api/rooms, /healthz, /metrics.

The edge runs in-process exactly as ``fitroom-edge run`` serves it (with a real Mosquitto for its MQTT side);
the reader is the session's LLRP emulator (tests/conftest.py), which speaks LLRP binary messages.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from edge.epc import encode_sgtin96
from edge.ingest.llrp_client import LlrpConnectionLost, run_inventory
from edge.presence import EventType, PresenceEvent
from edge.topics import PRESENCE
from simulators.llrp import ReaderEmulator, TagInView
from tests.broker import Mosquitto
from tests.live_edge import LiveEdge, edge_settings, eventually, live_edge
from tests.llrp_support import write_layout

pytestmark = pytest.mark.broker

SHIRT = encode_sgtin96("05061234100015", 501).upper()
DRESS = encode_sgtin96("05061234100015", 502).upper()
COAT = encode_sgtin96("05061234100022", 503).upper()


def settings_for(mosquitto: Mosquitto, tmp_path: Path, layout: Path) -> Any:
    return edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=layout)


async def rooms_where(edge: LiveEdge, cond: Any) -> Any:
    rooms = await edge.rooms()
    return rooms if cond(rooms) else None


async def health_where(edge: LiveEdge, cond: Any) -> Any:
    health = (await edge.http.get("/healthz")).json()
    return health if cond(health) else None


def items(room: dict[str, Any]) -> set[str]:
    return {item["epc"] for item in room["items"]}


async def test_tags_an_llrp_reader_reports_on_two_antennas_show_up_in_their_rooms(
    mosquitto: Mosquitto, llrp_emulator: ReaderEmulator, tmp_path: Path
) -> None:
    llrp_emulator.set_tags(
        [TagInView(SHIRT, 1, -48.0), TagInView(DRESS, 1, -51.0), TagInView(COAT, 2, -50.0)]
    )
    seen: list[PresenceEvent] = []
    layout = write_layout(tmp_path, llrp_emulator.port)
    try:
        async with live_edge(settings_for(mosquitto, tmp_path, layout)) as edge:
            edge.service.bus.subscribe(PRESENCE, lambda _t, ev: seen.append(ev))
            rooms = await eventually(
                lambda: rooms_where(
                    edge, lambda r: items(r["fr-1"]) == {SHIRT, DRESS} and items(r["fr-2"]) == {COAT}
                ),
                timeout=20,
            )
            assert rooms, f"the LLRP reads never showed up: {await edge.rooms()}"
            assert not rooms["floor"]["items"]
            assert all(room["covered"] for room in rooms.values())
            assert await edge.metric('fitroom_reader_up{reader="speedway-a"}') == 1.0
            assert (await edge.metric('fitroom_tag_reports_total{reader="speedway-a"}') or 0.0) > 3
            health = (await edge.http.get("/healthz")).json()
            assert health["status"] == "ok", health
    finally:
        llrp_emulator.set_tags([])
    entered = {(e.room, e.epc) for e in seen if e.type is EventType.ITEM_ENTERED}
    assert entered == {("fr-1", SHIRT), ("fr-1", DRESS), ("fr-2", COAT)}
    fr1 = next(room for room in rooms.values() if room["id"] == "fr-1")
    assert {item["gtin"] for item in fr1["items"]} == {"05061234100015"}


async def test_a_lost_llrp_reader_makes_its_rooms_unknown_until_it_reconnects(
    mosquitto: Mosquitto, llrp_emulator: ReaderEmulator, tmp_path: Path
) -> None:
    llrp_emulator.set_tags([TagInView(SHIRT, 1, -48.0)])
    seen: list[PresenceEvent] = []
    layout = write_layout(tmp_path, llrp_emulator.port)
    try:
        async with live_edge(settings_for(mosquitto, tmp_path, layout)) as edge:
            edge.service.bus.subscribe(PRESENCE, lambda _t, ev: seen.append(ev))
            llrp = edge.service.llrp
            llrp.reconnect_min_s, llrp.reconnect_max_s = 0.2, 1.0  # reconnect quickly in a test
            assert await eventually(lambda: rooms_where(edge, lambda r: items(r["fr-1"]) == {SHIRT}))

            llrp_emulator.stop()  # the reader drops off the network
            rooms = await eventually(lambda: rooms_where(edge, lambda r: not r["fr-1"]["covered"]))
            assert rooms, "the rooms stayed covered after the reader was lost"
            assert not rooms["fr-2"]["covered"] and rooms["floor"]["covered"]
            assert items(rooms["fr-1"]) == {SHIRT}, "what was in the room is kept, not emptied"
            assert await edge.metric('fitroom_reader_up{reader="speedway-a"}') == 0.0
            health = await health_where(edge, lambda h: h["status"] == "degraded")
            assert health and any("speedway-a" in p for p in health["problems"]), health

            llrp_emulator.start()  # back on the same address
            rooms = await eventually(lambda: rooms_where(edge, lambda r: r["fr-1"]["covered"]), timeout=20)
            assert rooms, "the rooms never became known again after the reader came back"
            assert rooms["fr-2"]["covered"]
            assert await edge.metric('fitroom_reader_up{reader="speedway-a"}') == 1.0
            assert await eventually(lambda: health_where(edge, lambda h: h["status"] == "ok"))
    finally:
        if not llrp_emulator.running:
            llrp_emulator.start()
        llrp_emulator.set_tags([])
    coverage = [(e.type, e.room) for e in seen if e.type in (EventType.ROOM_UNKNOWN, EventType.ROOM_KNOWN)]
    assert coverage == [
        (EventType.ROOM_UNKNOWN, "fr-1"),
        (EventType.ROOM_UNKNOWN, "fr-2"),
        (EventType.ROOM_KNOWN, "fr-1"),
        (EventType.ROOM_KNOWN, "fr-2"),
    ]


async def test_an_llrp_error_status_is_named_in_the_log_healthz_and_reader_up(
    mosquitto: Mosquitto, llrp_emulator: ReaderEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The layout maps antenna 6 on a four-port reader: the reader refuses the ROSpec with an error status.
    layout = write_layout(tmp_path, llrp_emulator.port, {1: "fr-1", 6: "fr-2"})
    caplog.set_level(logging.ERROR, logger="edge.ingest.llrp")
    async with live_edge(settings_for(mosquitto, tmp_path, layout)) as edge:
        health = await eventually(
            lambda: health_where(edge, lambda h: any("P_FieldError" in p for p in h["problems"]))
        )
        assert health, (await edge.http.get("/healthz")).json()
        assert health["status"] == "degraded"
        problem = next(p for p in health["problems"] if "P_FieldError" in p)
        assert "speedway-a" in problem and "AntennaID 6" in problem
        assert await edge.metric('fitroom_reader_up{reader="speedway-a"}') == 0.0
        rooms = await edge.rooms()
        assert not rooms["fr-1"]["covered"] and not rooms["fr-2"]["covered"]
    logged = [r.getMessage() for r in caplog.records if r.name == "edge.ingest.llrp"]
    assert any("speedway-a" in line and "P_FieldError" in line for line in logged), logged


def test_the_edge_exits_2_naming_the_reader_when_the_llrp_library_is_missing(tmp_path: Path) -> None:
    layout = write_layout(tmp_path, 5084)
    # The extra not installed: the library cannot be imported.
    code = (
        "import sys; sys.modules['llrpkit'] = None\n"
        "from edge.cli import main\n"
        f"sys.exit(main(['run', '--layout', {str(layout)!r}, '--db-url', 'sqlite:///{tmp_path}/e.db']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "speedway-a" in done.stderr and "llrpkit" in done.stderr and "fitroom[llrp]" in done.stderr


def test_an_edge_without_llrp_readers_starts_without_the_library(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['llrpkit'] = None\n"
        "from edge.config import load_settings\n"
        "from edge.compose import build_headless\n"
        f"s = load_settings({{'layout': {str(tmp_path / 'l.toml')!r}, 'db_url': 'sqlite:///{tmp_path}/e.db'}})\n"
        "service = build_headless(s).service\n"
        "print(len(service.llrp.readers))\n"
    )
    (tmp_path / "l.toml").write_text(
        '[store]\nid = "s"\nname = "S"\n[[rooms]]\nid = "fr-1"\nname = "F"\n'
        '[[readers]]\nid = "r"\nformat = "impinj_iot"\ntopic = "t/r"\n[readers.antennas]\n"1" = "fr-1"\n'
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"


async def test_a_reader_that_stops_answering_is_a_lost_connection() -> None:
    # Power lost behind a switch: the socket stays open and says nothing. The liveness probe notices.
    emulator = ReaderEmulator(antenna_count=4)
    emulator.start()
    try:
        connected = asyncio.Event()
        task = asyncio.create_task(
            run_inventory(
                "127.0.0.1",
                emulator.port,
                [1],
                on_connected=connected.set,
                on_report=lambda _r: None,
                response_timeout_s=0.5,
                probe_interval_s=0.3,
            )
        )
        async with asyncio.timeout(5):
            await connected.wait()
        await asyncio.sleep(1.0)
        assert not task.done(), "a reader that answers its probes is kept"
        emulator.go_silent()
        with pytest.raises(LlrpConnectionLost):
            async with asyncio.timeout(2):  # probe period + response timeout, and no wait on a dead peer
                await task
    finally:
        emulator.close()


async def test_an_antenna_the_llrp_reader_reports_disconnected_makes_only_its_room_unknown(
    mosquitto: Mosquitto, llrp_emulator: ReaderEmulator, tmp_path: Path
) -> None:
    llrp_emulator.set_tags([TagInView(SHIRT, 1, -48.0), TagInView(COAT, 2, -50.0)])
    layout = write_layout(tmp_path, llrp_emulator.port)
    try:
        async with live_edge(settings_for(mosquitto, tmp_path, layout)) as edge:
            assert await eventually(lambda: rooms_where(edge, lambda r: items(r["fr-2"]) == {COAT}))
            llrp_emulator.set_antenna(2, connected=False)
            rooms = await eventually(lambda: rooms_where(edge, lambda r: not r["fr-2"]["covered"]))
            assert rooms and rooms["fr-1"]["covered"], rooms
            assert items(rooms["fr-2"]) == {COAT}
            llrp_emulator.set_antenna(2, connected=True)
            assert await eventually(lambda: rooms_where(edge, lambda r: r["fr-2"]["covered"]))
    finally:
        llrp_emulator.set_antenna(2, connected=True)
        llrp_emulator.set_tags([])
