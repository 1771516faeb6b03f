"""``/api/rooms``: what is in each room now, as the presence core believes it.

Each room lists its items (EPC, GTIN, ``confidence``: presence's posterior probability that the item is
there, and, when the catalog knows the GTIN, the garment's name, size and colour), how many shoppers are
there (a count: never who), and whether it is ``covered`` — False while an antenna or reader covering it
is down, so its contents are unknown rather than empty.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from edge.catalog.model import Catalog
from edge.errors import NotFound
from edge.layout import Room
from edge.presence.snapshot import RoomPresence
from edge.web.deps import ServiceDep

__all__ = ["RoomItemPublic", "RoomPublic", "router"]

router = APIRouter(prefix="/api/rooms", tags=["rooms"])


class RoomItemPublic(BaseModel):
    epc: str = Field(description="EPC, upper-case hex")
    gtin: str | None = Field(description="GTIN-14 for SGTIN-96 tags")
    name: str | None = Field(default=None, description="Style name, when the catalog knows the GTIN")
    size: str | None = Field(default=None, description="Size label, when the catalog knows the GTIN")
    colour: str | None = Field(default=None, description="Colour name, when the catalog knows the GTIN")
    style_id: str | None = Field(default=None, description="Style number, when the catalog knows the GTIN")
    since: float = Field(description="When the item entered the room (Unix seconds)")
    confidence: float = Field(
        ge=0, le=1, description="Posterior probability that the item is in this room now (presence's belief)"
    )


class RoomPublic(BaseModel):
    id: str
    name: str
    kind: str
    covered: bool = Field(description="False while coverage is down: the contents are unknown")
    shoppers: int = Field(description="Number of opted-in shoppers' phones in the room")
    items: list[RoomItemPublic]


def room_public(room: Room, presence: RoomPresence | None, catalog: Catalog) -> RoomPublic:
    """The API view of one room; a room the presence core has no entry for is empty and covered."""
    items: list[RoomItemPublic] = []
    if presence is not None:
        for item in presence.items:
            known = catalog.by_gtin.get(item.gtin) if item.gtin else None
            described: dict[str, str] = {}
            if known is not None:
                style, sku = known
                described = {"name": style.name, "size": sku.size, "colour": sku.colour, "style_id": style.id}
            items.append(
                RoomItemPublic(
                    epc=item.epc, gtin=item.gtin, since=item.since, confidence=item.confidence, **described
                )
            )
    return RoomPublic(
        id=room.id,
        name=room.name,
        kind=room.kind.value,
        covered=presence.covered if presence is not None else True,
        shoppers=len(presence.shoppers) if presence is not None else 0,
        items=items,
    )


# Handlers are ``async``: they read the presence engine on the event loop thread, where it is updated,
# never from the thread pool.
@router.get("", response_model=list[RoomPublic])
async def list_rooms(service: ServiceDep) -> list[RoomPublic]:
    """Every room of the layout, in layout order."""
    snapshot = service.engine.snapshot()
    return [room_public(room, snapshot.get(room.id), service.catalog) for room in service.layout.rooms]


@router.get("/{room_id}", response_model=RoomPublic, responses={404: {"description": "No such room"}})
async def get_room(room_id: str, service: ServiceDep) -> RoomPublic:
    """One room; 404 with a message for a room the layout does not have."""
    room = service.layout.room(room_id)
    if room is None:
        raise NotFound(f"no room {room_id!r} in store {service.layout.store.id}")
    return room_public(room, service.engine.snapshot().get(room_id), service.catalog)
