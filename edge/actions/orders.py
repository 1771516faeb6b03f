"""Endless aisle from the mirror: "Ship it to me" for a variant sold out in this store but in stock online.

The order waits at the bag desk (payment and address are taken there; the console's "done" places it,
``edge.storage.orders.place_ship_order``), or, with a payment provider, on its hosted checkout (the
provider's signed callback places it; a failed or expired checkout, or a provider that cannot open one,
sends it to the bag desk). The outbox carries a placed order to the central store. The shopper may cancel
an order from the mirror until it is placed; an associate may cancel it at any time.

Blocking (database work, the provider's HTTP call): call from a worker thread, never on the event loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from edge.catalog.model import Catalog
from edge.errors import Conflict, Invalid, NotFound
from edge.fitting_rooms.manager import SessionManager
from edge.payments import CheckoutProvider, CheckoutUnavailable
from edge.storage.fitting_rooms import describe_gtin
from edge.storage.models import ItemDescription
from edge.storage.orders import (
    OrderStatus,
    ShipOrder,
    add_bag_desk_task,
    cancel_ship_order,
    create_ship_order,
    order_status,
    place_order,
)
from edge.topics import ROOM_CHANGED, TASKS_CHANGED

__all__ = [
    "CheckoutOutcome",
    "ShipToHome",
    "cancel_by_associate",
    "cancel_from_mirror",
    "checkout_finished",
    "order_to_ship",
    "ship_order_of",
    "start_checkout",
]

log = logging.getLogger(__name__)

CheckoutOutcome = Literal["paid", "failed", "expired"]


@dataclass(frozen=True, slots=True)
class ShipToHome:
    order_id: str
    status: OrderStatus
    items: list[ItemDescription]
    total_cents: int
    currency: str
    created_at: float
    payment_url: str | None = None


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
    at_bag_desk: bool = True,
) -> ShipToHome:
    """Order ``gtin`` to be shipped home: at the bag desk, or (``at_bag_desk`` False) awaiting the
    provider's checkout, which ``start_checkout`` opens next. Invalid for a GTIN the catalog does not
    know, one this store has, one sold out online too, or (for a shopper who is not a known member) no
    email with consent."""
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
        order = create_ship_order(
            session=action.db,
            store_id=store_id,
            room_id=room_id,
            session_id=action.session.id,
            item=item,
            currency=found[0].currency,
            email=None if member is not None else email,
            member_id=member,
            now=now,
            at_bag_desk=at_bag_desk,
        )
        action.tasks_changed = at_bag_desk
        made = _public(order, order.status)
    return made


def start_checkout(
    *, db: Session, manager: SessionManager, checkout: CheckoutProvider, order_id: str, now: float
) -> ShipToHome:
    """Open the provider's checkout for an order awaiting payment (outside any room lock: an HTTP call);
    when the provider cannot, the order goes to the bag desk."""
    order = _order(db, order_id)
    lines = order.lines
    description = ", ".join(
        " · ".join(str(v) for v in (i["name"], i["size"], i["colour"]) if v) for i in lines
    )
    try:
        opened = checkout.start(
            reference=order.id,
            amount_cents=order.total_cents,
            currency=order.currency,
            description=description[:200],
        )
    except CheckoutUnavailable:
        opened = None
    db.refresh(order)  # the callback may have come already
    if order.status == OrderStatus.AWAITING_PAYMENT:
        if opened is None:
            add_bag_desk_task(session=db, order=order, now=now)
        else:
            order.checkout_id, order.payment_url = opened.id, opened.url
            db.add(order)
        db.commit()
        _changed(manager, order.room_id, tasks=opened is None)
    return _public(order, order_status(session=db, order=order))


def checkout_finished(
    *,
    db: Session,
    manager: SessionManager,
    checkout: CheckoutProvider,
    order_id: str,
    outcome: CheckoutOutcome,
    reference: str | None,
    now: float,
) -> ShipToHome:
    """The provider's callback (already verified): ``paid`` places the order (once, however often it is
    repeated); ``failed`` or ``expired`` sends it to the bag desk. NotFound for an unknown order. A payment
    for an order cancelled meanwhile places nothing: the answer's status says ``cancelled`` (refund it)."""
    order = _order(db, order_id)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        if outcome == "paid":
            place_order(session=db, order=order, now=now, method=checkout.method, reference=reference)
        else:
            add_bag_desk_task(session=db, order=order, now=now)
        db.commit()
        _changed(manager, order.room_id, tasks=outcome != "paid")
    elif outcome == "paid" and order.status == OrderStatus.CANCELLED:
        log.warning("order %s was paid after it was cancelled: the provider must refund it", order.id)
    return _public(order, order_status(session=db, order=order))


def cancel_from_mirror(
    *, db: Session, manager: SessionManager, room_id: str, order_id: str, now: float
) -> ShipToHome:
    """The shopper cancels one of the room's orders before it is placed (Conflict once it is: paid, an
    associate cancels it)."""
    order = _order(db, order_id, room_id)
    if order.placed:
        raise Conflict("this order is paid and placed: an associate can cancel it at the bag desk")
    return _cancel(db, manager, order, now, by="shopper")


def cancel_by_associate(*, db: Session, manager: SessionManager, order_id: str, now: float) -> ShipToHome:
    """An associate cancels an order at any stage; a placed one is withdrawn at the central store too."""
    return _cancel(db, manager, _order(db, order_id), now, by="associate")


def _cancel(db: Session, manager: SessionManager, order: ShipOrder, now: float, by: str) -> ShipToHome:
    if cancel_ship_order(session=db, order=order, now=now, by=by):
        db.commit()
        _changed(manager, order.room_id, tasks=True)
    return _public(order, order_status(session=db, order=order))


def _changed(manager: SessionManager, room_id: str, *, tasks: bool) -> None:
    manager.notify(ROOM_CHANGED, room_id)
    if tasks:
        manager.notify(TASKS_CHANGED, None)


def _order(db: Session, order_id: str, room_id: str | None = None) -> ShipOrder:
    order = db.get(ShipOrder, order_id)
    if order is None or (room_id is not None and order.room_id != room_id):
        raise NotFound(f"no order {order_id}" + (" in this room" if room_id is not None else ""))
    return order


def ship_order_of(*, db: Session, room_id: str, order_id: str) -> ShipToHome:
    """One of the room's orders with its status now (NotFound for another room's or an unknown one)."""
    order = _order(db, order_id, room_id)
    return _public(order, order_status(session=db, order=order))


def _public(order: ShipOrder, status: OrderStatus) -> ShipToHome:
    return ShipToHome(
        order_id=order.id,
        status=status,
        items=order.lines,
        total_cents=order.total_cents,
        currency=order.currency,
        created_at=order.created_at,
        payment_url=order.payment_url if status == OrderStatus.AWAITING_PAYMENT else None,
    )
