"""Offers: defined at the central store (real PostgreSQL) with their validation, pulled by an edge, one
banner on the mirror for the items in the room, sent to an opted-in member's app through a signed webhook
within consent and the daily cap (a real local HTTP receiver), and redemptions recorded."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cloud_sync.central.app import create_app
from cloud_sync.central.db import make_engine
from cloud_sync.central.offers import OfferConsent, OfferRecord
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from cloud_sync.offers_pull import pull_offers_once
from cloud_sync.worker import SyncConfig
from edge.offers_nearby import OffersNearby
from edge.presence.events import EventType, PresenceEvent
from edge.storage.offers import OfferEvent, record_presented
from edge.storage.outbox import OutboxEvent
from edge.suggest import ShopperProfile
from edge.topics import PRESENCE
from tests.central_support import ADMIN_TOKEN, database_url
from tests.mirror_support import MirrorEdge, mirror_edge
from tests.webhook_receiver import receiver, valid_signature

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SECRET = "offers-secret"
STORE = "store-042"  # the demo layout's store


def offer(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Two shirts, 20% off",
        "body": "Take a second shirt for 20% less today.",
        "room_kinds": ["fitting_room"],
        "categories": ["tops"],
        "discount_pct": 20,
        "members_only": False,
        "valid_from": "2020-01-01T00:00:00Z",
        "valid_until": "2099-01-01T00:00:00Z",
        "max_per_member_per_day": 2,
    }
    body.update(over)
    return body


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    with database_url("postgresql", tmp_path / "unused.db") as url:
        yield url


@pytest.fixture
def store_key(pg_url: str) -> str:
    engine = make_engine(pg_url)
    create_app(CentralSettings(db_url=pg_url), engine=engine)  # migrates
    with Session(engine) as session:
        key = create_store(session, store_id=STORE, name="Flagship", now=time.time())
        create_store(session, store_id="store-007", name="Outlet", now=time.time())
        session.commit()
    engine.dispose()
    return key


def test_offers_are_validated_and_each_store_pulls_its_own(pg_url: str, store_key: str) -> None:
    app = create_app(CentralSettings(db_url=pg_url, admin_token=ADMIN_TOKEN))
    with TestClient(app) as client:
        assert client.post("/v1/offers", json=offer()).status_code == 401
        for bad, needle in [
            (offer(gtins=["04012345000016"]), "not both"),
            (offer(valid_until="2019-01-01T00:00:00Z"), "valid_until must be after valid_from"),
            (offer(discount_pct=120), "discount_pct"),
            (offer(room_kinds=["roof"]), "room_kinds"),
            (offer(categories=["hats"]), "categories"),
            (offer(valid_from="2020-01-01T00:00:00"), "time zone"),
            ({k: v for k, v in offer().items() if k != "max_per_member_per_day"}, "max_per_member_per_day"),
        ]:
            response = client.post("/v1/offers", json=bad, headers=ADMIN)
            assert response.status_code == 422, bad
            assert needle in response.text, response.text
        made = client.post("/v1/offers", json=offer(), headers=ADMIN)
        assert made.status_code == 201, made.text
        other = client.post(
            "/v1/offers", json=offer(title="Outlet only", store_ids=["store-007"]), headers=ADMIN
        )
        assert other.status_code == 201
        pulled = client.get(f"/v1/stores/{STORE}/offers", headers={"Authorization": f"Bearer {store_key}"})
        assert [o["id"] for o in pulled.json()["offers"]] == [made.json()["id"]]
        assert (
            client.get(
                "/v1/stores/store-007/offers", headers={"Authorization": f"Bearer {store_key}"}
            ).status_code
            == 403
        )
    app.state.engine.dispose()


class Profiles:
    """The edge's profile lookup port, with one known member's phone."""

    def __init__(self, device: str, member_id: str) -> None:
        self.device, self.member_id = device, member_id

    def profile_for_device(self, device: str) -> ShopperProfile | None:
        return ShopperProfile(member_id=self.member_id, first_name="Eva") if device == self.device else None


def _pull(edge: MirrorEdge, central: TestClient, store_key: str) -> bool:
    config = SyncConfig(central_url="http://central", store_key=store_key, store_id=STORE)
    transport = httpx.ASGITransport(app=central.app)

    async def once() -> bool:
        headers = {"Authorization": f"Bearer {store_key}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://central", headers=headers) as http:
            return await pull_offers_once(http, edge.service.db, config)

    return asyncio.run(once())


def test_the_mirror_shows_one_offer_and_a_purchase_redeems_it(
    pg_url: str, store_key: str, tmp_path: Path
) -> None:
    app = create_app(CentralSettings(db_url=pg_url, admin_token=ADMIN_TOKEN))
    with TestClient(app) as central, mirror_edge(tmp_path / "edge.db") as edge:
        top = edge.style(category="tops")
        sku = edge.sku_in_stock(top)
        central.post("/v1/offers", json=offer(title="Smaller", discount_pct=10), headers=ADMIN)
        best = central.post("/v1/offers", json=offer(), headers=ADMIN).json()
        members = central.post(
            "/v1/offers", json=offer(title="Members", discount_pct=40, members_only=True), headers=ADMIN
        )
        assert members.status_code == 201
        central.post(
            "/v1/offers", json=offer(title="Shoes", categories=["shoes"], discount_pct=50), headers=ADMIN
        )
        assert _pull(edge, central, store_key) is True
        assert _pull(edge, central, store_key) is False, "nothing new"

        mirror = edge.mirror("fr-1")
        assert edge.client.get("/api/mirror/fr-1", headers=mirror).json()["offer"] is None, "empty room"
        epc = edge.put_in_room("fr-1", sku, 501)
        view = edge.client.get("/api/mirror/fr-1", headers=mirror).json()
        # One banner: the largest discount that applies to a top, not the members' one (no member here).
        assert view["offer"]["id"] == best["id"] and view["offer"]["discount_pct"] == 20
        bought = edge.client.post("/api/mirror/fr-1/purchases", json={"epcs": [epc]}, headers=mirror)
        assert bought.status_code == 201, bought.text
        with Session(edge.service.db) as db:
            rows = {(e.kind, e.offer_id, e.gtin) for e in db.exec(select(OfferEvent)).all()}
            redeemed = [
                e.body for e in db.exec(select(OutboxEvent).where(OutboxEvent.type == "offer_redeemed"))
            ]
        assert rows == {("presented", best["id"], ""), ("redeemed", best["id"], sku.gtin)}
        assert redeemed == [
            {"offer_id": best["id"], "session_id": view["session"]["id"], "room_id": "fr-1", "gtin": sku.gtin}
        ]
    app.state.engine.dispose()


def test_a_members_phone_in_a_targeted_zone_gets_the_offer_within_consent_and_the_daily_cap(
    pg_url: str, store_key: str, tmp_path: Path
) -> None:
    with receiver([500]) as app_hook:
        settings = CentralSettings(
            db_url=pg_url,
            admin_token=ADMIN_TOKEN,
            app_webhook_url=f"{app_hook.url}/app",
            webhook_secret=SECRET,
            webhook_poll_s=0.1,
            webhook_retry_base_s=0.2,
        )
        app = create_app(settings)
        with TestClient(app) as central, mirror_edge(tmp_path / "edge.db") as edge:
            made = central.post("/v1/offers", json=offer(max_per_member_per_day=2), headers=ADMIN).json()
            assert _pull(edge, central, store_key)
            nearby = OffersNearby(
                db=edge.service.db,
                bus=edge.service.bus,
                layout=edge.service.layout,
                profiles=Profiles("phone-1", "m-1"),
            )

            def phone_1(room: str, *kinds: EventType) -> None:
                for kind in kinds:
                    nearby.on_presence(PRESENCE, PresenceEvent(time.time(), kind, room, device="phone-1"))

            # Carried past fr-2's door: placed there for a moment, never in it. Nothing.
            phone_1("fr-2", EventType.SHOPPER_ENTERED, EventType.SHOPPER_LEFT)
            # Into a fitting room and staying, three times: the cap is two a day.
            for _ in range(3):
                phone_1("fr-1", EventType.SHOPPER_ENTERED, EventType.SHOPPER_STAYED, EventType.SHOPPER_LEFT)
            floor = next(r.id for r in edge.service.layout.rooms if r.kind.value == "sales_floor")
            nearby.on_presence(
                PRESENCE, PresenceEvent(time.time(), EventType.SHOPPER_ENTERED, floor, device="phone-1")
            )
            nearby.on_presence(
                PRESENCE, PresenceEvent(time.time(), EventType.SHOPPER_ENTERED, "fr-2", device="stranger")
            )
            with Session(edge.service.db) as db:
                events = db.exec(select(OutboxEvent).where(OutboxEvent.type == "offer_presented")).all()
                wire = [
                    {
                        "event_id": e.event_id,
                        "type": e.type,
                        "store_id": e.store_id,
                        "created_at": e.created_at,
                        "member_id": e.member_id,
                        "payload": e.body,
                    }
                    for e in events
                ]
            assert len(wire) == 2 and {w["payload"]["room_id"] for w in wire} == {"fr-1"}
            auth = {"Authorization": f"Bearer {store_key}"}
            # No consent to offers yet: recorded nowhere, nothing sent.
            assert central.post(
                f"/v1/stores/{STORE}/events", json={"events": wire[:1]}, headers=auth
            ).is_success
            time.sleep(0.6)
            assert app_hook.posts() == []
            assert central.put(
                "/v1/admin/profiles/m-1/offer-consent", json={"consent": True}, headers=ADMIN
            ).is_success
            # Two more presentations today from other visits: the second of them is over the daily cap.
            more = [dict(wire[1], event_id="visit-3"), dict(wire[1], event_id="visit-4")]
            batch = {"events": [wire[1], *more]}
            assert central.post(f"/v1/stores/{STORE}/events", json=batch, headers=auth).is_success
            deadline = time.monotonic() + 15
            while len(app_hook.posts()) < 3:
                assert time.monotonic() < deadline, app_hook.posts()
                time.sleep(0.05)
            time.sleep(0.6)
            posts = app_hook.posts("/app")
            keys = Counter(p.headers["idempotency-key"] for p in posts)
            assert sorted(keys.values()) == [1, 2], (
                "one retried after the 500, one at once; none over the cap"
            )
            assert set(keys) == {wire[1]["event_id"], "visit-3"}
            retried = [p.body for p in posts if keys[p.headers["idempotency-key"]] == 2]
            assert retried[0] == retried[1]
            assert all(valid_signature(SECRET, p) for p in posts)
            sent = json.loads(posts[-1].body)
            assert sent["type"] == "offer_presented" and sent["member_id"] == "m-1"
            assert sent["offer"]["id"] == made["id"] and sent["room_id"] == "fr-1"
            # Erasure: the consent goes, the records stay only as counts.
            assert central.delete("/v1/profiles/m-1", headers=ADMIN).status_code == 204
            with Session(app.state.engine) as db:
                assert db.get(OfferConsent, "m-1") is None
                assert {r.member_id for r in db.exec(select(OfferRecord)).all()} == {None}
        app.state.engine.dispose()


def test_a_banner_is_recorded_once_when_views_of_the_room_race(tmp_path: Path) -> None:
    """Mirrors and consoles ask for a room's view at the same moment; each view records the banner as
    presented. The record is one row per session and offer, and no request fails on the race (it did:
    two check-then-insert requests met the unique constraint and the mirror got a 500)."""
    with mirror_edge(tmp_path / "edge.db") as edge:
        edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(category="tops")), 601)
        session_id = edge.ctx.manager.snapshot("fr-1").session_id
        assert session_id is not None
        threads, rounds = 6, 15
        barrier = threading.Barrier(threads)
        failures: list[BaseException] = []

        def present(offer_ids: list[str]) -> None:
            for offer_id in offer_ids:
                barrier.wait()
                try:
                    with Session(edge.service.db) as db:
                        record_presented(
                            session=db,
                            store_id=STORE,
                            room_id="fr-1",
                            session_id=session_id,
                            offer_id=offer_id,
                            now=time.time(),
                        )
                        db.commit()
                except BaseException as exc:  # collected and asserted below
                    failures.append(exc)

        offer_ids = [f"offer-{n}" for n in range(rounds)]
        workers = [threading.Thread(target=present, args=(offer_ids,)) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert failures == []
        with Session(edge.service.db) as db:
            rows = Counter(e.offer_id for e in db.exec(select(OfferEvent)).all())
        assert rows == Counter({offer_id: 1 for offer_id in offer_ids})
