"""Head office's work figures (issue 19) on PostgreSQL and SQLite, from events as edges send them: tasks
by kind and hour of each store's own day with each store's request target, go-backs cleared, walk-in
queue waits, reservations' show rate, offers shown and redeemed, and rooms in use by hour, for one store
and chain-wide; CSV equal to the JSON; the admin token required."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cloud_sync.central.app import create_app
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from tests.central_support import ADMIN_TOKEN, database_url

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
D0 = 1793577600.0  # 2026-11-02T00:00:00Z: Madrid is UTC+1, New York UTC-5
H = 3600.0
RANGE = {"from": "2026-11-02", "to": "2026-11-03"}
MADRID = {"timezone": "Europe/Madrid", "fitting_rooms": 4, "request_target_s": 60.0}
NEW_YORK = {"timezone": "America/New_York", "fitting_rooms": 2, "request_target_s": 300.0}


def ev(eid: str, kind: str, store_id: str, at: float, /, **payload: Any) -> dict[str, Any]:
    return {"event_id": eid, "type": kind, "store_id": store_id, "created_at": at, "payload": payload}


def session(eid: str, store: str, started: float, dwell: float, facts: dict[str, Any], **more: Any) -> Any:
    return ev(
        eid,
        "session_ended",
        store,
        started + dwell,
        session_id=f"sess-{eid}",
        room_id="fr-1",
        started_at=started,
        ended_at=started + dwell,
        items=[],
        purchases=[],
        go_backs=[],
        store=facts,
        **more,
    )


def task(eid: str, kind: str, store: str, task_id: int, task_kind: str, created: float, **times: Any) -> Any:
    at = times.get("completed_at") or times.get("claimed_at") or created
    return ev(
        eid, kind, store, at, task_id=task_id, kind=task_kind, room_id="fr-1", created_at=created, **times
    )


T1 = D0 + 10 * H + 60  # 11:01 in Madrid
T2 = D0 + 15 * H  # 10:00 in New York
GB = D0 + 10.5 * H  # 11:30 in Madrid
S1 = [
    session("a", "s1", D0 + 10 * H, 1800, MADRID, offers_presented=["OF-1"], offers_redeemed=["OF-1"]),
    ev("r1", "size_request", "s1", T1, task_id=1, room_id="fr-1", created_at=T1, gtin="04012345000016"),
    task("c1", "task_claimed", "s1", 1, "size_request", T1, claimed_at=T1 + 90),  # over its 60 s target
    task("h1", "task_opened", "s1", 2, "help", T1 + 5),  # never claimed: over target by now
    ev(
        "g1",
        "go_back",
        "s1",
        GB,
        task_id=3,
        room_id="fr-1",
        created_at=GB,
        items=[{"epc": "a"}, {"epc": "b"}],
    ),
    task("g2", "task_completed", "s1", 3, "go_back", GB, claimed_at=GB + 600, completed_at=GB + 600),
    ev("q1", "queue_ticket", "s1", D0 + 10 * H, ticket_id=1, ticket=1, party=2, joined_at=D0 + 10 * H),
    ev(
        "q2", "queue_ticket", "s1", D0 + 10 * H + 5, ticket_id=2, ticket=2, party=1, joined_at=D0 + 10 * H + 5
    ),
    ev(
        "q3",
        "queue_ticket",
        "s1",
        D0 + 10 * H + 300,
        ticket_id=1,
        ticket=1,
        party=2,
        joined_at=D0 + 10 * H,
        called_at=D0 + 10 * H + 300,
        room_id="fr-1",
    ),
]
S2 = [
    session("b", "s2", T2, 600, NEW_YORK, offers_presented=["OF-1"]),
    ev("r2", "size_request", "s2", T2, task_id=1, room_id="fr-1", created_at=T2, gtin="04012345000016"),
    task("c2", "task_claimed", "s2", 1, "size_request", T2, claimed_at=T2 + 120),  # within its 300 s target
    ev("v1", "reservation_status", "s2", T2, reservation_id="res-1", status="ready", room_id="fr-1"),
    ev("v2", "reservation_status", "s2", T2 + 60, reservation_id="res-1", status="arrived", room_id="fr-1"),
    ev("v3", "reservation_status", "s2", T2 + 90, reservation_id="res-2", status="no_show", room_id=None),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    with database_url(request.param, tmp_path / "central.db") as url:
        app = create_app(CentralSettings(db_url=url, admin_token=ADMIN_TOKEN))
        with Session(app.state.engine) as db:
            keys = {s: create_store(db, store_id=s, name=s.upper(), now=time.time()) for s in ("s1", "s2")}
            db.commit()
        with TestClient(app) as c:
            for store, events in (("s1", S1), ("s2", S2)):
                sent = c.post(
                    f"/v1/stores/{store}/events",
                    json={"events": events},
                    headers={"Authorization": f"Bearer {keys[store]}"},
                )
                assert sent.status_code == 200 and sent.json()["accepted"] == len(events), sent.text
            yield c
        app.state.engine.dispose()


def get(c: TestClient, family: str, **params: str) -> Any:
    response = c.get(f"/v1/admin/{family}", params={**RANGE, **params}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def test_tasks_by_kind_and_each_stores_own_hour_and_target(client: TestClient) -> None:
    rows = {(r["kind"], r["hour"]): r for r in get(client, "tasks")}
    assert set(rows) == {("size_request", 11), ("size_request", 10), ("help", 11), ("go_back", 11)}
    madrid, new_york = rows["size_request", 11], rows["size_request", 10]
    assert (madrid["claim_p50_s"], madrid["over_target"]) == (90.0, 1)
    assert (new_york["claim_p50_s"], new_york["over_target"]) == (120.0, 0)
    assert rows["help", 11]["claim_p50_s"] is None and rows["help", 11]["over_target"] == 1
    assert rows["go_back", 11]["complete_p50_s"] == 600.0 and rows["go_back", 11]["over_target"] == 0
    only_s2 = get(client, "tasks", store_id="s2")
    assert [(r["kind"], r["hour"], r["tasks"]) for r in only_s2] == [("size_request", 10, 1)]


def test_go_backs_queue_reservations_and_offers(client: TestClient) -> None:
    go_backs = get(client, "go-backs")
    assert {k: go_backs[k] for k in ("tasks", "items", "cleared", "open", "clear_p50_s")} == {
        "tasks": 1,
        "items": 2,
        "cleared": 1,
        "open": 0,
        "clear_p50_s": 600.0,
    }
    queue = get(client, "queue", store_id="s1")
    assert (queue["tickets"], queue["called"], queue["waiting"], queue["wait_p50_s"]) == (2, 1, 1, 300.0)
    assert get(client, "queue", store_id="s2")["tickets"] == 0
    shows = get(client, "reservations")
    assert (shows["reservations"], shows["ready"], shows["shown"], shows["no_show"]) == (2, 1, 1, 1)
    assert shows["show_rate"] == 0.5
    assert get(client, "offers") == [
        {"offer_id": "OF-1", "title": None, "presented": 2, "redeemed": 1, "sessions_redeemed": 1}
    ]
    assert get(client, "offers", store_id="s2")[0]["redeemed"] == 0


def test_rooms_in_use_by_hour_of_each_stores_day(client: TestClient) -> None:
    s1 = {h["hour"]: h for h in get(client, "hours", store_id="s1")}
    assert s1[11]["sessions_started"] == 1 and s1[11]["occupied_s"] == 1800.0
    assert s1[11]["available_s"] == 4 * 2 * H  # four rooms, the hour on both days of the range
    assert s1[11]["utilisation"] == round(1800 / (8 * H), 4)
    chain = {h["hour"]: h for h in get(client, "hours")}
    assert chain[10]["sessions_started"] == 1 and chain[10]["occupied_s"] == 600.0  # New York's 10:00
    assert chain[11]["occupied_s"] == 1800.0
    assert all(h["available_s"] == 6 * 2 * H for h in chain.values())
    assert sum(h["sessions_started"] for h in chain.values()) == 2


def test_csv_equals_json_and_the_admin_token_is_needed(client: TestClient) -> None:
    for family in ("tasks", "hours", "styles", "offers", "go-backs", "queue", "reservations"):
        as_json = get(client, family)
        response = client.get(f"/v1/admin/{family}.csv", params=RANGE, headers=ADMIN)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        listed = as_json if isinstance(as_json, list) else [as_json]
        assert len(rows) == len(listed), family
        for got, want in zip(rows, listed, strict=True):
            assert got == {k: "" if v is None else str(v) for k, v in want.items()}, family
        assert client.get(f"/v1/admin/{family}", params=RANGE).status_code == 401
    assert (
        client.get("/v1/admin/tasks", params={**RANGE, "store_id": "nope"}, headers=ADMIN).status_code == 404
    )
    assert client.get("/v1/admin/tasks", params={"from": "yesterday"}, headers=ADMIN).status_code == 422
