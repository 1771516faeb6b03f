"""Concierge arrivals: what the console's arrival card and ``GET /api/associate/shoppers`` show of a known
shopper in the store: first name, their reservation, preferred sizes, last purchases on every channel,
what they wanted and did not buy (marked when now in stock here), language, time since their last visit
here, and which associate took them. Never an email address, member id or beacon code: an arrival is
named by an opaque ``arrival_id``."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection

from edge import clock
from edge.catalog.model import Catalog
from edge.presence.snapshot import RoomPresence
from edge.reservations.desk import OPEN
from edge.suggest.profile import ShopperProfile
from edge.topics import TASKS_CHANGED
from edge.web.context import RoomsContext
from edge.web.deps import CurrentAssociate, RoomsDep
from edge.web.reservations_api import UNAUTHORIZED, ReservationPublic, desk_of, public_reservation
from edge.web.schemas import ShopperPublic

__all__ = ["ArrivalPublic", "arrival_view", "arrivals_now", "router"]

router = APIRouter(prefix="/api/associate", tags=["associate"])
_SALT = secrets.token_bytes(16)  # arrival ids mean nothing outside this run of the edge


class PastItem(BaseModel):
    gtin: str
    name: str | None
    size: str | None
    colour: str | None
    channel: str | None = Field(default=None, description="where it was bought: store, online, ...")


class WantedItem(BaseModel):
    gtin: str
    name: str | None
    size: str | None
    colour: str | None
    in_stock_here: bool = Field(description="on the floor or in the stockroom of this store now")


class ArrivalPublic(ShopperPublic):
    arrival_id: str
    reservation: ReservationPublic | None
    preferred_sizes: dict[str, str]
    last_purchases: list[PastItem]
    wanted: list[WantedItem] = Field(description="wanted and not bought; in stock here first")
    language: str | None
    last_visit_s_ago: float | None = Field(description="since their last session at this store ended")
    taken_by: str | None = Field(description="first name of the associate looking after them")


def arrival_key(device: str) -> str:
    return hashlib.sha256(_SALT + device.encode()).hexdigest()[:16]


def _takers(conn: HTTPConnection) -> dict[str, str]:
    state = conn.app.state
    if not hasattr(state, "arrivals_taken"):
        state.arrivals_taken = {}
    takers: dict[str, str] = state.arrivals_taken
    return takers


def arrival_view(
    conn: HTTPConnection, catalog: Catalog, profile: ShopperProfile, device: str, room_id: str, since: float
) -> ArrivalPublic:
    aid = arrival_key(device)
    held = [r for r in desk_of(conn).all() if r.member_id == profile.member_id and r.status in OPEN]
    bought = {p.gtin for p in profile.purchases}
    wanted = [
        WantedItem(
            gtin=u.gtin,
            name=u.name,
            size=u.size,
            colour=u.colour,
            in_stock_here=catalog.stock_of(u.gtin).in_store > 0,
        )
        for u in profile.unbought
        if u.gtin not in bought
    ]
    wanted.sort(key=lambda w: not w.in_stock_here)
    last = profile.last_visit_at
    return ArrivalPublic(
        first_name=profile.first_name,
        room_id=room_id,
        since=since,
        arrival_id=aid,
        reservation=public_reservation(catalog, held[0]) if held else None,
        preferred_sizes=dict(profile.preferred_sizes),
        last_purchases=[
            PastItem(gtin=p.gtin, name=p.name, size=p.size, colour=p.colour, channel=p.channel)
            for p in profile.purchases[:5]
        ],
        wanted=wanted,
        language=profile.language,
        last_visit_s_ago=round(clock.now() - last, 1) if last else None,
        taken_by=_takers(conn).get(aid),
    )


def arrivals_now(
    conn: HTTPConnection, ctx: RoomsContext, snapshot: Mapping[str, RoomPresence]
) -> list[ArrivalPublic]:
    """Every known (opted-in) shopper in ``snapshot`` as the console's arrival card, longest-present
    first (blocking: profiles and the catalog; call it off the event loop)."""
    catalog = ctx.catalog.current()
    out: list[ArrivalPublic] = []
    for room_id, room in snapshot.items():
        for shopper in room.shoppers:
            profile = ctx.profiles.profile_for_device(shopper.device)
            if profile is not None:
                out.append(arrival_view(conn, catalog, profile, shopper.device, room_id, shopper.since))
    return sorted(out, key=lambda s: s.since)


@router.post(
    "/shoppers/{arrival_id}/take",
    response_model=ArrivalPublic,
    responses={**UNAUTHORIZED, 404: {"description": "No such shopper in the store now"}},
)
def take(
    arrival_id: Annotated[str, Path(min_length=1, max_length=32)],
    associate: CurrentAssociate,
    ctx: RoomsDep,
    request: Request,
) -> ArrivalPublic:
    """ "I'll look after them": every console shows who took the arrival."""
    for room_id, room in ctx.presence().items():
        for shopper in room.shoppers:
            profile = ctx.profiles.profile_for_device(shopper.device)
            if profile is not None and arrival_key(shopper.device) == arrival_id:
                _takers(request)[arrival_id] = associate.first_name
                ctx.manager.notify(TASKS_CHANGED, None)  # every console shows it at once (/ws/associate)
                return arrival_view(
                    request, ctx.catalog.current(), profile, shopper.device, room_id, shopper.since
                )
    raise HTTPException(404, "no such shopper in the store now")
