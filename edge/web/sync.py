"""``GET /api/sync/status``: what cloud sync says of itself (the ``SyncStatusSource`` port)."""

from __future__ import annotations

import asyncio
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request

from edge.ports import SyncStatus, SyncStatusSource

__all__ = ["router"]

router = APIRouter(tags=["sync"])


def _source(request: Request) -> SyncStatusSource:
    return cast(SyncStatusSource, request.app.state.sync_status)


StatusSource = Annotated[SyncStatusSource, Depends(_source)]


@router.get("/api/sync/status", response_model=SyncStatus)
async def sync_status(source: StatusSource) -> SyncStatus:
    """Outbox backlog, its oldest event's age, events ever acknowledged (``sent_total``, persisted),
    ``last_success`` (Unix time of the last acknowledgement), and the worker's live state."""
    return await asyncio.to_thread(source.sync_status)
