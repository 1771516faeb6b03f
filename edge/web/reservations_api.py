"""``GET /api/associate/reservations``: the store's reservations to try, with their garments named from
the catalog and where each is in stock (floor or stockroom). First names only: never a member id."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection

from edge.catalog.model import Catalog
from edge.reservations.desk import Reservation, ReservationDesk
from edge.web.deps import CurrentAssociate, RoomsDep

__all__ = [
    "UNAUTHORIZED",
    "ReservationItem",
    "ReservationPublic",
    "desk_of",
    "public_reservation",
    "router",
    "where_in_stock",
]

router = APIRouter(prefix="/api/associate", tags=["associate"])
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in"}}


class ReservationItem(BaseModel):
    gtin: str
    name: str | None
    size: str | None
    colour: str | None
    stock: Literal["floor", "stockroom"] | None = Field(
        default=None, description="where to fetch it: the floor first, else the stockroom; null: none here"
    )


def where_in_stock(catalog: Catalog, gtin: str) -> Literal["floor", "stockroom"] | None:
    level = catalog.stock_of(gtin)
    return "floor" if level.floor > 0 else "stockroom" if level.stockroom > 0 else None


class ReservationPublic(BaseModel):
    id: str
    member_first_name: str | None
    items: list[ReservationItem]
    status: Literal["requested", "preparing", "ready", "arrived", "in_room", "done", "no_show", "cancelled"]
    room_id: str | None
    arrive_from: float
    arrive_until: float
    note: str | None


def desk_of(conn: HTTPConnection) -> ReservationDesk:
    desk = getattr(conn.app.state, "reservations", None)
    return desk if isinstance(desk, ReservationDesk) else ReservationDesk()


def public_reservation(catalog: Catalog, res: Reservation) -> ReservationPublic:
    by_gtin = catalog.by_gtin
    items = []
    for gtin in res.gtins:
        found = by_gtin.get(gtin)
        style, sku = found if found else (None, None)
        items.append(
            ReservationItem(
                gtin=gtin,
                name=style.name if style else None,
                size=sku.size if sku else None,
                colour=sku.colour if sku else None,
                stock=where_in_stock(catalog, gtin),
            )
        )
    return ReservationPublic(
        id=res.id,
        member_first_name=res.member_first_name,
        items=items,
        status=res.status,
        room_id=res.room_id,
        arrive_from=res.arrive_from,
        arrive_until=res.arrive_until,
        note=res.note,
    )


@router.get("/reservations", response_model=list[ReservationPublic], responses=UNAUTHORIZED)
def reservations(associate: CurrentAssociate, ctx: RoomsDep, request: Request) -> list[ReservationPublic]:
    """Reservations to prepare and follow, by arrival time; statuses move on by sensing."""
    catalog = ctx.catalog.current()
    return [public_reservation(catalog, res) for res in desk_of(request).all()]
