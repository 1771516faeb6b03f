"""Endless aisle from the mirror: "Ship it to me" for a variant sold out in this store but in stock online.

The order waits at the bag desk (payment and address are taken there); the console's "done" places it
(``edge.storage.orders.place_ship_order``) and the outbox carries it to the central store.

Blocking (database work): call from a worker thread, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from edge.catalog.model import Catalog
from edge.errors import Invalid, NotFound
from edge.fitting_rooms.manager import SessionManager
from edge.storage.fitting_rooms import describe_gtin
from edge.storage.models import ItemDescription
from edge.storage.orders import OrderStatus, ShipOrder, create_ship_order, order_status

__all__ = ["ShipToHome", "order_to_ship", "ship_order_of"]


@dataclass(frozen=True, slots=True)
class ShipToHome:
    order_id: str
    status: OrderStatus
    items: list[ItemDescription]
    total_cents: int
    currency: str
    created_at: float


def order_to_ship(
    *,
    manager: SessionManager,
    catalog: Catalog,
    store_id: str,
    room_id: str,
    gtin: str,
    email: str | None,
    consent: bool,
    now: float,
) -> ShipToHome:
    """Order ``gtin`` to be shipped home. Invalid for a GTIN the catalog does not know, one this store has,
    one sold out online too, or (for a shopper who is not a known member) no email with consent."""
    found = catalog.by_gtin.get(gtin)
    if found is None:
        raise Invalid(f"GTIN {gtin} is not in the catalog")
    stock = catalog.stock_of(gtin)
    if stock.in_store > 0:
        raise Invalid("that size and colour is in this store: ask for it to be brought to the room")
    if stock.online <= 0:
        raise Invalid("that size and colour is sold out online too")
    item = describe_gtin(catalog, gtin)
    with manager.room_action(room_id, now) as action:
        member = action.member_id
        if member is None and not (email and consent):
            raise Invalid("an email address with consent is needed for the order's confirmation")
        order, _task = create_ship_order(
            session=action.db,
            store_id=store_id,
            room_id=room_id,
            session_id=action.session.id,
            item=item,
            currency=found[0].currency,
            email=None if member is not None else email,
            member_id=member,
            now=now,
        )
        action.tasks_changed = True
        made = _public(order, order.status)
    return made


def ship_order_of(*, db: Session, room_id: str, order_id: str) -> ShipToHome:
    """One of the room's orders with its status now (NotFound for another room's or an unknown one)."""
    order = db.get(ShipOrder, order_id)
    if order is None or order.room_id != room_id:
        raise NotFound(f"no order {order_id} in this room")
    return _public(order, order_status(session=db, order=order))


def _public(order: ShipOrder, status: OrderStatus) -> ShipToHome:
    return ShipToHome(
        order_id=order.id,
        status=status,
        items=order.lines,
        total_cents=order.total_cents,
        currency=order.currency,
        created_at=order.created_at,
    )
