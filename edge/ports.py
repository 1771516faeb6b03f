"""Where plug-ins meet the edge: the small protocols (and the data they carry) that the edge's parts
depend on instead of on whoever implements them. The composition root (``edge.compose``) hands each
part its implementations; nothing else in the edge imports a plug-in.

- ``ProfileLookup``: known shoppers' profiles by phone (cloud sync's profile directory, empty while no
  central store is configured).
- ``SyncStatusSource``: what ``GET /api/sync/status`` answers (``SyncStatus``; cloud sync's worker and
  ledger).
- ``ReplaceableCatalog``: the catalog in use now, which a plug-in may replace while the edge runs (cloud
  sync's catalog pulls).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field

from edge.catalog.model import Catalog
from edge.suggest.profile import ShopperProfile

__all__ = [
    "ProfileLookup",
    "ReplaceableCatalog",
    "SyncStatus",
    "SyncStatusSource",
    "WorkerState",
]


class ProfileLookup(Protocol):
    def profile_for_device(self, device: str) -> ShopperProfile | None:
        """The profile of the shopper whose phone is ``device`` (a presence device id), if known."""
        ...


class ReplaceableCatalog(Protocol):
    def current(self) -> Catalog:
        """The catalog to use now; cheap (callers call it per request)."""
        ...

    def replace(self, catalog: Catalog) -> None:
        """Use ``catalog`` from now on (readers see the old one or the new one, never a mix)."""
        ...


class WorkerState(StrEnum):
    """What the sync worker is doing now."""

    STARTING = "starting"  # built, its first batch not tried yet
    IDLE = "idle"  # the outbox is drained; waiting for new events
    SENDING = "sending"  # a batch is on its way to the central store
    RETRYING = "retrying"  # waiting out an unreachable or refusing central store (see last_error)
    DISABLED = "disabled"  # no central store configured: nothing is sent


class SyncStatus(BaseModel):
    """The outbox backlog and what the central store acknowledged (from the ledger, so it survives
    restarts), and the worker's live state. Worker-only fields are null while sync is disabled."""

    enabled: bool = Field(description="True when FITROOM_CENTRAL_URL and FITROOM_STORE_KEY are set")
    state: WorkerState
    central_url: str | None = Field(description="The central store's base URL; null while disabled")
    last_error: str | None = Field(description="Why the last attempt failed (an error class or HTTP status)")
    backlog: int = Field(description="Outbox events not acknowledged yet")
    oldest_age_s: float = Field(description="Age of the oldest of them, seconds (0 without a backlog)")
    sent_total: int = Field(description="Events the central store ever acknowledged (persisted)")
    rejected_total: int = Field(description="Events the central store refused as invalid (persisted)")
    last_success: float | None = Field(description="Unix time of the last acknowledgement; null: never")
    last_success_age_s: float | None = Field(description="Seconds since then; null: never")
    catalog_version: int = Field(description="Version of the last catalog pulled from the central store")
    stock_version: int = Field(description="Version of the last stock pulled")
    erasure_cursor: int = Field(description="Position in the central store's erasure feed")
    retry_in_s: float | None = Field(default=None, description="Seconds to the next attempt while retrying")
    batch_size: int | None = Field(default=None, description="Events per batch now (halved on HTTP 413)")
    last_pull: float | None = Field(default=None, description="Unix time of the last catalog and stock pull")
    profiles_cached: int | None = Field(default=None, description="Shopper profiles held in memory")


class SyncStatusSource(Protocol):
    def sync_status(self) -> SyncStatus:
        """Blocking (reads the database): the sync worker's state and the ledger's counts now."""
        ...
