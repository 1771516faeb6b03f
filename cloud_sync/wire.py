"""The JSON shapes exchanged between an edge and the central store (``/v1``). Both sides import these,
so a field renamed here is renamed for both; add fields, never repurpose them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from guests import guest_member_id  # the pseudonym of an email-only shopper: one definition, both sides

__all__ = [
    "EVENT_TYPES",
    "CatalogPage",
    "ErasurePage",
    "ErasureRecord",
    "IngestAck",
    "ProfileItem",
    "ProfilePurchaseOut",
    "Rejection",
    "ShopperProfile",
    "StockPage",
    "StockRow",
    "StoreReservation",
    "WireEvent",
    "guest_member_id",
]

# The event types the edge's outbox produces. Others are stored and counted, not projected onto profiles,
# so an edge newer than its centre never blocks on an unknown type.
EVENT_TYPES = ("session_ended", "purchase", "size_request", "go_back", "email_opt_in")


class WireEvent(BaseModel):
    """One outbox row as sent. ``event_id`` is the idempotency key."""

    model_config = ConfigDict(extra="ignore")

    event_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    type: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    store_id: str = Field(min_length=1, max_length=64)
    created_at: float
    member_id: str | None = Field(default=None, min_length=1, max_length=128)
    payload: dict[str, Any] = Field(default_factory=dict)


class Rejection(BaseModel):
    event_id: str | None
    error: str


class IngestAck(BaseModel):
    """Every id in ``acked`` is safely stored (or was already, or was discarded by an erasure): the edge may
    mark it sent. ``rejected`` events are invalid and will never be accepted as they are."""

    acked: list[str]
    accepted: int = Field(description="newly stored")
    duplicates: int = Field(description="already stored by an earlier (retried) batch")
    discarded: int = Field(default=0, description="name an erased member: acknowledged, not stored")
    rejected: list[Rejection] = Field(default_factory=list)
    dead_lettered: int = Field(
        default=0, description="could not be stored (kept at the centre with the reason): acknowledged"
    )


class CatalogPage(BaseModel):
    """Styles and co-purchase pairs changed after ``since``; pull again from ``version`` while ``more``."""

    styles: list[dict[str, Any]]
    co_purchases: list[tuple[str, str, int]]
    version: int
    more: bool


class StockRow(BaseModel):
    gtin: str
    floor: int = 0
    stockroom: int = 0
    online: int = 0


class StockPage(BaseModel):
    stock: list[StockRow]
    version: int
    more: bool


class ErasureRecord(BaseModel):
    seq: int
    member_id: str


class ErasurePage(BaseModel):
    erasures: list[ErasureRecord]
    cursor: int


class ProfileItem(BaseModel):
    gtin: str
    style_id: str | None = None
    name: str | None = None
    size: str | None = None
    colour: str | None = None


class ProfilePurchaseOut(ProfileItem):
    channel: str
    store_id: str | None = None
    price_cents: int | None = None
    purchased_at: float


class ShopperProfile(BaseModel):
    """What an edge gets for a shopper whose beacon it saw. No email address: the edge never needs it."""

    member_id: str
    first_name: str | None = None
    language: str | None = None
    preferred_sizes: dict[str, str] = Field(default_factory=dict, description="category -> size")
    favourite_colours: list[str] = Field(default_factory=list)
    favourite_brands: list[str] = Field(default_factory=list)
    purchases: list[ProfilePurchaseOut] = Field(default_factory=list, description="newest first, any channel")
    sessions: int = Field(default=0, description="fitting-room sessions on record")
    unbought: list[ProfileItem] = Field(default_factory=list)
    has_email_consent: bool = False
    last_visit_at: float | None = Field(
        default=None, description="when the shopper's last fitting-room session at the asking store ended"
    )


class StoreReservation(BaseModel):
    """A reservation to try, as a store's edge pulls it (``GET /v1/stores/{id}/reservations``)."""

    id: str
    member_id: str
    member_first_name: str | None = None
    gtins: list[str]
    arrive_from: float
    arrive_until: float
    note: str | None = None
    status: str
    room_id: str | None = None
