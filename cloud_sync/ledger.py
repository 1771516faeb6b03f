"""The edge's sync ledger, in the edge database: what was acknowledged, the pull cursors, who was erased.

``sent_total`` is incremented in the same transaction that marks outbox rows sent, so it counts every
event the central store ever acknowledged, exactly once, across restarts. Functions here are blocking;
the worker calls them in a thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select, update

from cloud_sync.wire import guest_member_id
from edge.storage.db import checkpoint_after_erasure
from edge.storage.outbox import OutboxEvent
from edge.storage.sync_ledger import CatalogSnapshot, ErasedMember, SyncState

__all__ = [
    "CatalogSnapshot",
    "ErasedMember",
    "LedgerCounts",
    "SyncState",
    "backlog",
    "counts",
    "forget_member",
    "get_number",
    "mark_sent",
    "next_batch",
    "prune_sent",
    "set_number",
    "to_wire",
]

SENT_TOTAL = "sent_total"
REJECTED_TOTAL = "rejected_total"
LAST_SUCCESS = "last_success"


@dataclass(frozen=True, slots=True)
class LedgerCounts:
    backlog: int
    oldest_created_at: float | None
    sent_total: int
    rejected_total: int
    last_success: float | None


def _state(session: Session, key: str) -> SyncState:
    row = session.get(SyncState, key)
    if row is None:
        row = SyncState(key=key)
        session.add(row)
    return row


def get_number(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        row = session.get(SyncState, key)
        return row.number if row else 0


def set_number(engine: Engine, key: str, value: int, *, at: float | None = None) -> None:
    with Session(engine) as session:
        row = _state(session, key)
        row.number = value
        row.at = at
        session.commit()


def to_wire(row: OutboxEvent) -> dict[str, Any]:
    """An outbox row as the central store's ``WireEvent``."""
    return {
        "event_id": row.event_id,
        "type": row.type,
        "store_id": row.store_id,
        "created_at": row.created_at,
        "member_id": row.member_id,
        "payload": row.body,
    }


def next_batch(engine: Engine, limit: int) -> list[OutboxEvent]:
    """The oldest unacknowledged events, after dropping any that name an erased member. Reads only,
    unless such an event is found: no write lock is taken from the store's writers per batch."""
    with Session(engine, expire_on_commit=False) as session:
        rows = list(
            session.exec(
                select(OutboxEvent)
                .where(col(OutboxEvent.sent_at).is_(None))
                .order_by(col(OutboxEvent.seq))
                .limit(limit)
            ).all()
        )
        named = {r.member_id for r in rows if r.member_id}
        if not named:
            return rows
        erased = set(
            session.exec(select(ErasedMember.member_id).where(col(ErasedMember.member_id).in_(named))).all()
        )
        if erased:
            session.execute(
                delete(OutboxEvent).where(
                    col(OutboxEvent.sent_at).is_(None), col(OutboxEvent.member_id).in_(erased)
                )
            )
            session.commit()
            rows = [r for r in rows if r.member_id not in erased]
        return rows


def mark_sent(engine: Engine, seqs: Sequence[int], *, rejected: Sequence[int] = (), now: float) -> int:
    """Mark acknowledged rows sent and count them, in one transaction; returns how many were newly
    marked (rows already marked, e.g. by a resend after a crash, are not counted twice). Rejected rows
    leave the backlog too (they would never be accepted) and are counted apart."""
    with Session(engine) as session:
        marked = 0
        for chunk in _chunks(seqs, 500):
            result = session.execute(
                update(OutboxEvent)
                .where(col(OutboxEvent.seq).in_(chunk), col(OutboxEvent.sent_at).is_(None))
                .values(sent_at=now)
            )
            marked += int(getattr(result, "rowcount", 0))
        refused = 0
        for chunk in _chunks(rejected, 500):
            result = session.execute(
                update(OutboxEvent)
                .where(col(OutboxEvent.seq).in_(chunk), col(OutboxEvent.sent_at).is_(None))
                .values(sent_at=now)
            )
            refused += int(getattr(result, "rowcount", 0))
        total = _state(session, SENT_TOTAL)
        total.number += marked
        if refused:
            _state(session, REJECTED_TOTAL).number += refused
        last = _state(session, LAST_SUCCESS)
        last.at = now
        session.commit()
        return marked


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def prune_sent(engine: Engine, *, sent_before: float) -> int:
    """Delete outbox rows acknowledged before ``sent_before`` (``sent_total`` keeps counting them);
    returns rows deleted. The store keeps no copy of shoppers' events longer than it must."""
    with Session(engine) as session:
        result = session.execute(
            delete(OutboxEvent).where(
                col(OutboxEvent.sent_at).is_not(None), col(OutboxEvent.sent_at) < sent_before
            )
        )
        session.commit()
        return int(getattr(result, "rowcount", 0))


def backlog(engine: Engine) -> tuple[int, float | None]:
    """(events not yet acknowledged, creation time of the oldest of them)."""
    with Session(engine) as session:
        n, oldest = session.execute(
            select(func.count(), func.min(OutboxEvent.created_at)).where(col(OutboxEvent.sent_at).is_(None))
        ).one()
        return int(n), (float(oldest) if oldest is not None else None)


def counts(engine: Engine) -> LedgerCounts:
    with Session(engine) as session:
        n, oldest = session.execute(
            select(func.count(), func.min(OutboxEvent.created_at)).where(col(OutboxEvent.sent_at).is_(None))
        ).one()
        states = {
            s.key: s
            for s in session.exec(
                select(SyncState).where(col(SyncState.key).in_([SENT_TOTAL, REJECTED_TOTAL, LAST_SUCCESS]))
            ).all()
        }
    last = states.get(LAST_SUCCESS)
    return LedgerCounts(
        backlog=int(n),
        oldest_created_at=float(oldest) if oldest is not None else None,
        sent_total=states[SENT_TOTAL].number if SENT_TOTAL in states else 0,
        rejected_total=states[REJECTED_TOTAL].number if REJECTED_TOTAL in states else 0,
        last_success=last.at if last else None,
    )


def forget_member(engine: Engine, member_id: str, *, now: float) -> int:
    """Erasure at the edge: remember the member as erased and delete every outbox row naming them (sent
    or not), including the email opt-ins of an email-only shopper (a ``guest-`` id); returns rows deleted."""
    with Session(engine) as session:
        if session.get(ErasedMember, member_id) is None:
            session.add(ErasedMember(member_id=member_id, erased_at=now))
        result = session.execute(delete(OutboxEvent).where(col(OutboxEvent.member_id) == member_id))
        deleted = int(getattr(result, "rowcount", 0))
        if member_id.startswith("guest-"):
            opt_ins = session.exec(
                select(OutboxEvent).where(
                    OutboxEvent.type == "email_opt_in", col(OutboxEvent.member_id).is_(None)
                )
            ).all()
            for row in opt_ins:
                email = row.body.get("email")
                if isinstance(email, str) and guest_member_id(email) == member_id:
                    session.delete(row)
                    deleted += 1
        session.commit()
    checkpoint_after_erasure(engine)  # the WAL still holds the rows as they were
    return deleted
