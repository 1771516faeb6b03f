"""What a fitting room's mirror does: ask for another size, buy now, call an associate, "email me the
rest". Each validates first, then writes the action, its session (opened if needed) and its outbox row
in one transaction under the room's session lock: a refused action leaves nothing written.

Blocking (database work): call from a worker thread, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.catalog.model import Catalog
from edge.errors import Conflict, Invalid, PaymentRefused
from edge.fitting_rooms.manager import SessionManager
from edge.payments import PaymentDeclined, PaymentProvider, PaymentResult
from edge.storage.demand import record_sold_out_ask
from edge.storage.email_lists import email_list_saved, save_email_list, unbought_gtins
from edge.storage.fitting_rooms import describe_gtin
from edge.storage.models import ItemDescription, PurchaseLine, TaskStatus
from edge.storage.offers import record_redemptions
from edge.storage.tasks import (
    create_help_call,
    create_purchase,
    create_size_request,
    open_help_call,
    open_size_request,
)

__all__ = [
    "EmailListSaved",
    "HelpCall",
    "Sale",
    "SizeRequest",
    "buy_now",
    "call_associate",
    "request_size",
    "send_me_the_rest",
]

# Results are plain values read inside the transaction: rows are expired once it commits.


@dataclass(frozen=True, slots=True)
class SizeRequest:
    task_id: int
    status: TaskStatus
    created_at: float
    item: ItemDescription
    created: bool  # False: the open request for that GTIN was returned


@dataclass(frozen=True, slots=True)
class Sale:
    purchase_id: int
    lines: list[PurchaseLine]
    total_cents: int
    currency: str
    payment: PaymentResult
    created_at: float


@dataclass(frozen=True, slots=True)
class HelpCall:
    task_id: int
    status: TaskStatus
    created: bool  # False: the room's open call was returned


@dataclass(frozen=True, slots=True)
class EmailListSaved:
    items: list[ItemDescription]
    created: bool  # False: the same address already had this list


def request_size(
    *,
    manager: SessionManager,
    catalog: Catalog,
    store_id: str,
    room_id: str,
    gtin: str,
    epc: str | None,
    now: float,
) -> SizeRequest:
    """Ask an associate to bring ``gtin`` instead of the item ``epc`` (if given). Invalid for a GTIN the
    catalog does not know or that is sold out in this store, or an ``epc`` not seen in the room during
    this session. Asking again for the same GTIN returns the open request."""
    if gtin not in catalog.by_gtin:
        raise Invalid(f"GTIN {gtin} is not in the catalog")
    if catalog.stock_of(gtin).in_store <= 0:
        # Lost demand for the manager's figures; the shopper is shown "sold out here" (and shipping).
        with manager.room_action(room_id, now) as action:
            record_sold_out_ask(
                session=action.db,
                store_id=store_id,
                room_id=room_id,
                session_id=action.session.id,
                gtin=gtin,
                now=now,
            )
        raise Invalid("that size and colour is sold out in this store")
    epc = epc.upper() if epc else None
    # The item it replaces may have just been taken out: anything seen in this session counts.
    if epc is not None and epc not in manager.snapshot(room_id).seen_epcs:
        raise Invalid(f"item {epc} has not been in this room")
    item = describe_gtin(catalog, gtin)
    with manager.room_action(room_id, now) as action:
        existing = open_size_request(session=action.db, session_id=action.session.id, gtin=gtin)
        task = existing or create_size_request(
            session=action.db,
            store_id=store_id,
            room_id=room_id,
            session_id=action.session.id,
            gtin=gtin,
            epc=epc,
            item=item,
            now=now,
            member_id=action.member_id,
        )
        action.tasks_changed = existing is None
        action.db.flush()
        result = SizeRequest(
            task_id=_id(task.id),
            status=task.status,
            created_at=task.created_at,
            item=item,
            created=existing is None,
        )
    return result


def buy_now(
    *,
    manager: SessionManager,
    catalog: Catalog,
    payments: PaymentProvider,
    store_id: str,
    room_id: str,
    epcs: list[str],
    now: float,
) -> Sale:
    """Buy items that are in the room; an associate bags them on the way out. Invalid for an item not in
    the room, unknown to the catalog, or items in more than one currency; Conflict for one already bought;
    PaymentRefused when the provider declines. Bought items never become go-backs."""
    lines = _lines(manager, catalog, room_id, epcs)
    currencies = {catalog.by_gtin[line["gtin"]][0].currency for line in lines}
    if len(currencies) != 1:
        raise Invalid("items in different currencies must be bought separately")
    currency = currencies.pop()
    total = sum(line["price_cents"] for line in lines)
    with manager.room_action(room_id, now) as action:
        # Checked again under the session lock: two taps racing must not sell one item twice.
        already = sorted(set(epcs) & action.session.purchased)
        if already:
            raise Conflict(f"item {already[0]} is already bought")
        try:
            payment = payments.authorize(
                amount_cents=total, currency=currency, reference=f"{store_id}:{action.session.id}:{now:.3f}"
            )
        except PaymentDeclined as exc:
            raise PaymentRefused(str(exc) or "the payment was declined") from None
        purchase, _bag = create_purchase(
            session=action.db,
            store_id=store_id,
            room_id=room_id,
            session_id=action.session.id,
            items=lines,
            currency=currency,
            payment=payment.method,
            payment_reference=payment.reference,
            now=now,
            member_id=action.member_id,
        )
        record_redemptions(  # offered items bought in the session the offer was shown in
            session=action.db,
            store_id=store_id,
            room_id=room_id,
            session_id=action.session.id,
            bought=[(ln["gtin"], catalog.by_gtin[ln["gtin"]][0].category.value) for ln in lines],
            member_id=action.member_id,
            now=now,
        )
        action.tasks_changed = True
        action.db.flush()
        manager.mark_purchased(room_id, epcs, now)  # under the same lock: never a go-back
        sale = Sale(
            purchase_id=_id(purchase.id),
            lines=lines,
            total_cents=total,
            currency=currency,
            payment=payment,
            created_at=now,
        )
    return sale


def call_associate(*, manager: SessionManager, store_id: str, room_id: str, now: float) -> HelpCall:
    """Call an associate to the room; while a call is open or claimed, calling again returns it."""
    with manager.room_action(room_id, now) as action:
        task = open_help_call(session=action.db, room_id=room_id)
        created = task is None
        if task is None:
            task = create_help_call(
                session=action.db, store_id=store_id, room_id=room_id, session_id=action.session.id, now=now
            )
            action.tasks_changed = True
        call = HelpCall(task_id=_id(task.id), status=task.status, created=created)
    return call


def send_me_the_rest(
    *,
    manager: SessionManager,
    catalog: Catalog,
    store_id: str,
    room_id: str,
    email: str,
    lang: str,
    now: float,
) -> EmailListSaved:
    """Store the shopper's email (consent checked by the caller) with the session's unbought sizes and
    colours: every catalog item tried or asked for in this session that was not bought. The same address
    with the same list again stores nothing new."""
    with manager.room_action(room_id, now) as action:
        gtins = unbought_gtins(session=action.db, session_id=action.session.id)
        items = [describe_gtin(catalog, g) for g in gtins if g in catalog.by_gtin]
        if email_list_saved(session=action.db, session_id=action.session.id, email=email, items=items):
            return EmailListSaved(items=items, created=False)
        save_email_list(
            session=action.db,
            store_id=store_id,
            room_id=room_id,
            session_id=action.session.id,
            email=email,
            lang=lang,
            items=items,
            now=now,
            member_id=action.member_id,
        )
    return EmailListSaved(items=items, created=True)


def _lines(manager: SessionManager, catalog: Catalog, room_id: str, epcs: list[str]) -> list[PurchaseLine]:
    snap = manager.snapshot(room_id)
    in_room = {epc: gtin for epc, gtin, _ in snap.items}
    lines: list[PurchaseLine] = []
    for epc in epcs:
        if epc not in in_room:
            raise Invalid(f"item {epc} is not in this room")
        if epc in snap.purchased_epcs:
            raise Conflict(f"item {epc} is already bought")
        found = catalog.by_gtin.get(in_room[epc] or "")
        if found is None:
            raise Invalid(f"item {epc} is not in the catalog and cannot be sold here")
        style, sku = found
        lines.append(
            PurchaseLine(
                epc=epc,
                gtin=sku.gtin,
                name=style.name,
                size=sku.size,
                colour=sku.colour,
                price_cents=style.price_cents,
            )
        )
    return lines


def _id(value: int | None) -> int:
    if value is None:  # flushed rows always have their id
        raise RuntimeError("row without id")
    return value
