"""``GET /api/sync/status``: what cloud sync says of itself (the ``SyncStatusSource`` port)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from edge.ports import SyncStatus
from edge.web.deps import SyncStatusDep

__all__ = ["router"]

router = APIRouter(tags=["sync"])


@router.get("/api/sync/status", response_model=SyncStatus)
async def sync_status(source: SyncStatusDep) -> SyncStatus:
    """Outbox backlog, its oldest event's age, events ever acknowledged (``sent_total``, persisted),
    ``last_success`` (Unix time of the last acknowledgement), and the worker's live state."""
    return await asyncio.to_thread(source.sync_status)
