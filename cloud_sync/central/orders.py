"""Ship-to-home orders from the mirrors (the endless aisle), as the central store receives them.

An edge's ``order`` event (new, in the ingest transaction): each item comes off online stock (a new stock
version, so every edge learns of it), and the order is queued for the chain's e-commerce system as a
signed webhook keyed by the order id (``cloud_sync.central.webhooks``). The member's profile records it
as a purchase in channel ``endless_aisle`` (``cloud_sync.central.profiles``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlmodel import Session, col, select

from cloud_sync.central.models import OnlineStock
from cloud_sync.central.sql import bump_versions
from cloud_sync.central.webhooks import enqueue_webhook
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
        "channel": CHANNEL,
        "store_id": ev.store_id,
        "member_id": member_id,
        "items": items,
        "total_cents": p.get("total_cents"),
        "currency": p.get("currency"),
        "created_at": p.get("created_at"),
        "placed_at": p.get("placed_at", ev.created_at),
        "confirmation_email": email if isinstance(email, str) and "@" in email else None,
        "payment": "taken_at_bag_desk",
    }


def _take_off_online_stock(session: Session, gtins: Counter[str]) -> None:
    rows = session.exec(select(OnlineStock).where(col(OnlineStock.gtin).in_(list(gtins)))).all()
    for row, version in zip(rows, bump_versions(session, len(rows)), strict=True):
        row.online = max(0, row.online - gtins[row.gtin])
        row.version = version
        session.add(row)


def accept_orders(session: Session, events: list[WireEvent], now: float) -> int:
    """Take the new ``order`` events' items off online stock and queue their webhooks; returns how many
    orders were queued (an order id already queued is not queued again)."""
    queued = 0
    for ev in events:
        if ev.type != "order":
            continue
        document = order_document(ev, ev.member_id)
        if document is None:
            continue
        if enqueue_webhook(session, target="order", key=document["id"], document=document, now=now):
            _take_off_online_stock(session, Counter(i["gtin"] for i in document["items"]))
            queued += 1
    return queued
