"""Counts of the events stored, per store and type, kept in the same transaction as the ingest that
stores them: ``GET /v1/admin/stats`` reads these few rows instead of scanning every event. Only events
newly stored add (a resent batch adds nothing); erasure anonymises events and keeps them, so the counts
stay true."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlmodel import Field, Session

from cloud_sync.central.models import CentralModel
from cloud_sync.central.sql import insert_for

__all__ = ["EventCount", "count_stored"]


class EventCount(CentralModel, table=True):
    __tablename__ = "event_count"

    store_id: str = Field(primary_key=True, max_length=64)
    type: str = Field(primary_key=True, max_length=64)
    n: int = Field(default=0)


def count_stored(session: Session, stored: Iterable[tuple[str, str]]) -> None:
    """Add the newly stored events, given as (store_id, type)."""
    counts = Counter(stored)
    if not counts:
        return
    stmt = insert_for(session, EventCount)
    stmt = stmt.on_conflict_do_update(
        index_elements=["store_id", "type"], set_={"n": EventCount.n + stmt.excluded.n}
    )
    rows = [{"store_id": s, "type": t, "n": n} for (s, t), n in sorted(counts.items())]
    session.connection().execute(stmt, rows)
