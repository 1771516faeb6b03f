"""``/api/mirror/{room_id}/orders``: "Ship it to me" (the endless aisle, docs/mirror-api.md), an
associate's ``/api/associate/orders/{order_id}/cancel`` and the payment provider's signed
``/api/payments/callback`` (docs/payments.md).

Same device-token rules as the rest of the mirror API; the rules live in ``edge.actions.orders``.
"""

from __future__ import annotations

import io
import json
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from edge import clock
from edge.actions import orders
from edge.errors import Invalid, NotFound, Unauthorized
from edge.payments import SIGNATURE_HEADER as HEADER
from edge.web.deps import CurrentAssociate, MirrorRoom, RoomsDep, SessionDep
from edge.web.mirror_api import ERRORS
from edge.web.schemas import _EMAIL, GTIN, _In

__all__ = [
    "CheckoutCallback",
    "OrderIn",
    "OrderItem",
    "OrderPublic",
    "associate_router",
    "payments_router",
    "router",
]

router = APIRouter(prefix="/api/mirror", tags=["mirror"])
associate_router = APIRouter(prefix="/api/associate", tags=["associate"])
payments_router = APIRouter(prefix="/api/payments", tags=["payments"])


class OrderIn(_In):
    gtin: str = GTIN
    email: str | None = Field(default=None, max_length=254, description="Not needed for a known member")
    consent: bool | None = Field(default=None, description="Must be true with an email: for confirmation")

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError("that does not look like an email address")
        return value

    @model_validator(mode="after")
    def _consent_with_email(self) -> OrderIn:
        if self.email is not None and self.consent is not True:
            raise ValueError("consent is required to use an email address for the order's confirmation")
        return self


class OrderItem(BaseModel):
    gtin: str | None
    style_id: str | None
    name: str | None
    size: str | None
    colour: str | None
    price_cents: int | None


class OrderPublic(BaseModel):
    id: str = Field(description="The order id (also the Idempotency-Key of its webhook)")
    status: Literal["at_bag_desk", "awaiting_payment", "queued", "sent", "cancelled"] = Field(
        description="at_bag_desk: pay and give the address there; awaiting_payment: on the payment "
        "provider's page (payment_url); queued: placed, waiting for the central store (unreachable for "
        "now); sent: the central store has it; cancelled"
    )
    items: list[OrderItem]
    total_cents: int
    currency: str
    created_at: float
    payment_url: str | None = Field(
        default=None, description="While awaiting_payment: the provider's page, for the shopper's phone"
    )


def _public(made: orders.ShipToHome) -> OrderPublic:
    return OrderPublic(
        id=made.order_id,
        status=made.status.value,
        items=[OrderItem.model_validate(i) for i in made.items],
        total_cents=made.total_cents,
        currency=made.currency,
        created_at=made.created_at,
        payment_url=made.payment_url,
    )


ORDER_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    422: {"description": "Unknown GTIN, in stock here, sold out online, or no email with consent"},
}


@router.post("/{room_id}/orders", status_code=201, response_model=OrderPublic, responses=ORDER_ERRORS)
def order_to_ship(room_id: MirrorRoom, body: OrderIn, ctx: RoomsDep, db: SessionDep) -> OrderPublic:
    """Ship a variant sold out here but in stock online to the shopper's home. A known member needs no
    email; anyone else gives one with ``consent: true`` (for the order's confirmation only). The order
    waits at the bag desk for payment and the address, or, with a payment provider configured, for the
    shopper to pay on its page (``payment_url``; the bag desk when the provider cannot open one)."""
    checkout = ctx.checkout
    made = orders.order_to_ship(
        manager=ctx.manager,
        catalog=ctx.catalog.current(),
        store_id=ctx.store_id,
        room_id=room_id,
        gtin=body.gtin,
        email=body.email,
        consent=body.consent is True,
        now=clock.now(),
        at_bag_desk=checkout is None,
    )
    if checkout is not None:
        made = orders.start_checkout(
            db=db, manager=ctx.manager, checkout=checkout, order_id=made.order_id, now=clock.now()
        )
    ctx.count_action("ship_order")
    return _public(made)


@router.get(
    "/{room_id}/orders/{order_id}",
    response_model=OrderPublic,
    responses={**ERRORS, 404: {"description": "No such order in this room"}},
)
def get_order(room_id: MirrorRoom, order_id: str, db: SessionDep) -> OrderPublic:
    """The order's status now, as the mirror shows it."""
    return _public(orders.ship_order_of(db=db, room_id=room_id, order_id=order_id))


@router.post(
    "/{room_id}/orders/{order_id}/cancel",
    response_model=OrderPublic,
    responses={
        **ERRORS,
        404: {"description": "No such order in this room"},
        409: {"description": "Already paid and placed: an associate cancels it"},
    },
)
def cancel_order(room_id: MirrorRoom, order_id: str, ctx: RoomsDep, db: SessionDep) -> OrderPublic:
    """The shopper changes their mind before paying: the order and its bag-desk task are cancelled
    (again: the cancelled order, unchanged)."""
    made = orders.cancel_from_mirror(
        db=db, manager=ctx.manager, room_id=room_id, order_id=order_id, now=clock.now()
    )
    ctx.count_action("cancel_order")
    return _public(made)


@router.get(
    "/{room_id}/orders/{order_id}/payment.svg",
    response_class=Response,
    responses={
        **ERRORS,
        200: {
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
            "description": "The checkout page's address as a QR code",
        },
        404: {"description": "No such order in this room, not awaiting payment, or no QR support"},
    },
)
def payment_qr(room_id: MirrorRoom, order_id: str, db: SessionDep) -> Response:
    """The provider's checkout page as a QR code for the shopper's phone."""
    made = orders.ship_order_of(db=db, room_id=room_id, order_id=order_id)
    if made.payment_url is None:
        raise NotFound("this order is not awaiting payment on the provider's page")
    return Response(
        _qr_svg(made.payment_url), media_type="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


def _qr_svg(text: str) -> bytes:
    try:
        import qrcode  # type: ignore[import-untyped]
        import qrcode.image.svg  # type: ignore[import-untyped]
    except ImportError:  # the optional extra: the mirror shows the address as text
        raise NotFound("QR codes need the optional extra fitroom[payments]") from None
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


@associate_router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderPublic,
    responses={401: {"description": "Not signed in"}, 404: {"description": "No such order"}},
)
def associate_cancel_order(
    order_id: str, ctx: RoomsDep, db: SessionDep, _who: CurrentAssociate
) -> OrderPublic:
    """Cancel a ship-to-home order at any stage; one already placed is withdrawn at the central store
    (online stock back, the e-commerce system told). The payment, if taken, is refunded where it was taken."""
    made = orders.cancel_by_associate(db=db, manager=ctx.manager, order_id=order_id, now=clock.now())
    return _public(made)


class CheckoutCallback(BaseModel):
    reference: str = Field(
        min_length=1, max_length=64, description="The order id the checkout was opened for"
    )
    status: orders.CheckoutOutcome
    payment_reference: str | None = Field(
        default=None, max_length=128, description="The provider's payment, for refunds and the address"
    )


@payments_router.post(
    "/callback",
    response_model=OrderPublic,
    responses={
        401: {"description": "Missing or wrong X-Fitroom-Signature"},
        404: {"description": "No payment provider configured, or no such order"},
        422: {"description": "Not a callback this edge understands"},
    },
)
async def checkout_callback(request: Request, ctx: RoomsDep, db: SessionDep) -> OrderPublic:
    """The provider says how a checkout ended, signed with the shared secret. ``paid`` places the order
    (repeats change nothing); ``failed`` or ``expired`` sends it to the bag desk. The answer is the order
    as it stands: ``cancelled`` for one the shopper cancelled meanwhile, so the provider refunds it."""
    checkout = ctx.checkout
    if checkout is None:
        raise NotFound("no payment provider is configured on this edge")
    body = await request.body()
    if not checkout.verify(body, request.headers.get(HEADER)):
        raise Unauthorized(f"missing or wrong {HEADER}")
    try:
        callback = CheckoutCallback.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise Invalid(f"not a checkout callback: {_first_problem(exc)}") from None
    made = await run_in_threadpool(
        orders.checkout_finished,
        db=db,
        manager=ctx.manager,
        checkout=checkout,
        order_id=callback.reference,
        outcome=callback.status,
        reference=callback.payment_reference,
        now=clock.now(),
    )
    return _public(made)


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
    return "the body is not JSON"
