"""The composition root: ``build_headless`` runs the store's sessions with no web app at all, and
``build_edge`` hands the web app the same parts the headless edge runs."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from edge.compose import build_edge, build_headless
from edge.epc import encode_sgtin96
from edge.presence.events import EventType, PresenceEvent
from edge.radio_memory import snapshot
from edge.reads import TagRead
from edge.storage.models import FittingRoomSession, SessionItem
from edge.topics import PRESENCE
from tests.mirror_support import settings_for


async def _until(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_sessions_run_and_resume_without_a_web_app(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "edge.db")
    edge = build_headless(settings)
    assert not hasattr(edge, "app")
    service = edge.service
    gtin = service.catalog.styles[0].skus[0].gtin
    epc = encode_sgtin96(gtin, 7)

    def rows(model: type) -> list[object]:
        with Session(service.db) as db:
            return list(db.exec(select(model)).all())

    await service.start()
    try:
        event = PresenceEvent(time.time(), EventType.ITEM_ENTERED, "fr-1", epc=epc, gtin=gtin)
        service.bus.publish(PRESENCE, event)
        await _until(lambda: len(rows(SessionItem)) == 1)
        opened = edge.sessions.manager.snapshot("fr-1")
        assert opened.session_id is not None and [i[0] for i in opened.items] == [epc]
    finally:
        await service.stop()
    (session,) = rows(FittingRoomSession)
    assert getattr(session, "room_id", None) == "fr-1"

    # A new headless edge on the same database takes the open session over at start.
    again = build_headless(settings)
    await again.service.start()
    try:
        assert again.sessions.manager.snapshot("fr-1").session_id == opened.session_id
    finally:
        await again.service.stop()


def test_the_web_app_serves_the_headless_parts(tmp_path: Path) -> None:
    edge = build_edge(settings_for(tmp_path / "edge.db"))
    rooms = edge.app.state.rooms
    assert rooms.manager is edge.sessions.manager
    assert rooms.profiles is edge.sync.profiles
    assert edge.app.state.sync_status is edge.sync
    assert edge.app.state.service is edge.service
    edge.service.db.dispose()


async def test_what_presence_learned_of_the_radio_survives_a_restart(tmp_path: Path) -> None:
    """The store's traffic teaches the engine its rooms' levels; stopped and started again on the same
    database, the edge starts from what it had learned, not afresh."""
    settings = settings_for(tmp_path / "edge.db")
    edge = build_headless(settings)
    layout = edge.service.layout
    rooms = sorted({room for r in layout.readers for room in r.antenna_rooms().values()})
    reader = next(r for r in layout.readers if rooms[0] in r.antenna_rooms().values())
    port = next(p for p, room in reader.antenna_rooms().items() if room == rooms[0])
    gtin = edge.service.catalog.styles[0].skus[0].gtin
    await edge.service.start()
    try:
        for k in range(60):  # a garment hanging in the first room, read at -51 dBm every second
            read = TagRead(reader.id, port, rooms[0], encode_sgtin96(gtin, 9), gtin, 9, -51.0)
            edge.service.engine.observe(read, 1000.0 + k)
    finally:
        await edge.service.stop()
    learned = snapshot(edge.service.engine.radio)  # as kept at stop (the service's ticks step it until then)
    assert learned["rooms"][rooms[0]]["level"] == pytest.approx(-51.0)

    again = build_headless(settings)
    assert math.isnan(again.service.engine.radio.room[rooms[0]].level)
    await again.service.start()
    try:
        assert snapshot(again.service.engine.radio) == learned
    finally:
        await again.service.stop()
