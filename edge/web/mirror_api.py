"""``/api/mirror/{room_id}``: what a fitting room's mirror reads and does (docs/mirror-api.md).

Every route needs the room's device token (``Authorization: Bearer``): none or an unknown one is 401,
another room's 403. Writes validate first and then write the action, its session (opened if needed) and
its outbox row in one transaction: a 4xx leaves nothing written. Routes are plain ``def``: FastAPI runs
them in its thread pool, so database work never blocks the event loop and the WebSocket pushes.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from sqlmodel import col, select

from edge.payments import PaymentDeclined
from edge.storage.fitting_rooms import describe_gtin
from edge.storage.models import EmailList, PurchaseLine, SessionItem, Task, TaskKind, TaskStatus
from edge.storage.tasks import (
    create_help_call,
    create_purchase,
    create_size_request,
    purchases_of_session,
    save_email_list,
)
from edge.web.auth import MirrorTokenCheck, bearer_token, check_mirror_token
from edge.web.context import RoomsContext, build_room_view, request_context, rooms_context
from edge.web.schemas import (
    EmailIn,
    EmailSaved,
    HelpCallPublic,
    PurchaseIn,
    PurchaseItem,
    PurchasePublic,
    RequestIn,
    RequestPublic,
    RoomView,
)

__all__ = ["authorize_mirror", "router"]

router = APIRouter(prefix="/api/mirror", tags=["mirror"])

Ctx = Annotated[RoomsContext, Depends(request_context)]


def authorize_mirror(ctx: RoomsContext, room_id: str, token: str | None) -> None:
    """401 without a valid token, 403 for another room's token, 404 for a room that is not a fitting room."""
    outcome = check_mirror_token(ctx.db, room_id=room_id, token=token)
    if outcome is MirrorTokenCheck.UNKNOWN:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="a valid mirror device token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if outcome is MirrorTokenCheck.OTHER_ROOM:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="this token belongs to another room"
        )
    ctx.fitting_room(room_id)


def _mirror_room(
    room_id: str, request: Request, authorization: Annotated[str | None, Header()] = None
) -> str:
    authorize_mirror(rooms_context(request), room_id, bearer_token(authorization))
    return room_id


MirrorRoom = Annotated[str, Depends(_mirror_room)]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown device token"},
    403: {"description": "The token belongs to another room"},
    404: {"description": "Not a fitting room of this store"},
}


@router.get("/{room_id}", response_model=RoomView, responses=ERRORS)
def get_room_view(room_id: MirrorRoom, ctx: Ctx, lang: Literal["en", "es"] = "en") -> RoomView:
    """The room as the mirror shows it. ``lang``: the screen's language (item names stay as cataloged)."""
    return build_room_view(ctx, room_id)


@router.post("/{room_id}/requests", status_code=201, response_model=RequestPublic, responses=ERRORS)
def request_size(room_id: MirrorRoom, body: RequestIn, ctx: Ctx) -> RequestPublic:
    """Ask an associate to bring ``gtin`` (another size or colour). 422 for an unknown GTIN, one sold out
    in this store, or an ``epc`` that has not been in the room during this session. Asking again for the
    same GTIN returns the open request."""
    catalog = ctx.catalog.current()
    if body.gtin not in catalog.by_gtin:
        raise HTTPException(status_code=422, detail=f"GTIN {body.gtin} is not in the catalog")
    if catalog.stock_of(body.gtin).in_store <= 0:
        raise HTTPException(status_code=422, detail="that size and colour is sold out in this store")
    epc = body.epc.upper() if body.epc else None
    # The item it replaces may have just been taken out: anything seen in this session counts.
    if epc is not None and epc not in ctx.manager.snapshot(room_id).seen_epcs:
        raise HTTPException(status_code=422, detail=f"item {epc} has not been in this room")
    item = describe_gtin(catalog, body.gtin)
    now = time.time()
    with ctx.manager.room_action(room_id, now) as action:
        existing = action.db.exec(
            select(Task).where(
                Task.session_id == action.session.id,
                Task.kind == TaskKind.SIZE_REQUEST,
                Task.gtin == body.gtin,
                col(Task.status).in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            )
        ).first()
        task = existing or create_size_request(
            session=action.db,
            store_id=ctx.store_id,
            room_id=room_id,
            session_id=action.session.id,
            gtin=body.gtin,
            epc=epc,
            item=item,
            now=now,
            member_id=action.member_id,
        )
        action.tasks_changed = existing is None
        ctx.count_action("size_request")
        action.db.flush()
        public = RequestPublic(
            id=task.id or 0,
            gtin=body.gtin,
            name=item["name"],
            size=item["size"],
            colour=item["colour"],
            status=task.status,
            associate_first_name=None,
            created_at=task.created_at,
        )
    return public


@router.post("/{room_id}/purchases", status_code=201, response_model=PurchasePublic, responses=ERRORS)
def buy_now(room_id: MirrorRoom, body: PurchaseIn, ctx: Ctx) -> PurchasePublic:
    """Buy items that are in the room; an associate bags them on the way out. 422 for an item not in the
    room or unknown to the catalog, 409 for one already bought, 402 when the payment provider declines."""
    catalog = ctx.catalog.current()
    snap = ctx.manager.snapshot(room_id)
    in_room = {epc: gtin for epc, gtin, _ in snap.items}
    lines: list[PurchaseLine] = []
    for epc in body.epcs:
        if epc not in in_room:
            raise HTTPException(status_code=422, detail=f"item {epc} is not in this room")
        if epc in snap.purchased_epcs:
            raise HTTPException(status_code=409, detail=f"item {epc} is already bought")
        found = catalog.by_gtin.get(in_room[epc] or "")
        if found is None:
            raise HTTPException(
                status_code=422, detail=f"item {epc} is not in the catalog and cannot be sold here"
            )
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
    currencies = {catalog.by_gtin[line["gtin"]][0].currency for line in lines}
    if len(currencies) != 1:
        raise HTTPException(status_code=422, detail="items in different currencies must be bought separately")
    currency = currencies.pop()
    total = sum(line["price_cents"] for line in lines)
    now = time.time()
    with ctx.manager.room_action(room_id, now) as action:
        # Checked again under the session lock: two taps racing must not sell one item twice.
        already = sorted(set(body.epcs) & action.session.purchased)
        if already:
            raise HTTPException(status_code=409, detail=f"item {already[0]} is already bought")
        try:
            payment = ctx.payments.authorize(
                amount_cents=total,
                currency=currency,
                reference=f"{ctx.store_id}:{action.session.id}:{now:.3f}",
            )
        except PaymentDeclined as exc:
            raise HTTPException(status_code=402, detail=str(exc) or "the payment was declined") from None
        purchase, _bag = create_purchase(
            session=action.db,
            store_id=ctx.store_id,
            room_id=room_id,
            session_id=action.session.id,
            items=lines,
            currency=currency,
            payment=payment.method,
            payment_reference=payment.reference,
            now=now,
            member_id=action.member_id,
        )
        action.tasks_changed = True
        action.db.flush()
        ctx.manager.mark_purchased(room_id, body.epcs, now)  # under the same lock: never a go-back
        ctx.count_action("purchase")
        public = PurchasePublic(
            id=purchase.id or 0,
            items=[PurchaseItem.model_validate(line) for line in lines],
            total_cents=total,
            currency=currency,
            payment=payment.method,
            status="to_bag",
            created_at=now,
        )
    return public


@router.post("/{room_id}/help", status_code=201, response_model=HelpCallPublic, responses=ERRORS)
def call_associate(room_id: MirrorRoom, ctx: Ctx) -> HelpCallPublic:
    """Call an associate to the room; while a call is open or claimed, calling again returns it."""
    now = time.time()
    with ctx.manager.room_action(room_id, now) as action:
        task = action.db.exec(
            select(Task).where(
                Task.room_id == room_id,
                Task.kind == TaskKind.HELP,
                col(Task.status).in_([TaskStatus.OPEN, TaskStatus.CLAIMED]),
            )
        ).first()
        if task is None:
            task = create_help_call(
                session=action.db,
                store_id=ctx.store_id,
                room_id=room_id,
                session_id=action.session.id,
                now=now,
            )
            action.tasks_changed = True
        ctx.count_action("help")
        public = HelpCallPublic(id=task.id or 0, status=task.status)
    return public


@router.post("/{room_id}/email", status_code=201, response_model=EmailSaved, responses=ERRORS)
def send_me_the_rest(room_id: MirrorRoom, body: EmailIn, ctx: Ctx) -> EmailSaved:
    """Store the shopper's email (consent required) with the session's unbought sizes and colours:
    every item tried or asked for in this session that was not bought. 422 without consent or for a bad
    address; nothing is stored then."""
    catalog = ctx.catalog.current()
    now = time.time()
    with ctx.manager.room_action(room_id, now) as action:
        db = action.db
        session_id = action.session.id
        tried = db.exec(
            select(SessionItem)
            .where(SessionItem.session_id == session_id)
            .order_by(col(SessionItem.first_seen))
        ).all()
        asked = db.exec(
            select(Task)
            .where(Task.session_id == session_id, Task.kind == TaskKind.SIZE_REQUEST)
            .order_by(col(Task.created_at))
        ).all()
        bought: set[str] = set()
        for purchase, _bag in purchases_of_session(session=db, session_id=session_id):
            bought |= {line["gtin"] for line in purchase.lines}
        gtins = [i.gtin for i in tried if i.gtin] + [t.gtin for t in asked if t.gtin]
        unbought = [g for g in dict.fromkeys(gtins) if g not in bought and g in catalog.by_gtin]
        items = [describe_gtin(catalog, g) for g in unbought]
        # A second tap with the same address and the same list stores nothing new.
        for earlier in db.exec(select(EmailList).where(EmailList.session_id == session_id)).all():
            if earlier.email.lower() == body.email.lower() and earlier.listed == items:
                return EmailSaved(saved=len(items))
        save_email_list(
            session=db,
            store_id=ctx.store_id,
            room_id=room_id,
            session_id=session_id,
            email=body.email,
            lang=body.lang,
            items=items,
            now=now,
            member_id=action.member_id,
        )
        ctx.count_action("email")
    return EmailSaved(saved=len(items))
