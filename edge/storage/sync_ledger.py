"""The tables cloud sync keeps in the edge database (its ledger): counters and pull cursors, erased
members, the last catalog pulled. Defined here, beside the other edge tables, so that the edge's
migrations own them; ``cloud_sync.ledger`` reads and writes them."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

__all__ = ["CatalogSnapshot", "ErasedMember", "SyncState"]


class SyncState(SQLModel, table=True):
    """Named counters and cursors of the sync worker (``number``), with a time where one applies."""

    __tablename__ = "sync_state"

    key: str = Field(primary_key=True, max_length=64)
    number: int = 0
    at: float | None = None


class ErasedMember(SQLModel, table=True):
    """Members erased centrally. Kept so that events naming them, written after the erasure reached this
    edge, are dropped before they are sent."""

    __tablename__ = "sync_erased_member"

    member_id: str = Field(primary_key=True, max_length=128)
    erased_at: float


class CatalogSnapshot(SQLModel, table=True):
    """The last catalog built from central pulls (one row), so a restart without the centre has it."""

    __tablename__ = "sync_catalog_snapshot"

    id: int = Field(default=1, primary_key=True)
    body: str
    saved_at: float
