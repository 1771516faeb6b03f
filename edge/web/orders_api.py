"""``/api/mirror/{room_id}/orders``: "Ship it to me" (the endless aisle, docs/mirror-api.md).

Same device-token rules as the rest of the mirror API; the rules live in ``edge.actions.orders``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator, model_validator

from edge import clock
from edge.actions import orders
from edge.web.deps import MirrorRoom, RoomsDep, SessionDep
from edge.web.mirror_api import ERRORS
from edge.web.schemas import _EMAIL, GTIN, _In

__all__ = ["OrderIn", "OrderItem", "OrderPublic", "router"]

router = APIRouter(prefix="/api/mirror", tags=["mirror"])


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
    status: Literal["at_bag_desk", "queued", "sent", "cancelled"] = Field(
        description="at_bag_desk: pay and give the address there; queued: placed, waiting for the central "
        "store (unreachable for now); sent: the central store has it"
    )
    items: list[OrderItem]
    total_cents: int
    currency: str
    created_at: float


def _public(made: orders.ShipToHome) -> OrderPublic:
    return OrderPublic(
        id=made.order_id,
        status=made.status.value,
        items=[OrderItem.model_validate(i) for i in made.items],
        total_cents=made.total_cents,
        currency=made.currency,
        created_at=made.created_at,
    )


ORDER_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    422: {"description": "Unknown GTIN, in stock here, sold out online, or no email with consent"},
}


@router.post("/{room_id}/orders", status_code=201, response_model=OrderPublic, responses=ORDER_ERRORS)
def order_to_ship(room_id: MirrorRoom, body: OrderIn, ctx: RoomsDep) -> OrderPublic:
    """Ship a variant sold out here but in stock online to the shopper's home. A known member needs no
    email; anyone else gives one with ``consent: true`` (for the order's confirmation only). The order
    waits at the bag desk for payment and the address."""
    made = orders.order_to_ship(
        manager=ctx.manager,
        catalog=ctx.catalog.current(),
        store_id=ctx.store_id,
        room_id=room_id,
        gtin=body.gtin,
        email=body.email,
        consent=body.consent is True,
        now=clock.now(),
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
