"""Ship-to-home orders ("endless aisle"): a variant sold out in this store but in stock online, ordered
from the mirror. Payment and the delivery address are taken either at the bag desk (a bag task marked
``ship_to_home``; completing it places the order) or, with a payment provider configured, on the
provider's hosted checkout (its signed callback places the order; a failed or expired checkout falls back
to the bag desk). A placed order's ``order`` outbox row carries it to the central store, which takes it off
online stock and hands it to the chain's e-commerce system. A cancelled order that was placed sends an
``order_cancelled`` row the same way (the central store puts the stock back and tells the e-commerce
system); one cancelled before it was placed is never sent as an order. Cancelled after its fitting-room
session ended, placed or not, it also sends ``session_revised`` (what the session has on order now): the
session's ``session_ended`` row had counted it for head office's figures.

Keyword-only functions over a SQLModel ``Session``; none commits.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel, col, select

from edge.storage.models import (
    ITEM_LIST,
    TASK_DETAIL,
    FittingRoomSession,
    ItemDescription,
    Task,
    TaskKind,
    TaskStatus,
)
from edge.storage.outbox import OutboxEvent, add_outbox_event
from edge.storage.types import EnumText
from guests import GUEST_PREFIX, guest_member_id

__all__ = [
    "OrderStatus",
    "ShipOrder",
    "add_bag_desk_task",
    "cancel_ship_order",
    "create_ship_order",
    "forget_orders",
    "order_status",
    "place_order",
    "place_ship_order",
    "shipped_gtins",
]

CHANNEL = "endless_aisle"


class OrderStatus(StrEnum):
    AT_BAG_DESK = "at_bag_desk"  # waiting for payment and address at the bag desk
    AWAITING_PAYMENT = "awaiting_payment"  # on the payment provider's hosted checkout
    QUEUED = "queued"  # placed; waiting in the outbox for the central store
    SENT = "sent"  # the central store has it
    CANCELLED = "cancelled"


class ShipOrder(SQLModel, table=True):
    """An order to ship to the shopper's home. ``email`` only for a shopper who is not a known member, with
    consent, for the order's confirmation; never logged."""

    __tablename__ = "ship_order"

    id: str = Field(primary_key=True, max_length=32)
    store_id: str = Field(max_length=64)
    room_id: str = Field(index=True, max_length=64)
    session_id: str = Field(foreign_key="fitting_room_session.id", index=True, max_length=32)
    items: str = Field(description="JSON list of {gtin, style_id, name, size, colour, price_cents}")
    total_cents: int = Field(ge=0)
    currency: str = Field(max_length=3)
    email: str | None = Field(default=None, max_length=254)
    consent_at: float | None = None
    member_id: str | None = Field(default=None, max_length=128)
    created_at: float
    placed: bool = False
    placed_at: float | None = None
    event_id: str | None = Field(default=None, max_length=64, description="Its outbox event, once placed")
    status: OrderStatus = Field(default=OrderStatus.AT_BAG_DESK, sa_type=EnumText(OrderStatus, 16))
    payment_method: str | None = Field(default=None, max_length=32, description="e.g. hosted_checkout")
    payment_url: str | None = Field(default=None, max_length=2048, description="The hosted checkout page")
    checkout_id: str | None = Field(default=None, max_length=128, description="The provider's checkout id")
    payment_reference: str | None = Field(default=None, max_length=128, description="The provider's payment")
    cancelled_at: float | None = None

    @property
    def lines(self) -> list[ItemDescription]:
        return ITEM_LIST.load(self.items)


def create_ship_order(
    *,
    session: Session,
    store_id: str,
    room_id: str,
    session_id: str,
    item: ItemDescription,
    currency: str,
    email: str | None,
    member_id: str | None,
    now: float,
    at_bag_desk: bool = True,
) -> ShipOrder:
    """The order, with its bag-desk task when payment and address are taken there (``at_bag_desk``);
    otherwise it awaits the payment provider's checkout."""
    order = ShipOrder(
        id=uuid.uuid4().hex,
        store_id=store_id,
        room_id=room_id,
        session_id=session_id,
        items=ITEM_LIST.dump([item]),
        total_cents=item["price_cents"] or 0,
        currency=currency,
        email=email,
        consent_at=now if email else None,
        member_id=member_id,
        created_at=now,
        status=OrderStatus.AT_BAG_DESK if at_bag_desk else OrderStatus.AWAITING_PAYMENT,
    )
    session.add(order)
    if at_bag_desk:
        add_bag_desk_task(session=session, order=order, now=now)
    session.flush()
    return order


def add_bag_desk_task(*, session: Session, order: ShipOrder, now: float) -> Task:
    """The bag desk's task for ``order``: take payment and the delivery address, then complete it. The
    order's status becomes ``at_bag_desk``."""
    lines = order.lines
    order.status = OrderStatus.AT_BAG_DESK
    session.add(order)
    task = Task(
        kind=TaskKind.BAG,
        store_id=order.store_id,
        room_id=order.room_id,
        session_id=order.session_id,
        gtin=lines[0]["gtin"] if lines else None,
        created_at=now,
        detail=TASK_DETAIL.dump(
            {
                "ship_to_home": True,
                "order_id": order.id,
                "items": lines,
                "total_cents": order.total_cents,
                "currency": order.currency,
                "payment": "take payment and the delivery address at the bag desk",
            }
        ),
    )
    session.add(task)
    return task


def _bag_desk_tasks(session: Session, order: ShipOrder) -> list[Task]:
    query = select(Task).where(Task.kind == TaskKind.BAG, Task.session_id == order.session_id)
    return [t for t in session.exec(query).all() if t.details.get("order_id") == order.id]


def place_ship_order(*, session: Session, task: Task, now: float) -> ShipOrder | None:
    """The bag desk finished ``task``: if it is a ship-to-home order, place it and stage its outbox row
    (in the caller's transaction). Placing twice stages nothing new."""
    order_id = task.details.get("order_id") if task.details.get("ship_to_home") else None
    order = session.get(ShipOrder, order_id) if isinstance(order_id, str) else None
    if order is None:
        return None
    return place_order(session=session, order=order, now=now, method="taken_at_bag_desk")


def place_order(
    *, session: Session, order: ShipOrder, now: float, method: str, reference: str | None = None
) -> ShipOrder:
    """Place ``order`` (paid by ``method``, the provider's ``reference`` if any): stage its ``order``
    outbox row in the caller's transaction. A placed or cancelled order is returned unchanged."""
    if order.placed or order.status == OrderStatus.CANCELLED:
        return order
    order.payment_method, order.payment_reference = method, reference
    event = add_outbox_event(
        session=session,
        type="order",
        store_id=order.store_id,
        now=now,
        member_id=order.member_id,
        event_id=order.id,  # one order, one event: the central store's idempotency key is the order id
        payload={
            "order_id": order.id,
            "channel": CHANNEL,
            "session_id": order.session_id,
            "room_id": order.room_id,
            "created_at": order.created_at,
            "placed_at": now,
            "items": order.lines,
            "total_cents": order.total_cents,
            "currency": order.currency,
            # for the order's confirmation only (consent given at the mirror); a member has none here
            "confirmation_email": order.email,
            "payment": {"method": method, "reference": reference},
        },
    )
    order.placed, order.placed_at, order.event_id = True, now, event.event_id
    order.status = OrderStatus.QUEUED
    session.add(order)
    return order


def cancel_ship_order(*, session: Session, order: ShipOrder, now: float, by: str) -> bool:
    """Cancel ``order`` (``by``: "shopper" or "associate"), in the caller's transaction. Its open bag-desk
    task is cancelled with it; a placed order stages an ``order_cancelled`` outbox row so the central store
    restores online stock and tells the e-commerce system. Returns False for one already cancelled."""
    if order.status == OrderStatus.CANCELLED:
        return False
    for task in _bag_desk_tasks(session, order):
        if task.status in (TaskStatus.OPEN, TaskStatus.CLAIMED):
            task.status = TaskStatus.CANCELLED
            session.add(task)
    if order.placed:
        add_outbox_event(
            session=session,
            type="order_cancelled",
            store_id=order.store_id,
            now=now,
            member_id=order.member_id,
            event_id=f"{order.id}-cancel",
            payload={"order_id": order.id, "cancelled_at": now, "by": by, "room_id": order.room_id},
        )
    order.status, order.cancelled_at = OrderStatus.CANCELLED, now
    session.add(order)
    _revise_ended_session(session, order, now)
    return True


def shipped_gtins(*, session: Session, session_id: str) -> list[str | None]:
    """One GTIN per item the session ordered to ship home, cancelled orders left out."""
    orders = session.exec(
        select(ShipOrder).where(ShipOrder.session_id == session_id, ShipOrder.status != OrderStatus.CANCELLED)
    ).all()
    return [line["gtin"] for o in orders for line in o.lines]


def _revise_ended_session(session: Session, order: ShipOrder, now: float) -> None:
    """The session's ``session_ended`` event told the central store what it ordered to ship home; when the
    order is cancelled after that, a ``session_revised`` event says what it ordered now (the central
    figures keep the latest). A session still open leaves the order out when it ends."""
    row = session.get(FittingRoomSession, order.session_id)
    if row is None or row.ended_at is None:
        return
    session.flush()
    add_outbox_event(
        session=session,
        type="session_revised",
        store_id=order.store_id,
        now=now,
        member_id=row.member_id,
        event_id=f"{order.id}-revised",
        payload={
            "session_id": order.session_id,
            "shipped_gtins": shipped_gtins(session=session, session_id=order.session_id),
        },
    )


def order_status(*, session: Session, order: ShipOrder) -> OrderStatus:
    """Where the order is now: at the bag desk, queued in the outbox, or sent to the central store."""
    if order.status == OrderStatus.CANCELLED or not order.placed or order.event_id is None:
        return order.status
    sent = session.exec(select(OutboxEvent.sent_at).where(OutboxEvent.event_id == order.event_id)).first()
    # An acknowledged outbox row may be pruned later: placed and gone means it was sent.
    gone = not _outbox_has(session, order.event_id)
    return OrderStatus.SENT if sent is not None or gone else OrderStatus.QUEUED


def _outbox_has(session: Session, event_id: str) -> bool:
    return session.exec(select(OutboxEvent.seq).where(OutboxEvent.event_id == event_id)).first() is not None


def forget_orders(*, session: Session, member_id: str) -> int:
    """Erasure: the orders stay (they were bought), without the member's id or the guest's email (a
    ``guest-`` id matches the orders whose address hashes to it). Returns the number of orders changed."""
    is_guest = member_id.startswith(GUEST_PREFIX)
    query = select(ShipOrder).where(
        col(ShipOrder.email).is_not(None) if is_guest else ShipOrder.member_id == member_id
    )
    changed = 0
    for order in session.exec(query).all():
        if not is_guest or (order.email and guest_member_id(order.email) == member_id):
            order.member_id, order.email = None, None
            session.add(order)
            changed += 1
    return changed
