"""Ship-to-home orders ("endless aisle"): a variant sold out in this store but in stock online, ordered
from the mirror. The order waits at the bag desk (a bag task marked ``ship_to_home``) where payment and
the delivery address are taken; completing that task places it: its ``order`` outbox row carries it to the
central store, which takes it off online stock and hands it to the chain's e-commerce system.

Keyword-only functions over a SQLModel ``Session``; none commits.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel, col, select

from edge.storage.models import ITEM_LIST, TASK_DETAIL, ItemDescription, Task, TaskKind
from edge.storage.outbox import OutboxEvent, add_outbox_event
from edge.storage.types import EnumText
from guests import GUEST_PREFIX, guest_member_id

__all__ = [
    "OrderStatus",
    "ShipOrder",
    "create_ship_order",
    "forget_orders",
    "order_status",
    "place_ship_order",
]

CHANNEL = "endless_aisle"


class OrderStatus(StrEnum):
    AT_BAG_DESK = "at_bag_desk"  # waiting for payment and address at the bag desk
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
) -> tuple[ShipOrder, Task]:
    """The order and its bag-desk task (payment and address are taken there)."""
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
    )
    session.add(order)
    task = Task(
        kind=TaskKind.BAG,
        store_id=store_id,
        room_id=room_id,
        session_id=session_id,
        gtin=item["gtin"],
        created_at=now,
        detail=TASK_DETAIL.dump(
            {
                "ship_to_home": True,
                "order_id": order.id,
                "items": [item],
                "total_cents": order.total_cents,
                "currency": currency,
                "payment": "take payment and the delivery address at the bag desk",
            }
        ),
    )
    session.add(task)
    session.flush()
    return order, task


def place_ship_order(*, session: Session, task: Task, now: float) -> ShipOrder | None:
    """The bag desk finished ``task``: if it is a ship-to-home order, place it and stage its outbox row
    (in the caller's transaction). Placing twice stages nothing new."""
    order_id = task.details.get("order_id") if task.details.get("ship_to_home") else None
    order = session.get(ShipOrder, order_id) if isinstance(order_id, str) else None
    if order is None or order.placed:
        return order
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
        },
    )
    order.placed, order.placed_at, order.event_id = True, now, event.event_id
    order.status = OrderStatus.QUEUED
    session.add(order)
    return order


def order_status(*, session: Session, order: ShipOrder) -> OrderStatus:
    """Where the order is now: at the bag desk, queued in the outbox, or sent to the central store."""
    if not order.placed or order.event_id is None:
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
