"""The composition root: ``build_headless`` runs the store's sessions with no web app at all, and
``build_edge`` hands the web app the same parts the headless edge runs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlmodel import Session, select

from edge.compose import build_edge, build_headless
from edge.epc import encode_sgtin96
from edge.presence.events import EventType, PresenceEvent
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
