"""More of ``/api/manager`` (issue 19), each as JSON and as CSV (same path + ``.csv``), managers only:
styles with their fit-problem flag, the fitting rooms' use by hour, task times by kind and hour and per
associate, go-backs, and offers. The store's hours are in its layout's ``[store] timezone``; a request
is "over target" when claimed later than ``[store] request_target_s``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from charts.rows import HourRow, OfferRow, StyleRow
from edge import clock
from edge.layout import RoomKind
from edge.storage import figures
from edge.storage import figures_demand as demand
from edge.storage import figures_work as work
from edge.storage.models import Associate
from edge.web.deps import CurrentAssociate, RoomsDep
from edge.web.manager_api import CSV, JSON_ERRORS, From, To, as_csv, query_range, require_manager

__all__ = ["router"]

router = APIRouter(prefix="/api/manager", tags=["manager"])


class TaskRow(BaseModel):
    kind: str
    hour: int | None = Field(description="Hour of the store's day the task was created (by kind and hour)")
    associate_id: str | None = Field(description="Who did it (per associate)")
    first_name: str | None
    tasks: int
    claim_p50_s: float | None
    claim_p90_s: float | None
    complete_p50_s: float | None
    complete_p90_s: float | None
    over_target: int = Field(description="Size requests and help calls claimed later than the target")


class GoBackFigures(BaseModel):
    start: float
    end: float
    tasks: int
    items: int
    cleared: int
    open: int
    clear_p50_s: float | None
    clear_p90_s: float | None


def _styles(ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None) -> list[StyleRow]:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    catalog = ctx.catalog.current()
    style_of = {gtin: style.id for gtin, (style, _) in catalog.by_gtin.items()}
    names = {style.id: style.name for style in catalog.styles}
    with ctx.db.connect() as conn:
        counts = figures.sku_counts(conn, t0, t1)
    fits = demand.fit_by_style(
        {c.gtin: c.tried for c in counts}, {c.gtin: c.bought for c in counts}, style_of
    )
    return [
        StyleRow(
            style_id=f.style_id,
            name=names.get(f.style_id),
            tried=f.tried,
            bought=f.bought,
            try_to_buy=f.try_to_buy,
            fit_problem=f.fit_problem,
        )
        for f in fits
    ]


def _hours(ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None) -> list[HourRow]:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    rooms = sum(1 for r in ctx.layout.rooms if r.kind == RoomKind.FITTING_ROOM)
    with ctx.db.connect() as conn:
        found = work.room_hours(conn, t0, t1, rooms=rooms, tz=ctx.layout.store.zone, now=clock.now())
    return [HourRow(**_fields(h)) for h in found]


def _tasks(
    ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None, by: str
) -> list[TaskRow]:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    store = ctx.layout.store
    with ctx.db.connect() as conn:
        found = work.task_times(
            conn, t0, t1, by=by, tz=store.zone, target_s=store.request_target_s, now=clock.now()
        )
    with Session(ctx.db) as session:
        names = {a.id: a.first_name for a in session.exec(select(Associate)).all()}
    return [
        TaskRow(**_fields(t), first_name=names.get(t.associate_id) if t.associate_id else None) for t in found
    ]


def _go_backs(
    ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None
) -> GoBackFigures:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    with ctx.db.connect() as conn:
        found = work.go_backs(conn, t0, t1)
    return GoBackFigures(start=t0, end=t1, **_fields(found))


def _offers(ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None) -> list[OfferRow]:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    with ctx.db.connect() as conn:
        return [OfferRow(**_fields(o)) for o in demand.offer_figures(conn, t0, t1)]


def _fields(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}


@router.get("/styles", response_model=list[StyleRow], responses=JSON_ERRORS)
def styles(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> list[StyleRow]:
    """Per style: tried, bought, try-to-buy rate and the fit-problem flag; most tried first."""
    return _styles(ctx, associate, start, end)


@router.get("/styles.csv", response_class=Response, responses=CSV)
def styles_csv(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Response:
    """The styles table as CSV."""
    return as_csv(list(_styles(ctx, associate, start, end)), list(StyleRow.model_fields))


@router.get("/hours", response_model=list[HourRow], responses=JSON_ERRORS)
def hours(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> list[HourRow]:
    """The fitting rooms' use by hour of the store's day: sessions started and utilisation."""
    return _hours(ctx, associate, start, end)


@router.get("/hours.csv", response_class=Response, responses=CSV)
def hours_csv(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Response:
    """Utilisation by hour as CSV."""
    return as_csv(list(_hours(ctx, associate, start, end)), list(HourRow.model_fields))


@router.get("/tasks", response_model=list[TaskRow], responses=JSON_ERRORS)
def tasks(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> list[TaskRow]:
    """Time to claim and to complete, p50 and p90, by task kind and hour; requests over the target."""
    return _tasks(ctx, associate, start, end, "kind_hour")


@router.get("/tasks.csv", response_class=Response, responses=CSV)
def tasks_csv(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Response:
    """Task times by kind and hour as CSV."""
    return as_csv(list(_tasks(ctx, associate, start, end, "kind_hour")), list(TaskRow.model_fields))


@router.get("/associates", response_model=list[TaskRow], responses=JSON_ERRORS)
def associates(
    ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None
) -> list[TaskRow]:
    """Time to claim and to complete, p50 and p90, per associate and task kind (managers only)."""
    return _tasks(ctx, associate, start, end, "associate")


@router.get("/associates.csv", response_class=Response, responses=CSV)
def associates_csv(
    ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None
) -> Response:
    """Per-associate task times as CSV."""
    return as_csv(list(_tasks(ctx, associate, start, end, "associate")), list(TaskRow.model_fields))


@router.get("/go-backs", response_model=GoBackFigures, responses=JSON_ERRORS)
def go_backs(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> GoBackFigures:
    """Go-backs: tasks, garments left, cleared and open, time to clear p50/p90."""
    return _go_backs(ctx, associate, start, end)


@router.get("/go-backs.csv", response_class=Response, responses=CSV)
def go_backs_csv(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Response:
    """The go-back figures as one CSV row."""
    return as_csv([_go_backs(ctx, associate, start, end)], list(GoBackFigures.model_fields))


@router.get("/offers", response_model=list[OfferRow], responses=JSON_ERRORS)
def offers(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> list[OfferRow]:
    """Per offer: sessions it was presented in, items redeemed and sessions with a redemption."""
    return _offers(ctx, associate, start, end)


@router.get("/offers.csv", response_class=Response, responses=CSV)
def offers_csv(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Response:
    """The offers table as CSV."""
    return as_csv(list(_offers(ctx, associate, start, end)), list(OfferRow.model_fields))


class QueueFigures(BaseModel):
    start: float
    end: float
    tickets: int = Field(description="Walk-in tickets taken in the range")
    called: int
    waiting: int
    wait_p50_s: float | None = Field(description="From taking the ticket to its call to a room")
    wait_p90_s: float | None


class ReservationFigures(BaseModel):
    start: float
    end: float
    reservations: int = Field(description="Reservations to try with a status change in the range")
    ready: int
    shown: int = Field(description="The member arrived (arrived, in_room or done)")
    no_show: int
    show_rate: float | None = Field(description="shown / (shown + no_show)")


def _queue(ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None) -> QueueFigures:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    with ctx.db.connect() as conn:
        return QueueFigures(start=t0, end=t1, **_fields(work.queue_waits(conn, t0, t1)))


def _reservations(
    ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None
) -> ReservationFigures:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    with ctx.db.connect() as conn:
        return ReservationFigures(start=t0, end=t1, **_fields(work.reservation_shows(conn, t0, t1)))


@router.get("/queue", response_model=QueueFigures, responses=JSON_ERRORS)
def queue(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> QueueFigures:
    """The walk-in queue: tickets taken, called and waiting, and the wait to be called (p50, p90)."""
    return _queue(ctx, associate, start, end)


@router.get("/queue.csv", response_class=Response, responses=CSV)
def queue_csv(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Response:
    """The queue figures as one CSV row."""
    return as_csv([_queue(ctx, associate, start, end)], list(QueueFigures.model_fields))


@router.get("/reservations", response_model=ReservationFigures, responses=JSON_ERRORS)
def reservations(
    ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None
) -> ReservationFigures:
    """Reservations to try: made ready by sensing, shown, no-shows and the show rate."""
    return _reservations(ctx, associate, start, end)


@router.get("/reservations.csv", response_class=Response, responses=CSV)
def reservations_csv(
    ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None
) -> Response:
    """The reservation figures as one CSV row."""
    return as_csv([_reservations(ctx, associate, start, end)], list(ReservationFigures.model_fields))
