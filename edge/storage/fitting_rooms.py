"""Persisting fitting-room sessions: the session machine's changes become rows, in the caller's
transaction, with their outbox events (``session_ended``, ``go_back``) staged in that same transaction.

Keyword-only functions over a SQLModel ``Session``; none of them commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from edge.catalog.model import Catalog
from edge.sessions.changes import (
    ItemAdded,
    ItemLeft,
    SessionChange,
    SessionEnded,
    SessionOpened,
    ShopperJoined,
)
from edge.sessions.machine import RestoredItem, RestoredSession
from edge.storage.demand import SoldOutAsk
from edge.storage.models import (
    DEVICE_LIST,
    TASK_DETAIL,
    FittingRoomSession,
    ItemDescription,
    Purchase,
    SessionItem,
    Task,
    TaskKind,
    TaskStatus,
)
from edge.storage.offers import OfferEvent
from edge.storage.orders import shipped_gtins
from edge.storage.outbox import add_outbox_event

__all__ = ["MemberOf", "apply_session_changes", "describe_gtin", "load_open_sessions", "session_summary"]

# Maps a shopper's presence device to their member id when the edge knows the shopper.
MemberOf = Callable[[str], str | None]


def describe_gtin(catalog: Catalog, gtin: str | None) -> ItemDescription:
    """What an associate or the central store needs to know of an item: name, size, colour, price."""
    found = catalog.by_gtin.get(gtin) if gtin else None
    if found is None:
        return {
            "style_id": None,
            "name": None,
            "size": None,
            "colour": None,
            "price_cents": None,
            "gtin": gtin,
        }
    style, sku = found
    return {
        "gtin": gtin,
        "style_id": style.id,
        "name": style.name,
        "size": sku.size,
        "colour": sku.colour,
        "price_cents": style.price_cents,
    }


def apply_session_changes(
    *,
    session: Session,
    changes: Sequence[SessionChange],
    store_id: str,
    catalog: Catalog,
    member_of: MemberOf,
    store_facts: Mapping[str, Any] | None = None,
) -> list[Task]:
    """Write ``changes`` in order; returns the go-back tasks created (already added to ``session``).
    ``store_facts`` (the store's time zone, fitting rooms and request target) ride on ``session_ended``
    for head office's figures."""
    created: list[Task] = []
    for change in changes:
        if isinstance(change, SessionOpened):
            session.add(
                FittingRoomSession(
                    id=change.session_id,
                    store_id=store_id,
                    room_id=change.room_id,
                    started_at=change.t,
                    opened_by=change.cause,
                )
            )
            session.flush()
        elif isinstance(change, ItemAdded):
            _item_added(session, change)
        elif isinstance(change, ItemLeft):
            item = _item(session, change.session_id, change.epc)
            if item is not None:
                item.present = False
                item.left_at = change.t
                session.add(item)
        elif isinstance(change, ShopperJoined):
            _shopper_joined(session, change, member_of)
        elif isinstance(change, SessionEnded):
            task = _session_ended(
                session, change, store_id=store_id, catalog=catalog, store_facts=store_facts
            )
            if task is not None:
                created.append(task)
    session.flush()
    return created


def load_open_sessions(*, session: Session) -> list[RestoredSession]:
    """The sessions a previous run left open, with the items that were in their rooms and their purchases."""
    restored: list[RestoredSession] = []
    rows = session.exec(
        select(FittingRoomSession)
        .where(col(FittingRoomSession.ended_at).is_(None))
        .order_by(col(FittingRoomSession.started_at))
    ).all()
    for row in rows:
        items = session.exec(
            select(SessionItem)
            .where(SessionItem.session_id == row.id, col(SessionItem.present).is_(True))
            .order_by(col(SessionItem.first_seen))
        ).all()
        bought: list[str] = []
        for purchase in session.exec(select(Purchase).where(Purchase.session_id == row.id)).all():
            bought += [line["epc"] for line in purchase.lines]
        restored.append(
            RestoredSession(
                id=row.id,
                room_id=row.room_id,
                started_at=row.started_at,
                items=tuple(RestoredItem(i.epc, i.gtin, i.first_seen) for i in items),
                purchased_epcs=tuple(bought),
                shopper_devices=tuple(row.devices),
            )
        )
    return restored


def session_summary(*, session: Session, session_id: str) -> dict[str, Any]:
    """Everything the session recorded: items, requests, purchases and what associates handed out."""
    items = session.exec(
        select(SessionItem).where(SessionItem.session_id == session_id).order_by(col(SessionItem.first_seen))
    ).all()
    tasks = session.exec(
        select(Task).where(Task.session_id == session_id).order_by(col(Task.created_at))
    ).all()
    requests = [t for t in tasks if t.kind == TaskKind.SIZE_REQUEST]
    purchases = session.exec(select(Purchase).where(Purchase.session_id == session_id)).all()
    asked = session.exec(select(SoldOutAsk.gtin).where(SoldOutAsk.session_id == session_id)).all()
    offers = session.exec(
        select(OfferEvent.offer_id, OfferEvent.kind).where(OfferEvent.session_id == session_id)
    ).all()
    return {
        "items": [{"epc": i.epc, "gtin": i.gtin, "first_seen": i.first_seen} for i in items],
        "requested_gtins": [t.gtin for t in requests],
        "sold_out_gtins": sorted(set(asked)),  # asked for at the mirror while sold out here
        "shipped_gtins": shipped_gtins(session=session, session_id=session_id),  # to ship home instead
        "handed_out_gtins": [t.gtin for t in requests if t.status == TaskStatus.DONE],
        # Offers the mirror showed in the session, and one entry per offered item bought in it.
        "offers_presented": sorted({o for o, kind in offers if kind == "presented"}),
        "offers_redeemed": sorted(o for o, kind in offers if kind == "redeemed"),
        "purchases": [
            {
                "purchase_id": p.id,
                "gtins": [line["gtin"] for line in p.lines],
                "total_cents": p.total_cents,
            }
            for p in purchases
        ],
    }


# -- internals --------------------------------------------------------------------------------------


def _item(session: Session, session_id: str, epc: str) -> SessionItem | None:
    return session.exec(
        select(SessionItem).where(SessionItem.session_id == session_id, SessionItem.epc == epc)
    ).first()


def _item_added(session: Session, change: ItemAdded) -> None:
    # The machine knows a first entry: no need to look for a row (a burst of entries is one insert each).
    item = None if change.first_time else _item(session, change.session_id, change.epc)
    if item is None:
        session.add(
            SessionItem(
                session_id=change.session_id,
                epc=change.epc,
                gtin=change.gtin,
                first_seen=change.t,
                last_entered=change.t,
            )
        )
        return
    item.present = True
    item.left_at = None
    item.last_entered = change.t
    session.add(item)


def _shopper_joined(session: Session, change: ShopperJoined, member_of: MemberOf) -> None:
    row = session.get(FittingRoomSession, change.session_id)
    if row is None:
        return
    devices = row.devices
    if change.device not in devices:
        devices.append(change.device)
        row.shopper_devices = DEVICE_LIST.dump(devices)
    if row.member_id is None:
        row.member_id = member_of(change.device)
    session.add(row)


def _session_ended(
    session: Session,
    change: SessionEnded,
    *,
    store_id: str,
    catalog: Catalog,
    store_facts: Mapping[str, Any] | None = None,
) -> Task | None:
    row = session.get(FittingRoomSession, change.session_id)
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = change.t
    session.add(row)
    # A size request nobody has picked up yet is moot once the shopper has gone.
    for task in session.exec(
        select(Task).where(
            Task.session_id == change.session_id,
            Task.kind == TaskKind.SIZE_REQUEST,
            Task.status == TaskStatus.OPEN,
        )
    ).all():
        task.status = TaskStatus.CANCELLED
        session.add(task)
    go_back: Task | None = None
    if change.leftovers:
        items = [{"epc": lo.epc, **describe_gtin(catalog, lo.gtin)} for lo in change.leftovers]
        go_back = Task(
            kind=TaskKind.GO_BACK,
            store_id=store_id,
            room_id=change.room_id,
            session_id=change.session_id,
            created_at=change.t,
            detail=TASK_DETAIL.dump({"items": items}),
        )
        session.add(go_back)
        session.flush()
        add_outbox_event(
            session=session,
            type="go_back",
            store_id=store_id,
            now=change.t,
            member_id=row.member_id,
            payload={
                "task_id": go_back.id,
                "session_id": change.session_id,
                "room_id": change.room_id,
                "created_at": change.t,
                "items": items,
            },
        )
    session.flush()
    summary = session_summary(session=session, session_id=change.session_id)
    add_outbox_event(
        session=session,
        type="session_ended",
        store_id=store_id,
        now=change.t,
        member_id=row.member_id,
        payload={
            "session_id": change.session_id,
            "room_id": change.room_id,
            "started_at": change.started_at,
            "ended_at": change.t,
            "go_backs": [lo.epc for lo in change.leftovers],
            **summary,
            **({"store": dict(store_facts)} if store_facts else {}),
        },
    )
    return go_back
