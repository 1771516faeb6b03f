"""The manager's figures beyond kpis and skus (issue 19), exact: a migrated edge database holds a history
written at known moments (sessions across hours and a DST change, tasks claimed and completed by two
associates, go-backs, sold-out asks, ship-home orders, offers), and every figure is checked against it;
then the same through the API, for a manager only, with each CSV equal to its JSON, and a size asked for
while sold out at the mirror counted as lost demand."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from edge import clock
from edge.credentials import set_role
from edge.storage import figures_demand as demand
from edge.storage import figures_work as work
from edge.storage.demand import SoldOutAsk
from edge.storage.models import Associate, FittingRoomSession, Task, TaskKind, TaskStatus
from edge.storage.offers import OfferEvent
from edge.storage.orders import OrderStatus, ShipOrder
from edge.storage.queue_tickets import QueueTicket
from edge.storage.reservation_log import ReservationStatusChange
from tests.central_support import edge_engine
from tests.mirror_support import MirrorEdge, mirror_edge

MADRID = ZoneInfo("Europe/Madrid")
# Saturday 2026-03-28 10:00 in Madrid (UTC+1); the clocks go forward at 02:00 the next night.
T0 = datetime(2026, 3, 28, 10, 0, tzinfo=MADRID).timestamp()
H = 3600.0


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = edge_engine(tmp_path / "edge.db")
    with Session(engine) as s:
        s.add(Associate(id="ana", first_name="Ana", pin_hash="x", created_at=T0))
        s.add(Associate(id="ben", first_name="Ben", pin_hash="x", created_at=T0))
        # fr-1: 10:30-11:15 (45 min: 30 in hour 10, 15 in hour 11); fr-2: 11:50-12:10; fr-1: 23:30-03:30
        # local across the DST change (02:00 -> 03:00), i.e. three real hours.
        for sid, room, start, end in [
            ("s1", "fr-1", T0 + 0.5 * H, T0 + 1.25 * H),
            ("s2", "fr-2", T0 + 1.833333 * H, T0 + 2.166666 * H),
            ("s3", "fr-1", T0 + 13.5 * H, T0 + 16.5 * H),
        ]:
            s.add(
                FittingRoomSession(
                    id=sid, store_id="st", room_id=room, started_at=start, ended_at=end, opened_by="mirror"
                )
            )
        s.flush()
        tasks: list[tuple[TaskKind, str, float, float | None, float | None, str | None]] = [
            # kind, session, created (from T0), claim after, complete after, who
            (TaskKind.SIZE_REQUEST, "s1", 0.6 * H, 30.0, 200.0, "ana"),
            (TaskKind.SIZE_REQUEST, "s1", 0.7 * H, 150.0, 400.0, "ben"),  # over the 120 s target
            (TaskKind.HELP, "s2", 1.9 * H, 10.0, 60.0, "ana"),
            (TaskKind.SIZE_REQUEST, "s2", 1.95 * H, None, None, None),  # never claimed: over target
            (TaskKind.GO_BACK, "s1", 1.25 * H, 600.0, 900.0, "ben"),
            (TaskKind.GO_BACK, "s3", 16.5 * H, None, None, None),
        ]
        for kind, sid, at, claim, done, who in tasks:
            items = {"items": [{"epc": "A"}, {"epc": "B"}]} if sid == "s1" else {"items": [{"epc": "C"}]}
            s.add(
                Task(
                    kind=kind,
                    store_id="st",
                    room_id="fr-1",
                    session_id=sid,
                    created_at=T0 + at,
                    status=TaskStatus.DONE if done is not None else TaskStatus.OPEN,
                    claimed_by=who,
                    claimed_at=T0 + at + claim if claim is not None else None,
                    completed_by=who if done is not None else None,
                    completed_at=T0 + at + done if done is not None else None,
                    detail=json.dumps(items if kind == TaskKind.GO_BACK else {}),
                )
            )
        for sid, gtin in [("s1", "1"), ("s1", "1"), ("s2", "1"), ("s3", "1"), ("s2", "2")]:
            s.add(SoldOutAsk(store_id="st", room_id="fr-1", session_id=sid, gtin=gtin, at=T0))
        for oid, sid, gtins, status in [
            ("o1", "s1", ["1"], OrderStatus.SENT),  # s1 asked already: one session for "1"
            ("o2", "s2", ["3"], OrderStatus.CANCELLED),  # asked for (lost demand) but not shipped
            ("o3", "s3", ["3", "4"], OrderStatus.QUEUED),
        ]:
            line = {"style_id": "x", "name": "n", "size": "M", "colour": "c", "price_cents": 1}
            s.add(
                ShipOrder(
                    id=oid,
                    store_id="st",
                    room_id="fr-1",
                    session_id=sid,
                    items=json.dumps([line | {"gtin": g} for g in gtins]),
                    total_cents=1,
                    currency="EUR",
                    created_at=T0,
                    status=status,
                )
            )
        for ticket, joined, called in [(1, 0.0, 300.0), (2, 60.0, 960.0), (3, 120.0, None)]:
            s.add(
                QueueTicket(
                    store_id="st",
                    ticket=ticket,
                    party=2,
                    joined_at=T0 + joined,
                    called_at=T0 + called if called is not None else None,
                    room_id="fr-1" if called is not None else None,
                )
            )
        for rid, statuses in [
            ("r1", ["preparing", "ready", "arrived", "in_room", "done"]),
            ("r2", ["ready", "no_show"]),
            ("r3", ["preparing", "ready", "arrived"]),
            ("r4", ["no_show"]),
        ]:
            for n, status in enumerate(statuses):
                s.add(ReservationStatusChange(reservation_id=rid, status=status, room_id="fr-2", at=T0 + n))
        for sid, kind, gtin in [("s1", "presented", ""), ("s2", "presented", ""), ("s2", "redeemed", "9")]:
            s.add(
                OfferEvent(
                    store_id="st", room_id="fr-1", session_id=sid, offer_id="off", kind=kind, gtin=gtin, at=T0
                )
            )
        s.commit()
    yield engine
    engine.dispose()


def test_task_times_by_kind_and_hour_and_per_associate(db: Engine) -> None:
    with db.connect() as conn:
        by_hour = work.task_times(
            conn, T0, T0 + 24 * H, by="kind_hour", tz=MADRID, target_s=120, now=T0 + 3 * H
        )
        per_person = work.task_times(conn, T0, T0 + 24 * H, by="associate", tz=MADRID, target_s=120, now=T0)
    got = {
        (t.kind, t.hour): (t.tasks, t.claim_p50_s, t.claim_p90_s, t.complete_p50_s, t.over_target)
        for t in by_hour
    }
    assert got == {
        ("go_back", 11): (1, 600.0, 600.0, 900.0, 0),  # go-backs are not waited for in the room
        ("go_back", 3): (1, None, None, None, 0),  # 02:30 UTC = 03:30 CEST (after the change)
        ("help", 11): (1, 10.0, 10.0, 60.0, 0),
        ("size_request", 10): (2, 30.0, 150.0, 200.0, 1),  # nearest rank of two: the lower is p50
        ("size_request", 11): (1, None, None, None, 1),  # unclaimed for longer than the target
    }
    ana = {t.kind: t for t in per_person if t.associate_id == "ana"}
    ben = {t.kind: t for t in per_person if t.associate_id == "ben"}
    assert set(ana) == {"size_request", "help"} and set(ben) == {"size_request", "go_back"}
    assert (
        ana["size_request"].tasks,
        ana["size_request"].claim_p90_s,
        ana["size_request"].complete_p90_s,
    ) == (
        1,
        30.0,
        200.0,
    )
    assert (ben["size_request"].claim_p50_s, ben["size_request"].over_target) == (150.0, 1)
    assert all(t.hour is None for t in per_person)


def test_go_backs_and_rooms_in_use_by_local_hour(db: Engine) -> None:
    with db.connect() as conn:
        g = work.go_backs(conn, T0, T0 + 24 * H)
        hours = {
            h.hour: h for h in work.room_hours(conn, T0, T0 + 24 * H, rooms=2, tz=MADRID, now=T0 + 30 * H)
        }
    assert (g.tasks, g.items, g.cleared, g.open, g.clear_p50_s, g.clear_p90_s) == (2, 3, 1, 1, 900.0, 900.0)
    assert hours[10].sessions_started == 1 and hours[10].occupied_s == pytest.approx(1800, abs=0.01)
    assert hours[11].sessions_started == 1
    assert hours[11].occupied_s == pytest.approx(900 + 600, abs=0.1)  # s1's last 15 min, s2's first 10
    assert hours[12].occupied_s == pytest.approx(600, abs=0.1)
    # s3 from 23:30 to 03:30 local: 30 min in hour 23, 60 in hours 0 and 1, none in 2 (skipped), 30 in 3.
    assert [round(hours[h].occupied_s) for h in (23, 0, 1, 2, 3)] == [1800, 3600, 3600, 0, 1800]
    # 24 real hours from 10:00 CET reach 11:00 CEST: local hour 2 is skipped, hour 10 comes twice (2 rooms).
    assert hours[2].available_s == 0 and hours[2].utilisation is None
    assert hours[10].available_s == 2 * 2 * 3600 and hours[10].utilisation == 0.125
    assert hours[11].available_s == 2 * 3600
    assert sum(h.sessions_started for h in hours.values()) == 3


def test_queue_waits_and_reservation_show_rate(db: Engine) -> None:
    with db.connect() as conn:
        q = work.queue_waits(conn, T0, T0 + H)
        r = work.reservation_shows(conn, T0, T0 + H)
        later = work.reservation_shows(conn, T0 + H, T0 + 2 * H)
    assert (q.tickets, q.called, q.waiting, q.wait_p50_s, q.wait_p90_s) == (3, 2, 1, 300.0, 900.0)
    assert (r.reservations, r.ready, r.shown, r.no_show, r.show_rate) == (4, 3, 2, 2, 0.5)
    assert (later.reservations, later.show_rate) == (0, None)


def test_lost_demand_shipping_fit_and_offers(db: Engine) -> None:
    with db.connect() as conn:
        lost = demand.lost_demand(conn, T0, T0 + 24 * H)
        shipped = demand.ship_home_items(conn, T0, T0 + 24 * H)
        offers = demand.offer_figures(conn, T0, T0 + 24 * H)
    # "1": asked in s1 (twice), s2 and s3, and ordered in s1: three sessions. "3": ordered in s2 and s3
    # (the cancelled order still says the shopper wanted it), so lost demand; shipped only once.
    assert lost == {"1": 3, "2": 1, "3": 2, "4": 1}
    assert demand.running_out(lost) == {"1"}
    assert shipped == {"1": 1, "3": 1, "4": 1}  # o2 was cancelled
    assert [(o.offer_id, o.presented, o.redeemed, o.sessions_redeemed) for o in offers] == [("off", 2, 1, 1)]

    style_of = {"a": "A", "b": "B", "c": "C"}
    fits = demand.fit_by_style({"a": 40, "b": 30, "c": 5}, {"a": 20, "b": 3, "c": 0}, style_of)
    # The store's rate is 23/75 = 0.307; B (0.1) is under half of it with 30 tries; C too, but tried 5 times.
    assert [(f.style_id, f.try_to_buy, f.fit_problem) for f in fits] == [
        ("A", 0.5, False),
        ("B", 0.1, True),
        ("C", 0.0, False),
    ]


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def test_through_the_api_for_managers_only_and_csv_equals_json(edge: MirrorEdge) -> None:
    t0 = time.time() - 1
    manager = edge.associate("mia", "Mia", "4321")
    set_role(edge.service.db, "mia", "manager")
    clerk = edge.associate("ana", "Ana", "1234")
    catalog = edge.service.catalog
    sold_out = next(s for st in catalog.styles for s in st.skus if catalog.stock_of(s.gtin).in_store <= 0)
    x = edge.sku_in_stock(edge.style(0))
    epc = edge.put_in_room("fr-1", x, 1)
    mirror = edge.mirror("fr-1")
    refused = edge.client.post(
        "/api/mirror/fr-1/requests", headers=mirror, json={"gtin": sold_out.gtin, "epc": epc}
    )
    assert refused.status_code == 422 and "sold out" in refused.text
    asked = edge.client.post("/api/mirror/fr-1/requests", headers=mirror, json={"gtin": x.gtin})
    assert edge.client.post(f"/api/associate/tasks/{asked.json()['id']}/claim", headers=clerk).is_success

    span = {"from": str(t0), "to": str(clock.now())}  # closed, by the edge's clock: the figures hold still
    skus = {r["gtin"]: r for r in edge.client.get("/api/manager/skus", params=span, headers=manager).json()}
    assert (skus[sold_out.gtin]["requested_sold_out"], skus[sold_out.gtin]["running_out"]) == (1, False)
    assert skus[sold_out.gtin]["tried"] == 0 and skus[x.gtin]["requested_sold_out"] == 0
    people = edge.client.get("/api/manager/associates", params=span, headers=manager).json()
    assert [(p["first_name"], p["kind"], p["tasks"]) for p in people] == [("Ana", "size_request", 1)]
    hours = edge.client.get("/api/manager/hours", params=span, headers=manager).json()
    assert len(hours) == 24 and sum(h["sessions_started"] for h in hours) == 1
    paths = ("skus", "styles", "hours", "tasks", "associates", "go-backs", "offers", "queue", "reservations")
    for path in paths:
        assert edge.client.get(f"/api/manager/{path}", headers=clerk).status_code == 403, path
        data = edge.client.get(f"/api/manager/{path}", params=span, headers=manager).json()
        table = edge.client.get(f"/api/manager/{path}.csv", params=span, headers=manager)
        assert table.headers["content-type"].startswith("text/csv"), path
        rows = data if isinstance(data, list) else [data]
        assert [{k: _as_text(v) for k, v in r.items()} for r in rows] == _rows(table.text), path
    page = edge.client.get("/manager", headers=manager)
    assert page.status_code == 200 and "Asked for while sold out here" in page.text
    assert sold_out.gtin in page.text
