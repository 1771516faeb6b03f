"""Fault: the edge's disk fills. SQLite reports a full disk as SQLITE_FULL ("database or disk is full");
the test gets exactly that without root by capping the database at its current size (``PRAGMA
max_page_count`` on every new connection of the edge's engine), then lifting the cap ("space returns").

While full: presence and the mirrors go on (in memory), a write over HTTP answers 507 with a message and
writes nothing, ``fitroom_disk_full`` is 1 and ``fitroom_storage_write_errors_total{kind="disk_full"}``
counts. When space returns the edge recovers by itself: the session changes it held back are written
within a tick, writes succeed, and nothing from before (the outbox) was lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from edge.storage.outbox import OutboxEvent, add_outbox_event
from tests.mirror_support import MirrorEdge, eventually, mirror_edge

ROOM = "fr-1"


class DiskCap:
    """Caps the edge's SQLite database at its size now, for every connection opened from here on."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pages: int | None = None
        event.listen(engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_conn: Any, _record: Any) -> None:
        if self.pages is not None:
            dbapi_conn.execute(f"PRAGMA max_page_count={self.pages}")

    def fill(self) -> None:
        with self.engine.connect() as conn:
            self.pages = int(conn.execute(text("PRAGMA page_count")).scalar_one())
        self.engine.dispose()  # pooled connections go; new ones get the cap

    def free(self) -> None:
        self.pages = None
        self.engine.dispose()


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as started:
        yield started


def metric(edge: MirrorEdge, name: str) -> float:
    for line in edge.client.get("/metrics").text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not exported")


def stored_epcs(db: Engine) -> set[str]:
    with Session(db) as s:
        return set(s.exec(text("SELECT epc FROM session_item")).scalars())  # type: ignore[call-overload]


def test_a_full_disk_keeps_rooms_and_mirrors_live_and_the_edge_recovers_by_itself(edge: MirrorEdge) -> None:
    db = edge.service.db
    with Session(db) as s:
        for n in range(5):
            add_outbox_event(session=s, type="go_back", store_id="s1", payload={"n": n})
        s.commit()
        before = [(r.seq, r.event_id) for r in s.exec(select(OutboxEvent)).all()]
    cap = DiskCap(db)
    style = edge.style(0)
    edge.put_in_room(ROOM, edge.sku_in_stock(style), 1)
    mirror = edge.mirror(ROOM)
    assert metric(edge, "fitroom_disk_full") == 0

    cap.fill()
    epcs = [edge.put_in_room(ROOM, edge.sku_in_stock(style), serial) for serial in range(2, 200)]
    shown = edge.client.get(f"/api/mirror/{ROOM}", headers=mirror)
    assert shown.status_code == 200
    assert len(shown.json()["items"]) == 199  # the mirror shows what is in the room, disk or no disk
    refused = edge.client.post(f"/api/mirror/{ROOM}/help", headers=mirror, json={})
    assert refused.status_code == 507, refused.text
    assert "disk is full" in refused.json()["detail"]
    assert metric(edge, "fitroom_disk_full") == 1
    assert metric(edge, 'fitroom_storage_write_errors_total{kind="disk_full"}') >= 2

    cap.free()
    eventually(lambda: metric(edge, "fitroom_disk_full") == 0, timeout=10)  # the next tick writes
    # The gauge clears at that tick's first INSERT, a moment before it commits: wait for the rows themselves.
    eventually(lambda: set(epcs) <= stored_epcs(db), timeout=10)
    with Session(db) as s:
        assert [(r.seq, r.event_id) for r in s.exec(select(OutboxEvent)).all()][:5] == before
    accepted = edge.client.post(f"/api/mirror/{ROOM}/help", headers=mirror, json={})
    assert accepted.status_code == 201, accepted.text
