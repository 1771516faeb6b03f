"""The chain's fitting-room figures (issue 19), kept as facts at ingest: one row per fitting-room session
and per garment (GTIN) of a session, taken from the ``session_ended`` events the edges sync, in the ingest
transaction (an order cancelled after its session ended comes as ``session_revised``: what the session
ordered to ship home now, which replaces what ``session_ended`` said); the work's facts (tasks, queue,
reservations, offers) are ``cloud_sync.central.work_facts``. ``cloud_sync.central.kpis`` answers the head
office's questions with SQL aggregates over them.

Why facts rather than the event log: the figures are plain typed columns behind range indexes (a store's
90 days answer in well under a second), and they hold no member id, so an erasure, which blanks the
member's events, leaves the chain's counts as they were. Events whose payload is not a fitting-room
session or a claim (an older edge, another producer) add no figure; they are stored as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Index
from sqlmodel import Field as Column
from sqlmodel import Session, col, select

from cloud_sync.central.models import CentralModel, SyncEvent
from cloud_sync.central.sql import insert_for
from cloud_sync.central.work_facts import TASK_EVENTS, record_work
from cloud_sync.wire import WireEvent

__all__ = ["FACT_EVENTS", "FigureSession", "FigureSku", "FigureTask", "rebuild_figures", "record_figures"]

# The events that carry facts: sessions (their offers, their store's zone), tasks, tickets, reservations.
FACT_EVENTS = ("session_ended", "session_revised", *TASK_EVENTS, "queue_ticket", "reservation_status")


class FigureSession(CentralModel, table=True):
    """One ended fitting-room session of a store, as its ``session_ended`` event described it."""

    __tablename__ = "figure_session"
    __table_args__ = (
        Index("ix_figure_session_store_started", "store_id", "started_at"),
        Index("ix_figure_session_started", "started_at"),
    )

    store_id: str = Column(primary_key=True, max_length=64)
    session_id: str = Column(primary_key=True, max_length=64)
    room_id: str | None = Column(default=None, max_length=64)
    started_at: float
    ended_at: float
    items_tried: int = Column(description="garments seen in the room (one per tag)")
    items_bought: int = Column(description="purchase lines")
    purchases: int = Column(description="purchases made at the mirror")
    go_back_items: int = Column(description="garments left in the room at the end")


class FigureSku(CentralModel, table=True):
    """One GTIN in one session: tags of it seen, lines of it bought, and size/colour requests for it."""

    __tablename__ = "figure_sku"
    __table_args__ = (
        Index("ix_figure_sku_store_started", "store_id", "started_at"),
        Index("ix_figure_sku_started", "started_at"),
    )

    store_id: str = Column(primary_key=True, max_length=64)
    session_id: str = Column(primary_key=True, max_length=64)
    gtin: str = Column(primary_key=True, max_length=14)
    started_at: float = Column(description="the session's start: the figures' date range filters on it")
    tried: int
    bought: int
    requested: int
    wanted_unbought: int = Column(description="requests for it in a session that bought none of it")
    requested_sold_out: int = Column(
        default=0, description="1 when the session asked for it while sold out here, or ordered it shipped"
    )
    ordered_ship_home: int = Column(default=0, description="items of it ordered from the mirror to ship home")


class FigureTask(CentralModel, table=True):
    """An associate task's times: created (request, bag, go-back, help call), claimed, completed (None:
    not yet), and for a go-back the garments left. Kept by ``cloud_sync.central.work_facts``."""

    __tablename__ = "figure_task"
    __table_args__ = (
        Index("ix_figure_task_store_created", "store_id", "created_at"),
        Index("ix_figure_task_created", "created_at"),
    )

    store_id: str = Column(primary_key=True, max_length=64)
    task_id: int = Column(primary_key=True)
    kind: str = Column(max_length=16)
    room_id: str | None = Column(default=None, max_length=64)
    created_at: float
    claimed_at: float | None = None
    completed_at: float | None = None
    items: int | None = Column(default=None, description="a go-back's garments")


# -- what the events must say for a figure (extra fields ignored; anything else: no figure) --------------


_M = TypeVar("_M", bound=BaseModel)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class _Item(_Loose):
    gtin: str | None = Field(default=None, max_length=14)


class _Purchase(_Loose):
    gtins: list[str | None] = Field(default_factory=list)


class _SessionEnded(_Loose):
    session_id: str = Field(min_length=1, max_length=64)
    room_id: str | None = Field(default=None, max_length=64)
    started_at: float
    ended_at: float
    items: list[_Item] = Field(default_factory=list)
    requested_gtins: list[str | None] = Field(default_factory=list)
    purchases: list[_Purchase] = Field(default_factory=list)
    go_backs: list[Any] = Field(default_factory=list)
    sold_out_gtins: list[str | None] = Field(default_factory=list)
    shipped_gtins: list[str | None] = Field(default_factory=list)


class _SessionRevised(_Loose):
    session_id: str = Field(min_length=1, max_length=64)
    shipped_gtins: list[str | None]


def _parse(model: type[_M], payload: dict[str, Any]) -> _M | None:
    try:
        return model.model_validate(payload)
    except ValidationError:
        return None


def session_rows(store_id: str, s: _SessionEnded) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The session's row and its per-GTIN rows, counted as the edge's own figures count them."""
    tried = Counter(i.gtin for i in s.items if i.gtin)
    bought = Counter(g for p in s.purchases for g in p.gtins if g)
    requested = Counter(g for g in s.requested_gtins if g)
    shipped = Counter(g for g in s.shipped_gtins if g)
    lost = {g for g in s.sold_out_gtins if g} | set(shipped)
    session = {
        "store_id": store_id,
        "session_id": s.session_id,
        "room_id": s.room_id,
        "started_at": s.started_at,
        "ended_at": s.ended_at,
        "items_tried": len(s.items),
        "items_bought": sum(len(p.gtins) for p in s.purchases),
        "purchases": len(s.purchases),
        "go_back_items": len(s.go_backs),
    }
    skus = [
        {
            "store_id": store_id,
            "session_id": s.session_id,
            "gtin": gtin,
            "started_at": s.started_at,
            "tried": tried[gtin],
            "bought": bought[gtin],
            "requested": requested[gtin],
            "wanted_unbought": requested[gtin] if not bought[gtin] else 0,
            "requested_sold_out": int(gtin in lost),
            "ordered_ship_home": shipped[gtin],
        }
        for gtin in sorted(set(tried) | set(bought) | set(requested) | lost)
    ]
    return session, skus


def record_figures(session: Session, events: Sequence[WireEvent]) -> None:
    """Add the facts of newly stored events (the caller passes only those, so a resent batch adds nothing;
    the primary keys make sure of it)."""
    sessions: list[dict[str, Any]] = []
    skus: list[dict[str, Any]] = []
    for ev in events:
        if ev.type == "session_ended":
            ended = _parse(_SessionEnded, ev.payload)
            if ended is not None and ended.ended_at >= ended.started_at:
                row, rows = session_rows(ev.store_id, ended)
                sessions.append(row)
                skus.extend(rows)
    for name, rows in (("figure_session", sessions), ("figure_sku", skus)):
        if rows:
            stmt = insert_for(session, CentralModel.metadata.tables[name]).on_conflict_do_nothing()
            session.connection().execute(stmt, rows)
    for ev in events:  # after the sessions they revise, which may have come in the same batch
        revised = _parse(_SessionRevised, ev.payload) if ev.type == "session_revised" else None
        if revised is not None:
            _revise(session, ev.store_id, revised)
    record_work(session, events)  # tasks, queue, reservations, offers, the store's zone


def _revise(session: Session, store_id: str, revised: _SessionRevised) -> None:
    """An order of an ended session was cancelled: each GTIN's ship-home count becomes what the session
    ordered now (setting, not subtracting: a revision counted again, or a rebuild, changes nothing)."""
    shipped = Counter(g for g in revised.shipped_gtins if g)
    rows = session.exec(
        select(FigureSku).where(FigureSku.store_id == store_id, FigureSku.session_id == revised.session_id)
    ).all()
    for row in rows:
        if row.ordered_ship_home != shipped[row.gtin]:
            row.ordered_ship_home = shipped[row.gtin]
            session.add(row)


def rebuild_figures(session: Session, *, batch: int = 5000) -> int:
    """Add the facts of every stored event that has any (``FACT_EVENTS``; those stored before migrations
    0019 and 0022 included; facts already there stay as they are). Events blanked by an erasure carry
    nothing left to count. Commits per batch; returns how many events were read."""
    read, after = 0, 0
    while True:
        rows = session.exec(
            select(SyncEvent)
            .where(col(SyncEvent.type).in_(FACT_EVENTS), col(SyncEvent.id) > after)
            .order_by(col(SyncEvent.id))
            .limit(batch)
        ).all()
        if not rows:
            return read
        events = [
            WireEvent(
                event_id=r.event_id,
                type=r.type,
                store_id=r.store_id,
                created_at=r.created_at,
                payload=r.payload,
            )
            for r in rows
        ]
        record_figures(session, events)
        session.commit()
        read += len(rows)
        after = rows[-1].id or after
