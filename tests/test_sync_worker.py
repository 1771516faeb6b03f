"""The edge sync worker against a real central app: Retry-After, catalog/stock pulls into the edge's
catalog, profiles fetched when a beacon is first seen, erasure at the edge, the persisted ledger."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cloud_sync import ledger
from cloud_sync.backoff import Backoff, parse_retry_after
from cloud_sync.central.app import create_app
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from cloud_sync.client import CentralClient
from cloud_sync.wire import guest_member_id
from cloud_sync.worker import SyncConfig, SyncWorker
from edge.catalog.model import Catalog
from edge.presence.events import EventType, PresenceEvent
from edge.storage.outbox import OutboxEvent, add_outbox_event
from tests.central_support import ADMIN_TOKEN, edge_engine

STORE = "store-042"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BEACON = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42"
TEE_S, TEE_M = "06012345000018", "06012345000025"


def tee(name: str = "Organic tee") -> dict[str, Any]:
    return {
        "id": "TE-1",
        "name": name,
        "brand": "Northwind",
        "category": "tops",
        "price_cents": 1999,
        "skus": [
            {"gtin": TEE_S, "size": "S", "colour": "White", "colour_hex": "#ffffff"},
            {"gtin": TEE_M, "size": "M", "colour": "White", "colour_hex": "#ffffff"},
        ],
    }


class Counting(httpx.AsyncBaseTransport):
    """Wraps the real app's transport to count requests per path."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


class Central:
    def __init__(self, db_url: str) -> None:
        self.app = create_app(CentralSettings(db_url=db_url, admin_token=ADMIN_TOKEN))
        engine = self.app.state.engine
        with Session(engine) as session:
            self.key = create_store(session, store_id=STORE, name="Flagship", now=time.time())
            session.commit()
        self.transport = Counting(httpx.ASGITransport(app=self.app))
        self.admin = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://central", headers=ADMIN
        )

    def client(self) -> CentralClient:
        return CentralClient("http://central", self.key, transport=self.transport)


@pytest.fixture
async def central(tmp_path: Path) -> AsyncIterator[Central]:
    c = Central(f"sqlite:///{tmp_path / 'central.db'}")
    yield c
    await c.admin.aclose()
    c.app.state.engine.dispose()


@pytest.fixture
def edge_db(tmp_path: Path) -> Iterator[Engine]:
    engine = edge_engine(tmp_path / "edge.db")
    yield engine
    engine.dispose()


class CatalogHolder:
    """Where the edge keeps its live catalog (``service.catalog`` in the real edge)."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or Catalog()
        self.sets = 0

    def get(self) -> Catalog:
        return self.catalog

    def set(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.sets += 1


def make_worker(
    engine: Engine, client: CentralClient, holder: CatalogHolder | None = None, **kwargs: Any
) -> SyncWorker:
    holder = holder or CatalogHolder()
    return SyncWorker(
        engine,
        SyncConfig(central_url="http://central", store_key="k", store_id=STORE),
        client=client,
        catalog_get=holder.get,
        catalog_set=holder.set,
        **kwargs,
    )


def write_event(engine: Engine, kind: str = "purchase", member: str | None = None, **payload: Any) -> str:
    with Session(engine) as session:
        row = add_outbox_event(session=session, type=kind, store_id=STORE, payload=payload, member_id=member)
        session.commit()
        return row.event_id


def test_backoff_grows_with_jitter_up_to_the_cap_and_respects_retry_after() -> None:
    low, high = Backoff(base_s=1, cap_s=8, rng=lambda: 0.0), Backoff(base_s=1, cap_s=8, rng=lambda: 1.0)
    assert [low.next_delay() for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    assert [high.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    assert Backoff(base_s=1, cap_s=8, rng=lambda: 0.0).next_delay(retry_after=30) == 30
    assert parse_retry_after("120", now=0) == 120
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", now=40) == 60
    assert parse_retry_after("soon", now=0) is None


@pytest.mark.parametrize("status", [429, 503])
async def test_the_worker_honours_retry_after_and_keeps_the_backlog(edge_db: Engine, status: int) -> None:
    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"Retry-After": "30"}, json={"detail": "busy"})

    write_event(edge_db, gtin=TEE_S)
    worker = make_worker(edge_db, CentralClient("http://central", "k", transport=httpx.MockTransport(busy)))
    task = asyncio.create_task(worker.run())
    try:
        for _ in range(200):
            if worker.retry_at is not None:
                break
            await asyncio.sleep(0.02)
        status_now = await asyncio.to_thread(worker.status)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert status_now["state"] == "retrying" and status_now["last_error"] == f"HTTP {status}"
    assert status_now["retry_in_s"] >= 29  # not before the centre said
    assert status_now["backlog"] == 1 and status_now["sent_total"] == 0


async def test_a_failing_edge_database_never_kills_the_worker(edge_db: Engine) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    worker = make_worker(edge_db, CentralClient("http://central", "k", transport=httpx.MockTransport(never)))
    with edge_db.begin() as conn:  # a broken outbox table under the worker
        conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_gone")
        conn.exec_driver_sql("CREATE TABLE outbox (broken INTEGER)")
    task = asyncio.create_task(worker.run())
    try:
        for _ in range(200):
            if worker.last_error:
                break
            await asyncio.sleep(0.02)
        assert worker.state == "retrying" and worker.last_error == "OperationalError"
        assert not task.done()  # still running: it will try again
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_drained_events_are_counted_once_and_the_count_survives_a_restart(
    central: Central, edge_db: Engine
) -> None:
    ids = [write_event(edge_db, gtin=TEE_S) for _ in range(7)]
    worker = make_worker(edge_db, central.client())
    assert await worker.drain_once() == 7
    assert await worker.drain_once() == 0
    status = await asyncio.to_thread(worker.status)
    assert status["backlog"] == 0 and status["sent_total"] == 7 and status["oldest_age_s"] == 0
    assert status["last_success"] is not None

    # A resend of acknowledged events (as after a crash before marking) is not counted again.
    await central.client().send_events(STORE, [ledger.to_wire(r) for r in _rows(edge_db, ids)])
    write_event(edge_db, gtin=TEE_M)
    restarted = make_worker(edge_db, central.client())
    before = await asyncio.to_thread(restarted.status)
    assert before["sent_total"] == 7 and before["backlog"] == 1 and before["oldest_age_s"] >= 0
    await restarted.drain_once()
    assert (await asyncio.to_thread(restarted.status))["sent_total"] == 8
    stats = (await central.admin.get("/v1/admin/stats")).json()
    assert stats["events"] == {"purchase": 8}

    # Old acknowledged rows are deleted at the edge; the count of what was ever sent stays.
    assert ledger.prune_sent(edge_db, sent_before=time.time() + 1) == 8
    after = await asyncio.to_thread(restarted.status)
    assert after["sent_total"] == 8 and after["backlog"] == 0


def _rows(engine: Engine, ids: list[str]) -> list[OutboxEvent]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxEvent).where(col(OutboxEvent.event_id).in_(ids))).all())


async def test_catalog_and_stock_are_pulled_into_the_edge_catalog_and_kept_offline(
    central: Central, edge_db: Engine
) -> None:
    await central.admin.put(
        "/v1/admin/catalog", json={"styles": [tee()], "online": [{"gtin": TEE_M, "online": 5}]}
    )
    await central.admin.put(f"/v1/admin/stores/{STORE}/stock", json={"stock": [{"gtin": TEE_S, "floor": 2}]})
    holder = CatalogHolder()
    worker = make_worker(edge_db, central.client(), holder)
    assert await worker.pull_once()
    assert holder.catalog.by_gtin[TEE_S][0].name == "Organic tee"
    assert holder.catalog.stock_of(TEE_S).floor == 2 and holder.catalog.stock_of(TEE_M).online == 5

    await central.admin.put("/v1/admin/catalog", json={"styles": [tee("Organic tee, relaxed fit")]})
    central.transport.paths.clear()
    assert await worker.pull_once()
    assert holder.catalog.by_style["TE-1"].name == "Organic tee, relaxed fit"
    assert not await worker.pull_once()  # nothing new since the cursor

    # Restarted with the centre unreachable: the edge serves the catalog it last pulled.
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    offline = CatalogHolder()
    unreachable = CentralClient("http://central", "k", transport=httpx.MockTransport(down))
    restarted = make_worker(edge_db, unreachable, offline)
    await restarted.restore_catalog()
    assert offline.catalog.by_style["TE-1"].name == "Organic tee, relaxed fit"
    assert offline.catalog.stock_of(TEE_S).floor == 2


async def test_a_beacon_first_seen_fetches_the_profile_once(central: Central, edge_db: Engine) -> None:
    await central.admin.put(
        "/v1/admin/profiles/m-5",
        json={
            "first_name": "Ada",
            "preferred_sizes": {"tops": "M"},
            "favourite_colours": ["White"],
            "beacons": [{"uuid": "e2c56db5-dffb-48d2-b060-d0f5a71096e0", "major": 100, "minor": 42}],
        },
    )
    arrived: list[str] = []
    worker = make_worker(edge_db, central.client(), on_profile=arrived.append)
    entered = PresenceEvent(t=time.time(), type=EventType.SHOPPER_ENTERED, room="entrance", device=BEACON)
    worker.on_presence("presence", entered)
    worker.on_presence("presence", entered)  # while the first fetch is in flight
    for _ in range(200):
        if arrived:
            break
        await asyncio.sleep(0.02)
    worker.on_presence(
        "presence", PresenceEvent(t=time.time(), type=EventType.SHOPPER_ENTERED, room="fr-1", device=BEACON)
    )
    await asyncio.sleep(0.05)
    assert arrived == [BEACON]
    profile = worker.profiles.profile_for_device(BEACON)
    assert profile is not None and profile.member_id == "m-5" and profile.first_name == "Ada"
    assert dict(profile.preferred_sizes) == {"tops": "M"} and profile.favourite_colours == ("White",)
    assert central.transport.paths.count("/v1/profiles/by-beacon") == 1  # cached
    assert worker.profiles.profile_for_device("iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-43") is None


async def test_erasing_an_email_only_shopper_drops_their_queued_opt_ins(
    central: Central, edge_db: Engine
) -> None:
    worker = make_worker(edge_db, central.client())
    write_event(edge_db, "email_opt_in", email="Ana@Example.org", consent=True, items=[{"gtin": TEE_S}])
    write_event(edge_db, "email_opt_in", email="bo@example.org", consent=True, items=[{"gtin": TEE_S}])
    guest = guest_member_id("ana@example.org")
    assert (await central.admin.delete(f"/v1/profiles/{guest}")).status_code == 204
    assert await worker.erasures_once() == 1
    with Session(edge_db) as session:
        left = [json.loads(r.payload)["email"] for r in session.exec(select(OutboxEvent)).all()]
    assert left == ["bo@example.org"]


async def test_erasure_reaches_the_edge_which_drops_its_copy_and_stops_sending(
    central: Central, edge_db: Engine
) -> None:
    await central.admin.put(
        "/v1/admin/profiles/m-7",
        json={"beacons": [{"uuid": "e2c56db5-dffb-48d2-b060-d0f5a71096e0", "major": 100, "minor": 42}]},
    )
    erased: list[str] = []
    worker = make_worker(edge_db, central.client(), on_erased=[erased.append])
    write_event(edge_db, member="m-7", gtin=TEE_S)
    write_event(edge_db, member="m-8", gtin=TEE_S)
    await worker.drain_once()
    await worker.fetch_profile(BEACON)
    assert worker.profiles.profile(BEACON) is not None
    write_event(edge_db, "size_request", member="m-7", gtin=TEE_M)  # queued, not yet sent

    assert (await central.admin.delete("/v1/profiles/m-7")).status_code == 204
    assert await worker.erasures_once() == 1
    assert erased == ["m-7"]
    assert worker.profiles.profile(BEACON) is None
    with Session(edge_db) as session:
        members = [r.member_id for r in session.exec(select(OutboxEvent)).all()]
    assert "m-7" not in members and "m-8" in members

    write_event(edge_db, "go_back", member="m-7", room="fr-1")  # written after the erasure arrived
    await worker.drain_once()
    assert ledger.counts(edge_db).backlog == 0
    stats = (await central.admin.get("/v1/admin/stats")).json()
    assert stats["events"] == {"purchase": 2}  # the m-7 purchase kept only as an anonymous count
    assert await worker.erasures_once() == 0  # the cursor moved on
    json.dumps(await asyncio.to_thread(worker.status))  # the status stays JSON
