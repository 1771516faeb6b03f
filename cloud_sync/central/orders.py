"""Ship-to-home orders from the mirrors (the endless aisle), as the central store receives them.

An edge's ``order`` event (new, in the ingest transaction): each item comes off online stock (a new stock
version, so every edge learns of it), and the order is queued for the chain's e-commerce system as a
signed webhook keyed by the order id (``cloud_sync.central.webhooks``). The member's profile records it
as a purchase in channel ``endless_aisle`` (``cloud_sync.central.profiles``).

An ``order_cancelled`` event for an order received before: its items go back on online stock, and the
e-commerce system receives ``{"id", "status": "cancelled", ...}`` on the same webhook, keyed
``<order id>:cancel`` and sent only after the order itself. A cancellation of an order never received, or
received twice, changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlmodel import Session, col, select

from cloud_sync.central.models import OnlineStock
from cloud_sync.central.sql import bump_versions
from cloud_sync.central.webhooks import CANCEL_SUFFIX, WebhookDelivery, enqueue_webhook
from cloud_sync.wire import WireEvent

__all__ = ["CHANNEL", "accept_orders", "order_document"]

CHANNEL = "endless_aisle"
_ITEM_KEYS = ("gtin", "style_id", "name", "size", "colour", "price_cents")


def order_document(ev: WireEvent, member_id: str | None) -> dict[str, Any] | None:
    """The order as the e-commerce system receives it; None for a payload without an order id or items."""
    p = ev.payload
    order_id = p.get("order_id")
    items = [
        {k: i.get(k) for k in _ITEM_KEYS}
        for i in p.get("items") or ()
        if isinstance(i, dict) and isinstance(i.get("gtin"), str)
    ]
    if not isinstance(order_id, str) or not order_id or len(order_id) > 64 or not items:
        return None
    email = p.get("confirmation_email")
    return {
        "id": order_id,
        "status": "placed",
        "channel": CHANNEL,
        "store_id": ev.store_id,
        "member_id": member_id,
        "items": items,
        "total_cents": p.get("total_cents"),
        "currency": p.get("currency"),
        "created_at": p.get("created_at"),
        "placed_at": p.get("placed_at", ev.created_at),
        "confirmation_email": email if isinstance(email, str) and "@" in email else None,
        **_payment(p.get("payment")),
    }


def _payment(given: object) -> dict[str, str | None]:
    """How it was paid: ``taken_at_bag_desk`` (the store has the address), or a provider's method with
    the reference the e-commerce system looks the payment and delivery address up by."""
    method = given.get("method") if isinstance(given, dict) else None
    reference = given.get("reference") if isinstance(given, dict) else None
    return {
        "payment": method[:32] if isinstance(method, str) and method else "taken_at_bag_desk",
        "payment_reference": reference[:128] if isinstance(reference, str) else None,
    }


def _change_online_stock(session: Session, gtins: Counter[str], sign: int) -> None:
    """Take ``gtins`` off online stock (``sign`` -1) or put them back (+1), as a new stock version."""
    rows = session.exec(select(OnlineStock).where(col(OnlineStock.gtin).in_(list(gtins)))).all()
    for row, version in zip(rows, bump_versions(session, len(rows)), strict=True):
        row.online = max(0, row.online + sign * gtins[row.gtin])
        row.version = version
        session.add(row)


def _cancel(session: Session, ev: WireEvent, now: float) -> bool:
    order_id = ev.payload.get("order_id")
    if not isinstance(order_id, str) or not order_id or len(order_id) > 64:
        return False
    # The order may have come in the same batch, still unflushed.
    fresh = (
        d for d in session.new if isinstance(d, WebhookDelivery) and (d.target, d.key) == ("order", order_id)
    )
    placed = next(fresh, None) or session.get(WebhookDelivery, ("order", order_id))
    if placed is None:
        return False  # never received here: nothing to withdraw
    order = json.loads(placed.body)
    cancelled_at = ev.payload.get("cancelled_at")
    document = {
        "id": order_id,
        "status": "cancelled",
        "channel": CHANNEL,
        "store_id": ev.store_id,
        "member_id": order.get("member_id"),
        "items": order.get("items") or [],
        "cancelled_at": cancelled_at if isinstance(cancelled_at, int | float) else ev.created_at,
        "payment": order.get("payment"),
        "payment_reference": order.get("payment_reference"),
    }
    if not enqueue_webhook(session, target="order", key=order_id + CANCEL_SUFFIX, document=document, now=now):
        return False
    _change_online_stock(session, Counter(i["gtin"] for i in document["items"] if isinstance(i, dict)), +1)
    return True


def accept_orders(session: Session, events: list[WireEvent], now: float) -> int:
    """Take the new ``order`` events' items off online stock and queue their webhooks, and withdraw the
    cancelled ones (``order_cancelled``); returns how many webhooks were queued (an order id, or its
    cancellation, already queued is not queued again)."""
    queued = 0
    for ev in events:
        if ev.type == "order_cancelled":
            queued += _cancel(session, ev, now)
            continue
        if ev.type != "order":
            continue
        document = order_document(ev, ev.member_id)
        if document is None:
            continue
        if enqueue_webhook(session, target="order", key=document["id"], document=document, now=now):
            _change_online_stock(session, Counter(i["gtin"] for i in document["items"]), -1)
            queued += 1
    return queued
