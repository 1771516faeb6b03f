"""The central store's tables. They live in their own metadata, apart from the edge's ``SQLModel.metadata``,
so neither schema's migrations ever see the other's tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

__all__ = [
    "Beacon",
    "CatalogSku",
    "CatalogStyle",
    "CentralModel",
    "ChangeCounter",
    "CoPurchase",
    "Erasure",
    "FittingSessionRecord",
    "FollowUpEmail",
    "OnlineStock",
    "Profile",
    "ProfilePurchase",
    "Reservation",
    "Store",
    "StoreStock",
    "SyncEvent",
    "UnboughtItem",
]


class CentralModel(SQLModel, registry=registry()):
    """Base of every central table (own registry and metadata)."""


def _json(default: Any) -> Any:
    return Field(default_factory=lambda: type(default)(), sa_column=Column(JSON, nullable=False))


class Store(CentralModel, table=True):
    __tablename__ = "store"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    # sha256 of the key: keys are 256-bit random, so a fast hash is enough and lookups stay indexed.
    key_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: float


class Profile(CentralModel, table=True):
    """A unified customer profile. Sizes, colours and brands are kept as counts; favourites are derived."""

    __tablename__ = "profile"

    member_id: str = Field(primary_key=True, max_length=128)
    first_name: str | None = Field(default=None, max_length=64, description="For greeting; from enrolment")
    email: str | None = Field(default=None, max_length=320, description="Only ever set with consent")
    email_consent_at: float | None = None
    language: str | None = Field(default=None, max_length=16)
    size_counts: dict[str, dict[str, int]] = _json({})
    colour_counts: dict[str, int] = _json({})
    brand_counts: dict[str, int] = _json({})
    created_at: float
    updated_at: float


class ProfilePurchase(CentralModel, table=True):
    __tablename__ = "profile_purchase"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    member_id: str = Field(index=True, max_length=128)
    event_id: str | None = Field(default=None, max_length=64)
    channel: str = Field(max_length=32, description="'store' or 'online'")
    store_id: str | None = Field(default=None, max_length=64)
    gtin: str = Field(max_length=14)
    style_id: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    size: str | None = Field(default=None, max_length=32)
    colour: str | None = Field(default=None, max_length=64)
    price_cents: int | None = None
    currency: str | None = Field(default=None, max_length=3)
    purchased_at: float


class FittingSessionRecord(CentralModel, table=True):
    __tablename__ = "profile_session"

    id: int | None = Field(default=None, primary_key=True)
    member_id: str = Field(index=True, max_length=128)
    event_id: str = Field(max_length=64)
    store_id: str = Field(max_length=64)
    room: str | None = Field(default=None, max_length=64)
    started_at: float | None = None
    ended_at: float | None = None
    tried: list[str] = _json([])
    purchased: list[str] = _json([])


class UnboughtItem(CentralModel, table=True):
    """A size/colour the shopper tried or asked about and did not buy."""

    __tablename__ = "profile_unbought"
    __table_args__ = (UniqueConstraint("member_id", "gtin", name="uq_unbought_member_gtin"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: str = Field(index=True, max_length=128)
    gtin: str = Field(max_length=14)
    style_id: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    size: str | None = Field(default=None, max_length=32)
    colour: str | None = Field(default=None, max_length=64)
    store_id: str | None = Field(default=None, max_length=64)
    added_at: float


class SyncEvent(CentralModel, table=True):
    """Every event an edge sent, once: ``(store_id, event_id)`` is unique, so a retried batch never
    duplicates, and no store can claim (or shadow) another store's event ids."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("store_id", "event_id", name="uq_event_store_event"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    event_id: str = Field(max_length=64)
    store_id: str = Field(max_length=64)
    type: str = Field(index=True, max_length=64)
    member_id: str | None = Field(default=None, index=True, max_length=128)
    created_at: float
    received_at: float
    payload: dict[str, Any] = _json({})


class ChangeCounter(CentralModel, table=True):
    """Monotonic version source for incremental pulls. Bumping it row-locks until commit, so versions
    become visible in order and a cursor never skips a change."""

    __tablename__ = "change_counter"

    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class CatalogStyle(CentralModel, table=True):
    __tablename__ = "catalog_style"

    id: str = Field(primary_key=True, max_length=64)
    body: dict[str, Any] = _json({})
    version: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class CatalogSku(CentralModel, table=True):
    """GTIN index over the styles, kept in step with ``catalog_style`` so events can be named and priced."""

    __tablename__ = "catalog_sku"

    gtin: str = Field(primary_key=True, max_length=14)
    style_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=200)
    brand: str = Field(max_length=120)
    category: str = Field(max_length=32)
    size: str = Field(max_length=32)
    colour: str = Field(max_length=64)
    price_cents: int
    currency: str = Field(max_length=3)


class CoPurchase(CentralModel, table=True):
    __tablename__ = "co_purchase"

    style_a: str = Field(primary_key=True, max_length=64)
    style_b: str = Field(primary_key=True, max_length=64)
    count: int
    version: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class StoreStock(CentralModel, table=True):
    __tablename__ = "store_stock"

    store_id: str = Field(primary_key=True, max_length=64)
    gtin: str = Field(primary_key=True, max_length=14)
    floor: int = 0
    stockroom: int = 0
    version: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class OnlineStock(CentralModel, table=True):
    __tablename__ = "online_stock"

    gtin: str = Field(primary_key=True, max_length=14)
    online: int = 0
    version: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class Beacon(CentralModel, table=True):
    """An opted-in shopper's iBeacon code (docs/formats.md §5): uuid (lower-case, hyphenated), major,
    minor."""

    __tablename__ = "beacon"

    uuid: str = Field(primary_key=True, max_length=36)
    major: int = Field(primary_key=True)
    minor: int = Field(primary_key=True)
    member_id: str = Field(index=True, max_length=128)
    issued_at: float


class Erasure(CentralModel, table=True):
    """The erasure feed edges poll. It keeps only the pseudonymous member id, which every edge needs to
    drop its copy, and which lets the centre refuse late events about that person."""

    __tablename__ = "erasure"

    seq: int | None = Field(default=None, primary_key=True)
    member_id: str = Field(unique=True, max_length=128)
    erased_at: float


class FollowUpEmail(CentralModel, table=True):
    """The "sizes and colours you didn't buy" email, queued in the ingest transaction, sent by the mailer."""

    __tablename__ = "follow_up_email"
    __table_args__ = (UniqueConstraint("store_id", "event_id", name="uq_email_store_event"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64)
    member_id: str = Field(index=True, max_length=128)
    store_id: str = Field(max_length=64)
    language: str | None = Field(default=None, max_length=16)
    items: list[dict[str, Any]] = _json([])
    status: str = Field(default="pending", index=True, max_length=16)  # pending | sending | sent | failed
    attempts: int = 0
    next_attempt_at: float = 0.0
    sent_at: float | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: float


class Reservation(CentralModel, table=True):
    """Garments a member reserved to try at a store; the edge reports its status back."""

    __tablename__ = "reservation"

    id: str = Field(primary_key=True, max_length=32)
    member_id: str = Field(index=True, max_length=128)
    store_id: str = Field(index=True, max_length=64)
    gtins: list[str] = _json([])
    arrive_from: float
    arrive_until: float
    note: str | None = Field(default=None, max_length=500)
    status: str = Field(max_length=16)
    room_id: str | None = Field(default=None, max_length=64)
    updated_at: float
