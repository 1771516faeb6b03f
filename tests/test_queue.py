"""The fitting-room queue on a started edge: walk-in parties take tickets, a room released by sensing
(its session ended) calls the next ticket to that room with its go-backs already a task, and the wait
estimate follows the store's measured session lengths."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from edge.queue.line import DEFAULT_SESSION_S, QueueLine
from edge.reservations.desk import Reservation
from edge.storage.queue_tickets import QueueTicket
from tests.mirror_support import MirrorEdge, eventually, mirror_edge


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def test_a_ticket_is_called_to_the_room_sensing_released(edge: MirrorEdge) -> None:
    assert edge.client.post("/api/associate/queue", json={"party": 2}).status_code == 401
    ana = edge.associate()
    first = edge.client.post("/api/associate/queue", headers=ana, json={"name": "Lee", "party": 2})
    second = edge.client.post("/api/associate/queue", headers=ana, json={"party": 1})
    assert first.status_code == 201 and second.status_code == 201
    one, two = first.json(), second.json()
    assert set(one) == {"ticket", "position", "estimated_wait_s"}
    assert (one["position"], two["position"]) == (1, 2) and two["ticket"] > one["ticket"]
    assert 0 < one["estimated_wait_s"] < two["estimated_wait_s"]
    assert edge.client.post("/api/associate/queue", headers=ana, json={"party": 0}).status_code == 422

    # A shopper's session in fr-3: one garment tried and left behind.
    start = time.time()
    edge.put_in_room("fr-3", edge.sku_in_stock(edge.style(3)), 77, t=start)
    edge.ctx.manager.tick(start + 3600)  # idle long enough: the session ends, the room is released
    queue = eventually(
        lambda: (q := edge.client.get("/api/associate/queue", headers=ana).json())["called"] and q, timeout=10
    )
    assert [(c["ticket"], c["room_id"]) for c in queue["called"]] == [(one["ticket"], "fr-3")]
    assert [(w["ticket"], w["position"]) for w in queue["waiting"]] == [(two["ticket"], 1)]
    tasks = edge.client.get("/api/associate/tasks", headers=ana).json()
    assert any(t["kind"] == "go_back" and t["room_id"] == "fr-3" for t in tasks)  # cleared for the party


def test_the_estimate_comes_from_measured_sessions() -> None:
    line = QueueLine(rooms=2)
    assert line.estimate_s(1) == DEFAULT_SESSION_S / 2
    for length in (100.0, 200.0, 300.0):
        line.room_released("fr-1", started_at=0.0, ended_at=length)
    assert line.session_length() == 200.0
    assert line.estimate_s(1) == 100.0 and line.estimate_s(3) == 300.0


def test_the_queue_survives_a_restart_and_forgets_called_names(tmp_path: Path) -> None:
    """Waiting tickets, the numbering, the last calls and the measured session length come back after
    the edge restarts; a party's name is kept only while it waits."""
    db_path = tmp_path / "edge.db"
    with mirror_edge(db_path) as edge:
        ana = edge.associate()
        first = edge.client.post("/api/associate/queue", headers=ana, json={"name": "Lee", "party": 2}).json()
        second = edge.client.post(
            "/api/associate/queue", headers=ana, json={"name": "Kim", "party": 1}
        ).json()
        start = time.time()
        edge.put_in_room("fr-2", edge.sku_in_stock(edge.style(1)), 78, t=start)
        edge.ctx.manager.tick(start + 3600)
        eventually(lambda: edge.client.get("/api/associate/queue", headers=ana).json()["called"], timeout=10)
        length = edge.app.state.queue.session_length()
        with Session(edge.service.db) as db:
            names = {t.ticket: t.name for t in db.exec(select(QueueTicket)).all()}
        assert names == {first["ticket"]: None, second["ticket"]: "Kim"}
    with mirror_edge(db_path) as edge:
        ana = edge.associate()
        queue = edge.client.get("/api/associate/queue", headers=ana).json()
        assert [(w["ticket"], w["name"], w["position"]) for w in queue["waiting"]] == [
            (second["ticket"], "Kim", 1)
        ]
        assert [(c["ticket"], c["room_id"]) for c in queue["called"]] == [(first["ticket"], "fr-2")]
        third = edge.client.post("/api/associate/queue", headers=ana, json={"party": 3}).json()
        assert third["ticket"] == second["ticket"] + 1 and third["position"] == 2
        assert edge.app.state.queue.session_length() == length  # not back to the default


def test_the_estimate_is_position_times_session_length_over_rooms() -> None:
    # Rooms free at rooms / session length a second: position p waits for the p-th release.
    line = QueueLine(rooms=3)
    for length in (200.0, 300.0, 400.0):
        line.room_released("fr-1", started_at=0.0, ended_at=length)
    assert line.session_length() == 300.0
    assert [line.estimate_s(p) for p in (1, 2, 3, 6)] == [100.0, 200.0, 300.0, 600.0]


def test_a_room_ready_for_a_reservation_is_held_for_its_member(edge: MirrorEdge) -> None:
    ana = edge.associate()
    sku = edge.sku_in_stock(edge.style(2))
    start = time.time()
    desk = edge.app.state.reservations
    desk.load([Reservation("r-1", "m-1", "Maya", (sku.gtin,), start, start + 7200, None, "requested")])
    first = edge.client.post("/api/associate/queue", headers=ana, json={"party": 2}).json()
    edge.put_in_room("fr-2", sku, 5, t=start)  # the reserved garment, sensed in fr-2: ready there

    def ready_in_fr2() -> bool:
        held = desk.held_room("fr-2")
        return held is not None and held.status == "ready"

    assert eventually(ready_in_fr2)
    edge.put_in_room("fr-4", edge.sku_in_stock(edge.style(3)), 6, t=start)
    edge.ctx.manager.tick(start + 3600)  # both sessions end; fr-2 stays held for Maya
    queue = eventually(
        lambda: (q := edge.client.get("/api/associate/queue", headers=ana).json())["called"] and q
    )
    assert [(c["ticket"], c["room_id"]) for c in queue["called"]] == [(first["ticket"], "fr-4")]
