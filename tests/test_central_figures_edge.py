"""Head office's figures (issue 19) against the edge's: PostgreSQL's percentiles are the edge's nearest
rank, and a scripted store on the real edge, its outbox synced through the real ingest, reads the same at
the store and at head office."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cloud_sync.central.app import create_app
from cloud_sync.central.catalog import upsert_styles
from cloud_sync.central.db import make_engine
from cloud_sync.central.kpis import _percentiles
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from edge.credentials import set_role
from edge.storage.outbox import OutboxEvent
from edge.storage.tasks import complete_task
from tests.central_support import (
    ADMIN_TOKEN,
    fresh_pg_database,
    pg_available,
)
from tests.conftest import require
from tests.mirror_support import mirror_edge
from tests.test_central_figures import ADMIN, FIGURES

WORK = ("styles", "hours", "tasks", "go-backs", "queue", "reservations", "offers")


def _key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_percentiles_on_postgresql_are_the_edges_nearest_rank() -> None:
    """PostgreSQL's percentiles (percentile_disc) pick the ceil(q*n)-th value, as the edge's do (not an
    interpolation, as percentile_cont would)."""
    require(pg_available(), "PostgreSQL at 127.0.0.1:5432 (database test, trust auth)")
    with fresh_pg_database() as url:
        engine = make_engine(url)
        with engine.connect() as conn:
            for n in (1, 2, 3, 10, 70, 71, 99, 130, 1000, 4567):
                values = f"SELECT 's' AS store_id, g::float AS v FROM generate_series(1, {n}) AS g"
                got = _percentiles(conn, values, {}, (0.5, 0.9))
                want = [float((500 * n + 999) // 1000), float((900 * n + 999) // 1000)]
                assert got == {"s": want, "": want}, n
        engine.dispose()


def test_a_stores_figures_read_the_same_at_the_store_and_at_head_office(tmp_path: Path) -> None:
    """A scripted store on the real edge (presence as the broker ingest applies it, the mirror and
    associate APIs): its outbox synced through the real ingest, head office's figures for that store equal
    the manager's, figure for figure and SKU row for SKU row."""
    require(pg_available(), "PostgreSQL at 127.0.0.1:5432 (database test, trust auth)")
    t0 = time.time() - 1
    with mirror_edge(tmp_path / "edge.db") as edge:
        manager = edge.associate("mia", "Mia", "4321")
        set_role(edge.service.db, "mia", "manager")
        clerk = edge.associate("ana", "Ana", "1234")
        x_style, y_style = edge.style(0), edge.style(3)
        x, x_other, y = (
            edge.sku_in_stock(x_style),
            edge.sku_in_stock(x_style, skip=1),
            edge.sku_in_stock(y_style),
        )
        a1 = edge.put_in_room("fr-1", x, 1)
        edge.put_in_room("fr-1", y, 2)  # left in the room: a go-back
        mirror = edge.mirror("fr-1")
        for gtin in (x_other.gtin, y.gtin):  # two requests: one claimed, one completed straight away
            asked = edge.client.post(
                "/api/mirror/fr-1/requests", headers=mirror, json={"gtin": gtin, "epc": a1}
            )
            assert asked.status_code == 201, asked.text
            act = "claim" if gtin == y.gtin else "complete"
            assert edge.client.post(
                f"/api/associate/tasks/{asked.json()['id']}/{act}", headers=clerk
            ).is_success
        catalog = edge.service.catalog
        sold_out = next(k for st in catalog.styles for k in st.skus if catalog.stock_of(k.gtin).in_store <= 0)
        refused = edge.client.post("/api/mirror/fr-1/requests", headers=mirror, json={"gtin": sold_out.gtin})
        assert refused.status_code == 422  # lost demand: counted at the store and at head office alike
        assert edge.client.post("/api/mirror/fr-1/purchases", headers=mirror, json={"epcs": [a1]}).is_success
        help_call = edge.client.post("/api/mirror/fr-1/help", headers=mirror)
        assert help_call.status_code == 201
        assert edge.client.post(
            f"/api/associate/tasks/{help_call.json()['id']}/claim", headers=clerk
        ).is_success
        walk_in = edge.client.post("/api/associate/queue", headers=clerk, json={"party": 2})
        assert walk_in.status_code == 201  # every room busy or not, it is called when a session ends
        edge.take_out("fr-1", a1)
        b1 = edge.put_in_room("fr-2", x, 3)
        edge.put_in_room("fr-2", y, 4)
        edge.take_out("fr-2", b1)
        edge.ctx.manager.tick(time.time() + 3600)  # both sessions end; a2 and y are left behind
        go_back = next(
            t for t in edge.client.get("/api/associate/tasks", headers=clerk).json() if t["kind"] == "go_back"
        )
        with Session(edge.service.db) as db:  # cleared two minutes after the session ended (in the future)
            complete_task(
                session=db, task_id=go_back["id"], associate_id="ana", now=go_back["created_at"] + 120
            )
            db.commit()
        span = {"from": str(t0), "to": str(time.time() + 7200)}
        at_store = edge.client.get("/api/manager/kpis", params=span, headers=manager).json()
        store_skus = edge.client.get("/api/manager/skus", params=span, headers=manager).json()
        store_work = {
            f: edge.client.get(f"/api/manager/{f}", params=span, headers=manager).json() for f in WORK
        }
        store_id, styles = edge.service.layout.store.id, edge.service.catalog.styles
        with Session(edge.service.db) as db:
            events = [
                {"event_id": r.event_id, "type": r.type, "store_id": r.store_id, "created_at": r.created_at}
                | {"member_id": r.member_id, "payload": r.body}
                for r in db.exec(select(OutboxEvent).order_by(col(OutboxEvent.seq))).all()
            ]
    assert at_store["sessions"] == 2 and at_store["claim_p90_s"] is not None and at_store["go_back_items"] > 0
    with fresh_pg_database() as url:
        app = create_app(CentralSettings(db_url=url, admin_token=ADMIN_TOKEN))
        with Session(app.state.engine) as session:
            key = create_store(session, store_id=store_id, name="Flagship", now=time.time())
            upsert_styles(session, styles)
            session.commit()
        with TestClient(app) as c:
            r = c.post(f"/v1/stores/{store_id}/events", json={"events": events}, headers=_key(key))
            assert r.status_code == 200 and r.json()["accepted"] == len(events), r.text
            central = c.get("/v1/admin/kpis", params={**span, "store_id": store_id}, headers=ADMIN).json()
            central_skus = c.get(
                "/v1/admin/skus", params={**span, "store_id": store_id}, headers=ADMIN
            ).json()
            one = {**span, "store_id": store_id}
            central_work = {f: c.get(f"/v1/admin/{f}", params=one, headers=ADMIN).json() for f in WORK}
        app.state.engine.dispose()
    assert {k: central[k] for k in FIGURES} == {k: at_store[k] for k in FIGURES}
    # Head office has the SKU figures both sides count (the store adds its own lost-demand columns).
    shared = set(central_skus[0])
    assert central_skus == [{k: v for k, v in row.items() if k in shared} for row in store_skus]
    assert any(row["requested_sold_out"] == 1 for row in central_skus)

    # ... and the work figures: styles, rooms by hour, tasks by kind and hour, go-backs, queue, offers and
    # reservations, with the edge's field names (head office adds its scope; the store, who did a task).
    assert central_work["styles"] == store_work["styles"]
    assert central_work["tasks"] == [
        {k: v for k, v in row.items() if k not in ("associate_id", "first_name")}
        for row in store_work["tasks"]
    ]
    assert {row["kind"] for row in central_work["tasks"]} >= {"size_request", "help", "bag", "go_back"}
    for family in ("go-backs", "queue", "reservations"):
        assert {k: v for k, v in central_work[family].items() if k != "store_id"} == store_work[family], (
            family
        )
    assert central_work["go-backs"]["cleared"] == 1 and central_work["queue"]["called"] == 1
    assert central_work["offers"] == store_work["offers"]
    # Rooms in use by hour: the same sessions and occupied time; the available time runs to each one's
    # "now", a moment apart.
    for mine, theirs in zip(central_work["hours"], store_work["hours"], strict=True):
        assert (mine["hour"], mine["sessions_started"], mine["occupied_s"]) == (
            theirs["hour"],
            theirs["sessions_started"],
            theirs["occupied_s"],
        )
        assert abs(mine["available_s"] - theirs["available_s"]) < 60
    assert sum(h["sessions_started"] for h in central_work["hours"]) == 2
