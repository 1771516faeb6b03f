"""Idempotent batch ingest of edge events.

One statement inserts the whole batch with ``ON CONFLICT (store_id, event_id) DO NOTHING RETURNING``: the
ids it returns are the new ones, and only those are projected onto profiles. A retried batch, or one
resent after an edge crashed before recording the acknowledgement, therefore changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, col, select

from cloud_sync.central.counts import count_stored
from cloud_sync.central.dead_letters import dead_letter
from cloud_sync.central.figures import record_figures
from cloud_sync.central.models import Erasure, SyncEvent
from cloud_sync.central.offers import accept_offer_events
from cloud_sync.central.orders import accept_orders
from cloud_sync.central.profiles import Projection, effective_member, project_event
from cloud_sync.central.reservations import apply_statuses
from cloud_sync.central.sql import insert_for
from cloud_sync.wire import IngestAck, Rejection, WireEvent

__all__ = ["POISON", "ForeignStoreEvent", "ingest_batch", "ingest_one_by_one"]

# What one bad event can make the database or a projection raise. A lost connection or a lock timeout
# (OperationalError) is not the event's fault: the batch fails and the edge sends it again.
POISON: tuple[type[Exception], ...] = (
    DataError,
    IntegrityError,
    ValueError,
    TypeError,
    KeyError,
    OverflowError,
)


class ForeignStoreEvent(Exception):
    """A batch carried an event of another store than the key's: nothing of it is stored."""


def _brief(err: ValidationError) -> str:
    # Field paths and messages only: the offending input may hold personal data and must not echo back.
    parts = (f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}" for e in err.errors())
    return "; ".join(parts)[:300]


def _validate(raw: list[Any]) -> tuple[list[WireEvent], list[Rejection]]:
    valid: list[WireEvent] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    for item in raw:
        try:
            ev = WireEvent.model_validate(item)
        except ValidationError as err:
            eid = item.get("event_id") if isinstance(item, dict) else None
            rejected.append(Rejection(event_id=eid if isinstance(eid, str) else None, error=_brief(err)))
            continue
        if ev.event_id not in seen:  # the same id twice in one batch is one event
            seen.add(ev.event_id)
            valid.append(ev)
    return valid, rejected


def ingest_batch(session: Session, *, store_id: str, raw_events: list[Any], now: float) -> IngestAck:
    """Store the batch's new events and project them; the caller commits. Raises ForeignStoreEvent if
    any event names another store."""
    valid, rejected = _validate(raw_events)
    if any(ev.store_id != store_id for ev in valid):
        raise ForeignStoreEvent(store_id)
    members = {ev.event_id: effective_member(ev) for ev in valid}
    named = {m for m in members.values() if m}
    erased = (
        set(session.exec(select(Erasure.member_id).where(col(Erasure.member_id).in_(named))).all())
        if named
        else set()
    )
    keep = [ev for ev in valid if members[ev.event_id] not in erased]
    new: set[str] = set()
    if keep:
        rows = [
            {
                "event_id": ev.event_id,
                "store_id": ev.store_id,
                "type": ev.type,
                # the effective member (a guest id for an anonymous opt-in), so erasure finds every event
                "member_id": members[ev.event_id],
                "created_at": ev.created_at,
                "received_at": now,
                "payload": ev.payload,
            }
            for ev in keep
        ]
        new = _store_new(session, rows)
        fresh = [ev for ev in keep if ev.event_id in new]
        accept_orders(session, fresh, now)  # online stock, the e-commerce webhook
        accept_offer_events(session, fresh, now)  # the member app's webhook, presented/redeemed
        apply_statuses(session, fresh, store_id=store_id)  # reservations' statuses from the store
        record_figures(session, fresh)  # the chain's fitting-room figures (no member id)
        count_stored(session, ((ev.store_id, ev.type) for ev in fresh))  # /v1/admin/stats
    to_project = [ev for ev in keep if ev.event_id in new and members[ev.event_id]]
    if to_project:
        named_members = {m for e in to_project if (m := members[e.event_id])}
        ctx = Projection.load(session, to_project, named_members, now)
        with session.no_autoflush:
            for ev in to_project:
                member = members[ev.event_id]
                assert member is not None  # filtered above
                project_event(session, ev, member, ctx, now)
    return IngestAck(
        acked=[ev.event_id for ev in valid],
        accepted=len(new),
        duplicates=len(keep) - len(new),
        discarded=len(valid) - len(keep),
        rejected=rejected,
    )


# PostgreSQL: the whole batch as one JSON parameter of one short statement (parsed once, cached by the
# driver and the server), set-based; a multi-row VALUES list would be a new, long query text per batch.
_PG_INSERT = text(
    "INSERT INTO event (event_id, store_id, type, member_id, created_at, received_at, payload)"
    " SELECT x.event_id, x.store_id, x.type, x.member_id, x.created_at, x.received_at, x.payload"
    " FROM json_to_recordset(CAST(:rows AS json)) AS x(event_id varchar, store_id varchar, type varchar,"
    " member_id varchar, created_at float8, received_at float8, payload json)"
    " ON CONFLICT (store_id, event_id) DO NOTHING RETURNING event_id"
)


def _store_new(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the events not stored yet; returns the ids newly stored."""
    if session.get_bind().dialect.name == "postgresql":
        result = session.connection().execute(_PG_INSERT, {"rows": json.dumps(rows)})
        return set(result.scalars().all())
    table = SyncEvent.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models
    stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=["store_id", "event_id"])
    return set(session.connection().execute(stmt.returning(table.c.event_id), rows).scalars().all())


def ingest_one_by_one(session: Session, *, store_id: str, raw_events: list[Any], now: float) -> IngestAck:
    """After a batch failed as a whole (``POISON``; the caller rolled back): each event on its own, each
    committed; an event that fails alone goes to the dead letters with the reason and is acknowledged, so
    one poison event never holds up its store's backlog."""
    acked: list[str] = []
    accepted = duplicates = discarded = dead = 0
    rejected: list[Rejection] = []
    for raw in raw_events:
        try:
            ack = ingest_batch(session, store_id=store_id, raw_events=[raw], now=now)
            session.commit()
        except POISON as exc:
            session.rollback()
            reason = f"{type(exc).__name__}: {str(getattr(exc, 'orig', exc)).strip().splitlines()[0][:400]}"
            event_id = dead_letter(session, store_id=store_id, raw=raw, reason=reason, now=now)
            session.commit()
            dead += 1
            acked += [event_id] if event_id else []
            continue
        acked += ack.acked
        accepted, duplicates = accepted + ack.accepted, duplicates + ack.duplicates
        discarded += ack.discarded
        rejected += ack.rejected
    return IngestAck(
        acked=acked,
        accepted=accepted,
        duplicates=duplicates,
        discarded=discarded,
        rejected=rejected,
        dead_lettered=dead,
    )
