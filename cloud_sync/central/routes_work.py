"""``/v1/admin/styles``, ``/hours``, ``/tasks``, ``/go-backs``, ``/offers``, ``/queue`` and
``/reservations``: the rest of the store's figures for head office (issue 19), with the edge's field
names, for the chain or one store (``store_id``), as JSON and as CSV (same path + ``.csv``), behind the
admin token. Ranges as ``/v1/admin/kpis``. Computed by ``cloud_sync.central.work``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from charts.rows import HourRow, OfferRow, StyleRow
from cloud_sync.central import work
from cloud_sync.central.deps import AdminDep, SessionDep
from cloud_sync.central.routes_kpis import CSV, From, StoreQ, To, resolve, to_csv

__all__ = [
    "GoBackFigures",
    "QueueFigures",
    "ReservationFigures",
    "TaskRow",
    "figures_of",
    "router",
]

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class TaskRow(BaseModel):
    kind: str
    hour: int | None = Field(description="Hour of the store's day the task was created")
    tasks: int
    claim_p50_s: float | None
    claim_p90_s: float | None
    complete_p50_s: float | None
    complete_p90_s: float | None
    over_target: int = Field(description="Size requests and help calls claimed after their store's target")


class Ranged(BaseModel):
    start: float
    end: float
    store_id: str | None


class GoBackFigures(Ranged):
    tasks: int
    items: int
    cleared: int
    open: int
    clear_p50_s: float | None
    clear_p90_s: float | None


class QueueFigures(Ranged):
    tickets: int = Field(description="Walk-in tickets taken in the range")
    called: int
    waiting: int
    wait_p50_s: float | None
    wait_p90_s: float | None


class ReservationFigures(Ranged):
    reservations: int = Field(description="Reservations to try with a status change in the range")
    ready: int
    shown: int = Field(description="The member arrived (arrived, in_room or done)")
    no_show: int
    show_rate: float | None = Field(description="shown / (shown + no_show)")


def _fields(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}


def _styles(session: SessionDep, t0: float, t1: float, store_id: str | None) -> list[StyleRow]:
    found = work.styles(session.connection(), t0, t1, store_id)
    return [StyleRow(name=name, **_fields(fit)) for fit, name in found]


def _hours(session: SessionDep, t0: float, t1: float, store_id: str | None) -> list[HourRow]:
    found = work.room_hours(session.connection(), t0, t1, now=time.time(), store_id=store_id)
    return [HourRow(**_fields(h)) for h in found]


def _tasks(session: SessionDep, t0: float, t1: float, store_id: str | None) -> list[TaskRow]:
    found = work.task_times(session.connection(), t0, t1, now=time.time(), store_id=store_id)
    return [TaskRow.model_validate(_fields(t)) for t in found]


def _go_backs(session: SessionDep, t0: float, t1: float, store_id: str | None) -> GoBackFigures:
    found = work.go_backs(session.connection(), t0, t1, store_id)
    return GoBackFigures(start=t0, end=t1, store_id=store_id, **_fields(found))


def _offers(session: SessionDep, t0: float, t1: float, store_id: str | None) -> list[OfferRow]:
    return [OfferRow(**_fields(o)) for o in work.offer_counts(session.connection(), t0, t1, store_id)]


def _queue(session: SessionDep, t0: float, t1: float, store_id: str | None) -> QueueFigures:
    found = work.queue_waits(session.connection(), t0, t1, store_id)
    return QueueFigures(start=t0, end=t1, store_id=store_id, **_fields(found))


def _reservations(session: SessionDep, t0: float, t1: float, store_id: str | None) -> ReservationFigures:
    found = work.reservation_shows(session.connection(), t0, t1, store_id)
    return ReservationFigures(start=t0, end=t1, store_id=store_id, **_fields(found))


Compute = Callable[[SessionDep, float, float, str | None], Any]
FIGURES: dict[str, tuple[Compute, type[BaseModel], str]] = {
    "styles": (_styles, StyleRow, "Per style: tried, bought, try-to-buy and the fit-problem flag"),
    "hours": (_hours, HourRow, "Rooms in use by hour of each store's day: sessions started, utilisation"),
    "tasks": (_tasks, TaskRow, "Claim and complete p50/p90 by task kind and hour; requests over target"),
    "go-backs": (_go_backs, GoBackFigures, "Go-back tasks and garments, cleared, open, time to clear"),
    "offers": (_offers, OfferRow, "Offers shown on the mirrors and redeemed"),
    "queue": (_queue, QueueFigures, "Walk-in tickets taken, called, waiting, and the wait p50/p90"),
    "reservations": (_reservations, ReservationFigures, "Reservations to try: ready, shown, no-show"),
}


def figures_of(name: str, session: SessionDep, t0: float, t1: float, store_id: str | None) -> Any:
    """One figure family's rows (or record) for a range: what the routes and the admin page show."""
    return FIGURES[name][0](session, t0, t1, store_id)


def _register(name: str, compute: Compute, model: type[BaseModel], summary: str) -> None:
    many = name not in ("go-backs", "queue", "reservations")
    response_model: Any = list[model] if many else model  # type: ignore[valid-type]

    def as_json(
        _admin: AdminDep, session: SessionDep, start: From = None, end: To = None, store_id: StoreQ = None
    ) -> Any:
        t0, t1 = resolve(session, start, end, store_id)
        return compute(session, t0, t1, store_id)

    def as_csv(
        _admin: AdminDep, session: SessionDep, start: From = None, end: To = None, store_id: StoreQ = None
    ) -> Response:
        t0, t1 = resolve(session, start, end, store_id)
        found = compute(session, t0, t1, store_id)
        rows = [r.model_dump() for r in found] if many else [found.model_dump()]
        return to_csv(list(model.model_fields), rows)

    as_json.__doc__, as_csv.__doc__ = summary, f"{summary} (CSV)"
    ident = name.replace("-", "_")
    router.add_api_route(f"/{name}", as_json, methods=["GET"], response_model=response_model, name=ident)
    router.add_api_route(
        f"/{name}.csv", as_csv, methods=["GET"], response_class=Response, responses=CSV, name=f"{ident}_csv"
    )


for _name, (_compute, _model, _summary) in FIGURES.items():
    _register(_name, _compute, _model, _summary)
