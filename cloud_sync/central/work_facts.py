"""Head office's facts for the store's work figures (issue 19), kept at ingest beside
``cloud_sync.central.figures``: each store's time zone, fitting rooms and request target (as its
``session_ended`` events carry them); every task's times (``task_opened``, ``size_request``, ``purchase``
(its bag), ``go_back``, ``task_claimed`` and ``task_completed``, merged into one ``figure_task`` row);
walk-in tickets (``queue_ticket``); reservations' statuses (``reservation_status``); and the offers a
session's mirror showed and redeemed (``session_ended``). ``cloud_sync.central.work`` draws the figures from
them with the edge's own tallies (``charts.tallies``). No member id, name or associate is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Index, func
from sqlmodel import Field as Column
from sqlmodel import Session

from cloud_sync.central.models import CentralModel
from cloud_sync.central.sql import insert_for
from cloud_sync.wire import WireEvent

__all__ = ["TASK_EVENTS", "FigureOffer", "FigureQueue", "FigureReservation", "FigureStore", "record_work"]


class FigureStore(CentralModel, table=True):
    """A store's time zone, fitting rooms and request target, as its latest sessions described them."""

    __tablename__ = "figure_store"

    store_id: str = Column(primary_key=True, max_length=64)
    timezone: str = Column(max_length=64)
    fitting_rooms: int
    request_target_s: float
    described_at: float


class FigureQueue(CentralModel, table=True):
    """A walk-in ticket: when it was taken and when it was called to a room (None: still waiting)."""

    __tablename__ = "figure_queue"
    __table_args__ = (Index("ix_figure_queue_store_joined", "store_id", "joined_at"),)

    store_id: str = Column(primary_key=True, max_length=64)
    ticket_id: int = Column(primary_key=True)
    joined_at: float
    called_at: float | None = None


class FigureReservation(CentralModel, table=True):
    """A status a reservation to try reached in a store (the store's status log)."""

    __tablename__ = "figure_reservation"
    __table_args__ = (Index("ix_figure_reservation_store_at", "store_id", "at"),)

    store_id: str = Column(primary_key=True, max_length=64)
    event_id: str = Column(primary_key=True, max_length=64)
    reservation_id: str = Column(max_length=64)
    status: str = Column(max_length=16)
    at: float


class FigureOffer(CentralModel, table=True):
    """An offer in a session: shown on its mirror (``presented`` 0/1) and offered items bought."""

    __tablename__ = "figure_offer"
    __table_args__ = (Index("ix_figure_offer_store_started", "store_id", "started_at"),)

    store_id: str = Column(primary_key=True, max_length=64)
    session_id: str = Column(primary_key=True, max_length=64)
    offer_id: str = Column(primary_key=True, max_length=64)
    started_at: float
    presented: int
    redeemed: int


_M = TypeVar("_M", bound=BaseModel)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class _Described(_Loose):
    timezone: str = Field(min_length=1, max_length=64)
    fitting_rooms: int = Field(ge=0)
    request_target_s: float = Field(gt=0)


class _Task(_Loose):
    task_id: int
    kind: str = Field(default="size_request", min_length=1, max_length=16)
    room_id: str | None = Field(default=None, max_length=64)
    created_at: float
    claimed_at: float | None = None
    completed_at: float | None = None
    items: list[Any] | int | None = None


class _Ticket(_Loose):
    ticket_id: int
    joined_at: float
    called_at: float | None = None


class _Status(_Loose):
    reservation_id: str = Field(min_length=1, max_length=64)
    status: str = Field(min_length=1, max_length=16)


class _Offers(_Loose):
    session_id: str = Field(min_length=1, max_length=64)
    started_at: float
    offers_presented: list[str] = Field(default_factory=list)
    offers_redeemed: list[str] = Field(default_factory=list)


TASK_EVENTS = {
    "purchase": "bag",  # a mirror purchase opens its bag task (``bag_task_id``)
    "task_opened": None,
    "task_claimed": None,
    "task_completed": None,
    "size_request": "size_request",
    "go_back": "go_back",
}


def _task_row(ev: WireEvent) -> dict[str, Any] | None:
    payload = ev.payload
    if ev.type == "purchase":
        if not isinstance(payload.get("bag_task_id"), int):
            return None  # an online order, or an older edge's purchase
        payload = {"task_id": payload["bag_task_id"], "created_at": payload.get("created_at")}
    try:
        task = _Task.model_validate(payload)
    except ValidationError:
        return None
    kind = TASK_EVENTS[ev.type] or task.kind
    items = len(task.items) if isinstance(task.items, list) else task.items
    if task.claimed_at is not None and task.claimed_at < task.created_at:
        return None
    return {
        "store_id": ev.store_id,
        "task_id": task.task_id,
        "kind": kind,
        "room_id": task.room_id,
        "created_at": task.created_at,
        "claimed_at": task.claimed_at,
        "completed_at": task.completed_at,
        "items": items,
    }


def _merge(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per key: later events fill in what earlier ones left None (one statement may not touch a
    row twice)."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        k = tuple(row[c] for c in key)
        have = merged.get(k)
        merged[k] = row if have is None else {c: have.get(c) if v is None else v for c, v in row.items()}
    return list(merged.values())


def record_work(session: Session, events: Sequence[WireEvent]) -> None:
    """Add the work facts of newly stored events (in the ingest transaction)."""
    stores: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    offers: list[dict[str, Any]] = []
    for ev in events:
        if ev.type in TASK_EVENTS:
            row = _task_row(ev)
            if row is not None:
                tasks.append(row)
        elif ev.type == "queue_ticket" and (t := _parsed(_Ticket, ev)) is not None:
            tickets.append({"store_id": ev.store_id, **t.model_dump()})
        elif ev.type == "reservation_status" and (st := _parsed(_Status, ev)) is not None:
            row = {"store_id": ev.store_id, "event_id": ev.event_id, **st.model_dump(), "at": ev.created_at}
            statuses.append(row)
        elif ev.type == "session_ended":
            offers += _session_offers(ev)
            described = ev.payload.get("store")
            if isinstance(described, dict) and (d := _parsed_dict(_Described, described)) is not None:
                stores.append({"store_id": ev.store_id, **d.model_dump(), "described_at": ev.created_at})
    _upsert(session, "figure_store", _merge(stores, ("store_id",)), ("store_id",), replace=True)
    _upsert(session, "figure_task", _merge(tasks, ("store_id", "task_id")), ("store_id", "task_id"))
    _upsert(session, "figure_queue", _merge(tickets, ("store_id", "ticket_id")), ("store_id", "ticket_id"))
    _upsert(session, "figure_reservation", statuses, ("store_id", "event_id"))
    _upsert(session, "figure_offer", offers, ("store_id", "session_id", "offer_id"))


def _parsed(model: type[_M], ev: WireEvent) -> _M | None:
    return _parsed_dict(model, ev.payload)


def _parsed_dict(model: type[_M], payload: dict[str, Any]) -> _M | None:
    try:
        return model.model_validate(payload)
    except ValidationError:
        return None


def _session_offers(ev: WireEvent) -> list[dict[str, Any]]:
    try:
        s = _Offers.model_validate(ev.payload)
    except ValidationError:
        return []
    ids = sorted(set(s.offers_presented) | set(s.offers_redeemed))
    return [
        {
            "store_id": ev.store_id,
            "session_id": s.session_id,
            "offer_id": o,
            "started_at": s.started_at,
            "presented": int(o in s.offers_presented),
            "redeemed": s.offers_redeemed.count(o),
        }
        for o in ids
        if 0 < len(o) <= 64
    ]


def _upsert(
    session: Session, name: str, rows: list[dict[str, Any]], key: tuple[str, ...], *, replace: bool = False
) -> None:
    """Insert the rows; a row already there keeps what it has and takes what it lacked (``replace``: takes
    the new values)."""
    if not rows:
        return
    table = CentralModel.metadata.tables[name]
    stmt = insert_for(session, table)
    columns = [c for c in rows[0] if c not in key]
    if not columns:
        session.connection().execute(stmt.on_conflict_do_nothing(), rows)
        return
    if replace:
        values = {c: stmt.excluded[c] for c in columns}
    else:
        values = {c: func.coalesce(table.c[c], stmt.excluded[c]) for c in columns}
    session.connection().execute(stmt.on_conflict_do_update(index_elements=list(key), set_=values), rows)
