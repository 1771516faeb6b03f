"""Endless aisle: "Ship it to me" on the mirror, the bag desk that places the order, the outbox event, and
the central store that records it, takes it off online stock and hands it to the e-commerce system as a
signed webhook delivered exactly once per order id (a real PostgreSQL, a real local HTTP receiver)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlmodel import Session, select

from catalog.model import Catalog, Sku
from edge.storage.orders import ShipOrder
from edge.storage.outbox import OutboxEvent
from guests import guest_member_id
from tests.central_support import CentralServer, add_store, fresh_pg_database, pg_available
from tests.conftest import require
from tests.mirror_support import MirrorEdge, mirror_edge
from tests.webhook_receiver import Receiver, receiver, valid_signature

SECRET = "test-webhook-secret"


def online_only(catalog: Catalog, skip: int = 0) -> Sku:
    """A variant sold out in this store and in stock online (the demo catalog has some)."""
    found = [
        sku
        for style in catalog.styles
        for sku in style.skus
        if catalog.stock_of(sku.gtin).in_store == 0 and catalog.stock_of(sku.gtin).online > 0
    ]
    assert len(found) > skip, "the demo catalog has no variant sold out here but in stock online"
    return found[skip]


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as running:
        yield running


def test_ship_to_home_waits_at_the_bag_desk_then_goes_to_the_outbox(edge: MirrorEdge) -> None:
    catalog = edge.service.catalog
    sku = online_only(catalog)
    here = edge.sku_in_stock(edge.style())
    mirror = edge.mirror("fr-1")
    url = "/api/mirror/fr-1/orders"

    # Refused with a message, nothing written: no email for a shopper who is not a member, no consent,
    # a size this store has, an unknown GTIN, another room's token.
    for body, needle in [
        ({"gtin": sku.gtin}, "email address with consent"),
        ({"gtin": sku.gtin, "email": "a@example.com"}, "consent"),
        ({"gtin": sku.gtin, "email": "a@example.com", "consent": False}, "consent"),
        ({"gtin": sku.gtin, "email": "nope", "consent": True}, "email"),
        ({"gtin": here.gtin, "email": "a@example.com", "consent": True}, "in this store"),
        ({"gtin": "00000000000000", "email": "a@example.com", "consent": True}, "not in the catalog"),
    ]:
        response = edge.client.post(url, json=body, headers=mirror)
        assert response.status_code == 422, (body, response.text)
        assert needle in response.text
    assert edge.client.post(url, json={"gtin": sku.gtin}, headers=edge.mirror("fr-2")).status_code == 403

    response = edge.client.post(
        url, json={"gtin": sku.gtin, "email": "shopper@example.com", "consent": True}, headers=mirror
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert set(order) >= {"id", "status", "items", "total_cents", "currency"}
    assert order["status"] == "at_bag_desk"
    assert [i["gtin"] for i in order["items"]] == [sku.gtin]
    assert order["total_cents"] == catalog.by_gtin[sku.gtin][0].price_cents
    assert not _order_events(edge), "nothing goes to the central store before the bag desk"

    # The bag desk sees a ship-to-home order to complete; no email on the console.
    associate = edge.associate()
    tasks = edge.client.get("/api/associate/tasks", headers=associate).json()
    (task,) = [t for t in tasks if t["detail"].get("ship_to_home")]
    assert task["kind"] == "bag" and task["detail"]["order_id"] == order["id"]
    assert "shopper@example.com" not in json.dumps(tasks)
    done = edge.client.post(f"/api/associate/tasks/{task['id']}/complete", headers=associate)
    assert done.status_code == 200, done.text

    # Placed: queued in the outbox (no central store here), and the mirror says so.
    status = edge.client.get(f"{url}/{order['id']}", headers=mirror).json()
    assert status["status"] == "queued"
    (event,) = _order_events(edge)
    assert event["order_id"] == order["id"] and event["channel"] == "endless_aisle"
    assert event["confirmation_email"] == "shopper@example.com"
    assert [i["gtin"] for i in event["items"]] == [sku.gtin]
    assert edge.client.get(f"{url}/{order['id']}", headers=edge.mirror("fr-2")).status_code == 403

    # Erasure by email (the guest's pseudonym): the order stays, without the address.
    assert edge.ctx.manager.forget_member(guest_member_id("shopper@example.com")) >= 1
    with Session(edge.service.db) as db:
        kept = db.get(ShipOrder, order["id"])
        assert kept is not None and kept.email is None and kept.placed
    assert (
        edge.client.get(f"/api/mirror/fr-2/orders/{order['id']}", headers=edge.mirror("fr-2")).status_code
        == 404
    )


def test_an_order_cancelled_after_its_session_ended_revises_what_the_session_shipped(
    edge: MirrorEdge,
) -> None:
    """The session's ``session_ended`` event leaves out an order cancelled while it was open; one cancelled
    after it ended is corrected by a ``session_revised`` event (the central figures keep the latest)."""
    catalog = edge.service.catalog
    first, second = online_only(catalog), online_only(catalog, skip=1)
    epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style()), 1)
    url, mirror, associate = "/api/mirror/fr-1/orders", edge.mirror("fr-1"), edge.associate()
    body = {"email": "shopper@example.com", "consent": True}
    kept, dropped = (
        edge.client.post(url, json={"gtin": sku.gtin, **body}, headers=mirror).json()
        for sku in (first, second)
    )
    assert edge.client.post(f"{url}/{dropped['id']}/cancel", headers=mirror).status_code == 200
    assert not _order_events(edge, "session_revised"), "the session is open: its end will leave it out"

    edge.take_out("fr-1", epc)
    edge.ctx.manager.tick(time.time() + 1801)
    (ended,) = _order_events(edge, "session_ended")
    assert ended["shipped_gtins"] == [first.gtin]

    cancel = f"/api/associate/orders/{kept['id']}/cancel"
    assert edge.client.post(cancel, headers=associate).status_code == 200
    assert edge.client.post(cancel, headers=associate).status_code == 200  # again: nothing more to revise
    (revised,) = _order_events(edge, "session_revised")
    assert revised == {"session_id": ended["session_id"], "shipped_gtins": []}


def _order_events(edge: MirrorEdge, kind: str = "order") -> list[dict[str, object]]:
    with Session(edge.service.db) as db:
        return [e.body for e in db.exec(select(OutboxEvent).where(OutboxEvent.type == kind)).all()]


def _order_event(
    order_id: str, gtin: str, member: str | None, event_id: str | None = None
) -> dict[str, object]:
    now = time.time()
    return {
        "event_id": event_id or uuid.uuid4().hex,
        "type": "order",
        "store_id": "store-aisle",
        "created_at": now,
        "member_id": member,
        "payload": {
            "order_id": order_id,
            "channel": "endless_aisle",
            "items": [
                {"gtin": gtin, "name": "Linen shirt", "size": "L", "colour": "Sand", "price_cents": 4500}
            ],
            "total_cents": 4500,
            "currency": "EUR",
            "created_at": now,
            "placed_at": now,
            "confirmation_email": None,
        },
    }


def _central_shop(db_url: str, tmp_path: Path, shop: Receiver, *, online: dict[str, int]) -> CentralServer:
    """A started central store whose e-commerce webhook is ``shop``, polled and retried quickly, with
    ``online`` units of each GTIN in stock online."""
    central = CentralServer(
        db_url,
        tmp_path,
        FITROOM_CENTRAL_ORDER_WEBHOOK_URL=f"{shop.url}/orders",
        FITROOM_CENTRAL_WEBHOOK_SECRET=SECRET,
        FITROOM_CENTRAL_WEBHOOK_POLL_S="0.2",
        FITROOM_CENTRAL_WEBHOOK_RETRY_BASE_S="0.4",
        FITROOM_CENTRAL_ENVIRONMENT="development",
    )
    central.start()
    stock = [{"gtin": gtin, "online": units} for gtin, units in online.items()]
    if not central.admin("PUT", "/v1/admin/catalog", json={"online": stock}).is_success:
        central.stop()
        raise AssertionError("the central store refused the online stock")
    return central


def test_the_central_store_records_the_order_and_delivers_its_signed_webhook_once(tmp_path: Path) -> None:
    require(pg_available(), "PostgreSQL for the central store (FITROOM_TEST_PG)")
    gtin, member = "04012345000023", "member-aisle-1"
    with fresh_pg_database() as db_url, receiver([500, 503]) as shop:
        key = add_store(db_url, "store-aisle")
        central = _central_shop(db_url, tmp_path, shop, online={gtin: 5})
        try:
            events = f"{central.url}/v1/stores/store-aisle/events"
            auth = {"Authorization": f"Bearer {key}"}
            first = _order_event("order-1", gtin, member)
            # The same event twice: an edge retrying after a lost acknowledgement.
            for batch in ([first], [first]):
                assert httpx.post(events, json={"events": batch}, headers=auth, timeout=10).is_success

            deadline = time.monotonic() + 30
            while (
                not any(r for r in shop.posts() if r.headers.get("idempotency-key") == "order-1")
                or len(shop.posts()) < 3
            ):
                assert time.monotonic() < deadline, f"webhook not delivered: {shop.posts()}"
                time.sleep(0.1)
            time.sleep(1.5)  # a delivery after the 2xx would show up here
            posts = shop.posts("/orders")
            assert len(posts) == 3, "500, 503, then 200; never again after the 2xx"
            assert {p.headers["idempotency-key"] for p in posts} == {"order-1"}
            assert len({p.body for p in posts}) == 1, "a retry carries the same body"
            assert all(valid_signature(SECRET, p) for p in posts)
            assert not valid_signature("another-secret", posts[0])
            order = json.loads(posts[0].body)
            assert order["id"] == "order-1" and order["channel"] == "endless_aisle"
            assert order["member_id"] == member and [i["gtin"] for i in order["items"]] == [gtin]

            profile = central.admin("GET", f"/v1/admin/profiles/{member}").json()
            assert [(p["gtin"], p["channel"]) for p in profile["purchases"]] == [(gtin, "endless_aisle")]
            with psycopg.connect(db_url) as conn:
                row = conn.execute("SELECT online FROM online_stock WHERE gtin = %s", (gtin,)).fetchone()
            assert row == (4,), "one unit off online stock, once"

            # A guest's order with a confirmation address, delivered; then both shoppers are erased.
            guest = _order_event("order-2", gtin, None)
            guest["payload"]["confirmation_email"] = "Guest.Shopper@example.com"  # type: ignore[index]
            assert httpx.post(events, json={"events": [guest]}, headers=auth, timeout=10).is_success
            while len(shop.posts("/orders")) < 4:
                assert time.monotonic() < deadline + 30, f"guest order not delivered: {shop.posts()}"
                time.sleep(0.1)
            time.sleep(0.5)  # the delivery is marked after the receiver answers
            for who in ({"member_id": member}, {"email": "guest.shopper@example.com"}):
                assert central.admin("POST", "/v1/erasures", json=who).status_code == 202
            with psycopg.connect(db_url) as conn:
                traces = "lower({}) LIKE '%%guest.shopper@%%' OR {} LIKE %s"
                left = conn.execute(
                    f"SELECT (SELECT count(*) FROM webhook_delivery WHERE {traces.format('body', 'body')}),"
                    f" (SELECT count(*) FROM event WHERE {traces.format('payload::text', 'payload::text')}),"
                    " (SELECT count(*) FROM webhook_delivery)",
                    (f"%{member}%", f"%{member}%"),
                ).fetchone()
            assert left == (0, 0, 2), "no trace of either shopper; the two deliveries stay recorded as sent"
        finally:
            central.stop()


def _cancel_event(order_id: str, member: str | None) -> dict[str, object]:
    return {
        "event_id": f"{order_id}-cancel",
        "type": "order_cancelled",
        "store_id": "store-aisle",
        "created_at": time.time(),
        "member_id": member,
        "payload": {"order_id": order_id, "cancelled_at": time.time(), "by": "associate"},
    }


def test_a_cancelled_order_goes_back_on_online_stock_and_reaches_the_shop_after_the_order(
    tmp_path: Path,
) -> None:
    require(pg_available(), "PostgreSQL for the central store (FITROOM_TEST_PG)")
    gtin, member = "04012345000030", "member-aisle-2"
    with fresh_pg_database() as db_url, receiver([500, 500, 503]) as shop:
        key = add_store(db_url, "store-aisle")
        central = _central_shop(db_url, tmp_path, shop, online={gtin: 5})
        try:
            events = f"{central.url}/v1/stores/store-aisle/events"
            auth = {"Authorization": f"Bearer {key}"}
            # Order and cancellation in one batch; another order, cancelled in a later batch (twice); a
            # cancellation of an order this central store never received.
            batches = [
                # (an edge's order event has the order's id: edge/storage/orders.py)
                [_order_event("order-a", gtin, member, "order-a"), _cancel_event("order-a", member)],
                [_order_event("order-b", gtin, member, "order-b")],
                [_cancel_event("order-b", member)],
                [_cancel_event("order-b", member)],
                [_cancel_event("order-unknown", member)],
            ]
            for batch in batches:
                assert httpx.post(events, json={"events": batch}, headers=auth, timeout=10).is_success

            wanted = {"order-a", "order-a:cancel", "order-b", "order-b:cancel"}
            deadline = time.monotonic() + 40
            while {p.headers["idempotency-key"] for p in shop.posts()} != wanted:
                assert time.monotonic() < deadline, f"not all delivered: {[p.headers for p in shop.posts()]}"
                time.sleep(0.1)
            time.sleep(1.5)  # a late or repeated delivery would show up here
            posts = shop.posts("/orders")
            keys = [p.headers["idempotency-key"] for p in posts]
            for order_id in ("order-a", "order-b"):
                last_order = max(i for i, k in enumerate(keys) if k == order_id)
                assert keys.index(f"{order_id}:cancel") > last_order, f"cancellation before its order: {keys}"
                assert keys.count(f"{order_id}:cancel") == 1
            assert all(valid_signature(SECRET, p) for p in posts)
            cancelled = json.loads(
                next(p.body for p in posts if p.headers["idempotency-key"] == "order-b:cancel")
            )
            assert cancelled["id"] == "order-b" and cancelled["status"] == "cancelled"
            assert [i["gtin"] for i in cancelled["items"]] == [gtin]
            placed = json.loads(next(p.body for p in posts if p.headers["idempotency-key"] == "order-b"))
            assert placed["status"] == "placed" and placed["payment"] == "taken_at_bag_desk"

            with psycopg.connect(db_url) as conn:
                row = conn.execute("SELECT online FROM online_stock WHERE gtin = %s", (gtin,)).fetchone()
            assert row == (5,), "both units back on online stock"
            profile = central.admin("GET", f"/v1/admin/profiles/{member}").json()
            assert profile["purchases"] == [], "a cancelled order is no purchase"
        finally:
            central.stop()
