"""Ship-to-home orders cancelled (by the shopper before paying, by an associate at any stage) and paid on a
payment provider's hosted checkout: a real local HTTP server stands in for the provider, answering the
edge's signed checkout calls and signing the callbacks the edge must check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from cloud_sync.central.webhooks import sign
from edge.storage.outbox import OutboxEvent
from tests.mirror_support import MirrorEdge, mirror_edge
from tests.test_endless_aisle import online_only
from tests.webhook_receiver import Received, Receiver, receiver, valid_signature

SECRET = "test-payment-secret"
GUEST = {"email": "shopper@example.com", "consent": True}


def _events(edge: MirrorEdge, kind: str) -> list[dict[str, object]]:
    with Session(edge.service.db) as db:
        return [e.body for e in db.exec(select(OutboxEvent).where(OutboxEvent.type == kind)).all()]


def _ship_tasks(edge: MirrorEdge, headers: dict[str, str]) -> list[dict[str, object]]:
    tasks = edge.client.get("/api/associate/tasks", headers=headers).json()
    return [t for t in tasks if t["detail"].get("ship_to_home")]


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as running:
        yield running


def test_the_shopper_cancels_before_paying_and_an_associate_withdraws_a_placed_order(
    edge: MirrorEdge,
) -> None:
    sku = online_only(edge.service.catalog)
    mirror, url = edge.mirror("fr-1"), "/api/mirror/fr-1/orders"
    associate = edge.associate()

    # Before paying: the shopper cancels on the mirror; the bag desk's task goes with it; nothing is sent.
    first = edge.client.post(url, json={"gtin": sku.gtin, **GUEST}, headers=mirror).json()
    assert [t["detail"]["order_id"] for t in _ship_tasks(edge, associate)] == [first["id"]]
    assert edge.client.post(f"{url}/{first['id']}/cancel", headers=edge.mirror("fr-2")).status_code == 403
    cancelled = edge.client.post(f"{url}/{first['id']}/cancel", headers=mirror)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert _ship_tasks(edge, associate) == []
    again = edge.client.post(f"{url}/{first['id']}/cancel", headers=mirror)
    assert again.status_code == 200 and again.json()["status"] == "cancelled", "cancelling twice is harmless"
    assert edge.client.get(f"{url}/{first['id']}", headers=mirror).json()["status"] == "cancelled"
    assert edge.client.post(f"{url}/no-such-order/cancel", headers=mirror).status_code == 404
    assert not _events(edge, "order") and not _events(edge, "order_cancelled")

    # Paid and placed at the bag desk: the mirror can no longer cancel it, an associate can.
    second = edge.client.post(url, json={"gtin": sku.gtin, **GUEST}, headers=mirror).json()
    (task,) = _ship_tasks(edge, associate)
    assert edge.client.post(f"/api/associate/tasks/{task['id']}/complete", headers=associate).is_success
    refused = edge.client.post(f"{url}/{second['id']}/cancel", headers=mirror)
    assert refused.status_code == 409 and "associate" in refused.json()["detail"]
    edge.client.cookies.clear()  # the sign-in cookie: the bearer token alone from here
    assert edge.client.post(f"/api/associate/orders/{second['id']}/cancel").status_code == 401
    withdrawn = edge.client.post(f"/api/associate/orders/{second['id']}/cancel", headers=associate)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "cancelled"
    (cancel,) = _events(edge, "order_cancelled")
    assert cancel["order_id"] == second["id"] and cancel["by"] == "associate"
    assert edge.client.get(f"{url}/{second['id']}", headers=mirror).json()["status"] == "cancelled"
    assert edge.client.post(f"/api/associate/orders/{second['id']}/cancel", headers=associate).is_success
    assert len(_events(edge, "order_cancelled")) == 1, "one cancellation however often it is asked for"


def _checkout(got: Received) -> dict[str, object]:
    body = json.loads(got.body)
    return {"id": f"co_{body['reference'][:12]}", "url": f"https://pay.example/c/{body['reference']}"}


@pytest.fixture
def provider() -> Iterator[Receiver]:
    with receiver(answer=_checkout) as running:
        yield running


def _callback(
    edge: MirrorEdge, body: dict[str, object], secret: str | None = SECRET
) -> tuple[int, dict[str, Any]]:
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Fitroom-Signature"] = sign(secret, raw)
    response = edge.client.post("/api/payments/callback", content=raw, headers=headers)
    return response.status_code, response.json()


def test_a_hosted_checkout_places_the_order_once_and_falls_back_to_the_bag_desk(
    tmp_path: Path, provider: Receiver
) -> None:
    settings = {"payment_url": provider.url, "payment_secret": SECRET}
    with mirror_edge(tmp_path / "edge.db", **settings) as edge:
        sku = online_only(edge.service.catalog)
        mirror, url = edge.mirror("fr-1"), "/api/mirror/fr-1/orders"
        associate = edge.associate()

        made = edge.client.post(url, json={"gtin": sku.gtin, **GUEST}, headers=mirror)
        assert made.status_code == 201, made.text
        order = made.json()
        assert order["status"] == "awaiting_payment"
        assert order["payment_url"] == f"https://pay.example/c/{order['id']}"
        # The edge's call: signed with the shared secret, keyed by the order, the amount from the catalog.
        (call,) = provider.posts("/checkouts")
        assert valid_signature(SECRET, call) and call.headers["idempotency-key"] == order["id"]
        asked = json.loads(call.body)
        assert asked["reference"] == order["id"] and asked["amount_cents"] == order["total_cents"]
        assert asked["collect"] == ["shipping_address"] and "shopper@example.com" not in call.body.decode()
        assert _ship_tasks(edge, associate) == [], "the provider takes payment and address, not the bag desk"
        qr = edge.client.get(f"{url}/{order['id']}/payment.svg", headers=mirror)
        assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in qr.content

        # The callback is believed only when signed with the shared secret, and only when well formed.
        paid = {"reference": order["id"], "status": "paid", "payment_reference": "pay_123"}
        assert _callback(edge, paid, secret=None)[0] == 401
        assert _callback(edge, paid, secret="not-the-secret")[0] == 401
        assert _callback(edge, {"reference": order["id"], "status": "maybe"})[0] == 422
        assert _callback(edge, {**paid, "reference": "unknown-order"})[0] == 404
        assert not _events(edge, "order")
        status, answer = _callback(edge, paid)
        assert (status, answer["status"], answer["payment_url"]) == (200, "queued", None)
        assert _callback(edge, paid) == (200, answer), "a repeated callback changes nothing"
        (event,) = _events(edge, "order")
        assert event["order_id"] == order["id"]
        assert event["payment"] == {"method": "hosted_checkout", "reference": "pay_123"}
        assert edge.client.get(f"{url}/{order['id']}/payment.svg", headers=mirror).status_code == 404

        # An expired checkout sends the order to the bag desk.
        expired = edge.client.post(url, json={"gtin": sku.gtin, **GUEST}, headers=mirror).json()
        status, answer = _callback(edge, {"reference": expired["id"], "status": "expired"})
        assert (status, answer["status"]) == (200, "at_bag_desk")
        assert [t["detail"]["order_id"] for t in _ship_tasks(edge, associate)] == [expired["id"]]

        # Cancelled, then paid anyway: nothing is placed and the answer says so (the provider refunds).
        late = edge.client.post(url, json={"gtin": sku.gtin, **GUEST}, headers=mirror).json()
        assert edge.client.post(f"{url}/{late['id']}/cancel", headers=mirror).json()["status"] == "cancelled"
        status, answer = _callback(edge, {"reference": late["id"], "status": "paid"})
        assert (status, answer["status"]) == (200, "cancelled")
        assert len(_events(edge, "order")) == 1

        # A provider that cannot open a checkout: the bag desk takes the order at once.
        provider.statuses.append(503)
        fallback = edge.client.post(url, json={"gtin": sku.gtin, **GUEST}, headers=mirror).json()
        assert fallback["status"] == "at_bag_desk" and fallback["payment_url"] is None
        assert fallback["id"] in {t["detail"]["order_id"] for t in _ship_tasks(edge, associate)}


def test_without_a_provider_the_callback_is_not_there(edge: MirrorEdge) -> None:
    status, answer = _callback(edge, {"reference": "x", "status": "paid"})
    assert status == 404 and "no payment provider" in answer["detail"]
