"""``/api/mirror/{room_id}``: what a fitting room's mirror reads and does (docs/mirror-api.md).

Every route needs the room's device token (``Authorization: Bearer``): none or an unknown one is 401,
another room's 403. The rules live in ``edge.actions.mirror``; a route checks the token, calls the action
and shapes its answer. Routes are plain ``def``: FastAPI runs them in its thread pool, so database work
never blocks the event loop and the WebSocket pushes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from catalog.languages import DEFAULT, Language
from edge import clock
from edge.actions import mirror
from edge.web.context import build_room_view
from edge.web.deps import MirrorRoom, RoomsDep
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

__all__ = ["router"]

router = APIRouter(prefix="/api/mirror", tags=["mirror"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown device token"},
    403: {"description": "The token belongs to another room"},
    404: {"description": "Not a fitting room of this store"},
}


@router.get("/{room_id}", response_model=RoomView, responses=ERRORS)
def get_room_view(room_id: MirrorRoom, ctx: RoomsDep, lang: Language = DEFAULT) -> RoomView:
    """The room as the mirror shows it; names and descriptions in ``lang`` where the catalog has them."""
    return build_room_view(ctx, room_id, lang)


@router.post(
    "/{room_id}/requests",
    status_code=201,
    response_model=RequestPublic,
    responses={**ERRORS, 422: {"description": "Unknown or sold-out GTIN, or an item not seen in the room"}},
)
def request_size(room_id: MirrorRoom, body: RequestIn, ctx: RoomsDep) -> RequestPublic:
    """Ask an associate to bring ``gtin`` (another size or colour). 422 for an unknown GTIN, one sold out
    in this store, or an ``epc`` that has not been in the room during this session. Asking again for the
    same GTIN returns the open request."""
    made = mirror.request_size(
        manager=ctx.manager,
        catalog=ctx.catalog.current(),
        store_id=ctx.store_id,
        room_id=room_id,
        gtin=body.gtin,
        epc=body.epc,
        now=clock.now(),
    )
    ctx.count_action("size_request")
    return RequestPublic(
        id=made.task_id,
        gtin=body.gtin,
        name=made.item["name"],
        size=made.item["size"],
        colour=made.item["colour"],
        status=made.status,
        associate_first_name=None,
        created_at=made.created_at,
    )


@router.post(
    "/{room_id}/purchases",
    status_code=201,
    response_model=PurchasePublic,
    responses={
        **ERRORS,
        402: {"description": "The payment provider declined"},
        409: {"description": "An item is already bought"},
        422: {"description": "An item is not in the room or not in the catalog"},
    },
)
def buy_now(room_id: MirrorRoom, body: PurchaseIn, ctx: RoomsDep) -> PurchasePublic:
    """Buy items that are in the room; an associate bags them on the way out. 422 for an item not in the
    room or unknown to the catalog, 409 for one already bought, 402 when the payment provider declines."""
    sale = mirror.buy_now(
        manager=ctx.manager,
        catalog=ctx.catalog.current(),
        payments=ctx.payments,
        store_id=ctx.store_id,
        room_id=room_id,
        epcs=body.epcs,
        now=clock.now(),
    )
    ctx.count_action("purchase")
    return PurchasePublic(
        id=sale.purchase_id,
        items=[PurchaseItem.model_validate(line) for line in sale.lines],
        total_cents=sale.total_cents,
        currency=sale.currency,
        payment=sale.payment.method,
        status="to_bag",
        created_at=sale.created_at,
    )


@router.post("/{room_id}/help", status_code=201, response_model=HelpCallPublic, responses=ERRORS)
def call_associate(room_id: MirrorRoom, ctx: RoomsDep) -> HelpCallPublic:
    """Call an associate to the room; while a call is open or claimed, calling again returns it."""
    call = mirror.call_associate(manager=ctx.manager, store_id=ctx.store_id, room_id=room_id, now=clock.now())
    ctx.count_action("help")
    return HelpCallPublic(id=call.task_id, status=call.status)


@router.post(
    "/{room_id}/email",
    status_code=201,
    response_model=EmailSaved,
    responses={**ERRORS, 422: {"description": "No consent, or not an email address"}},
)
def send_me_the_rest(room_id: MirrorRoom, body: EmailIn, ctx: RoomsDep) -> EmailSaved:
    """Store the shopper's email (consent required) with the session's unbought sizes and colours:
    every item tried or asked for in this session that was not bought. 422 without consent or for a bad
    address; nothing is stored then."""
    saved = mirror.send_me_the_rest(
        manager=ctx.manager,
        catalog=ctx.catalog.current(),
        store_id=ctx.store_id,
        room_id=room_id,
        email=body.email,
        lang=body.lang,
        now=clock.now(),
    )
    if saved.created:
        ctx.count_action("email")
    return EmailSaved(saved=len(saved.items))
