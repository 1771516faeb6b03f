"""What ``GET /api/sync/status`` says: the sync worker's state and the ledger's counts."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

__all__ = ["SyncStatus", "WorkerState"]


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
