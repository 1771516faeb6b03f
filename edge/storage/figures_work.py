"""The associates' side of the manager's figures (issue 19): how fast tasks are claimed and completed, by
kind, by hour of the store's day and per associate; requests that waited longer than the store's target;
go-backs left and the time to clear them; and how busy the fitting rooms are by hour.

Each figure is one indexed range scan in SQL; grouping by the store's local hour (which needs the time
zone's rules) and the nearest-rank percentiles are done on the rows it returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = [
    "GoBacks",
    "HourUse",
    "QueueWaits",
    "ReservationShows",
    "TaskTimes",
    "go_backs",
    "nearest_rank",
    "queue_waits",
    "reservation_shows",
    "room_hours",
    "task_times",
]


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank ``q`` percentile (as ``edge.storage.figures.percentile`` computes it in SQL)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(q * 1000) * len(ordered) // 1000))
    return round(ordered[rank - 1], 3)


@dataclass(frozen=True, slots=True)
class TaskTimes:
    """Tasks created in a group, and their claim and completion times (from creation), in seconds."""

    kind: str
    hour: int | None  # the store's local hour of creation; None when grouped otherwise
    associate_id: str | None  # who completed it (else who claimed it); None when grouped otherwise
    tasks: int
    claim_p50_s: float | None
    claim_p90_s: float | None
    complete_p50_s: float | None
    complete_p90_s: float | None
    over_target: int  # size requests and help calls claimed (or still open) later than the target


_TASKS = (
    "SELECT t.kind, t.created_at, t.claimed_at, t.completed_at, coalesce(t.completed_by, t.claimed_by)"
    " FROM task t WHERE t.created_at >= :start AND t.created_at < :end"
)
_ANSWERED = {"size_request", "help"}  # what a shopper waits for in the room


def task_times(
    conn: Connection,
    start: float,
    end: float,
    *,
    by: str,
    tz: ZoneInfo,
    target_s: float,
    now: float,
) -> list[TaskTimes]:
    """Task times grouped ``by`` ``"kind_hour"`` (kind and local hour) or ``"associate"`` (kind and the
    associate who did it; tasks nobody took are left out)."""
    groups: dict[tuple[str, int | None, str | None], list[tuple[float, float | None, float | None]]]
    groups = defaultdict(list)
    for kind, created, claimed, completed, who in conn.execute(text(_TASKS), {"start": start, "end": end}):
        if by == "associate":
            if who is None:
                continue
            key: tuple[str, int | None, str | None] = (str(kind), None, str(who))
        else:
            key = (str(kind), datetime.fromtimestamp(created, tz).hour, None)
        groups[key].append((float(created), claimed, completed))
    rows = []
    for (kind, hour, who), times in sorted(groups.items(), key=_group_order):
        claims = [c - t for t, c, _ in times if c is not None]
        completes = [d - t for t, _, d in times if d is not None]
        late = sum(1 for t, c, _ in times if ((c if c is not None else now) - t) > target_s)
        rows.append(
            TaskTimes(
                kind=kind,
                hour=hour,
                associate_id=who,
                tasks=len(times),
                claim_p50_s=nearest_rank(claims, 0.5),
                claim_p90_s=nearest_rank(claims, 0.9),
                complete_p50_s=nearest_rank(completes, 0.5),
                complete_p90_s=nearest_rank(completes, 0.9),
                over_target=late if kind in _ANSWERED else 0,
            )
        )
    return rows


def _group_order(item: tuple[tuple[str, int | None, str | None], object]) -> tuple[str, int, str]:
    kind, hour, who = item[0]
    return kind, hour or 0, who or ""


@dataclass(frozen=True, slots=True)
class GoBacks:
    tasks: int
    items: int
    cleared: int  # go-back tasks completed
    open: int
    clear_p50_s: float | None  # from the task (the room's session end) to completion
    clear_p90_s: float | None


def go_backs(conn: Connection, start: float, end: float) -> GoBacks:
    sql = (
        "SELECT json_array_length(t.detail, '$.items'), t.created_at, t.completed_at FROM task t"
        " WHERE t.kind = 'go_back' AND t.created_at >= :start AND t.created_at < :end"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end}).all()
    clear = [float(done) - float(made) for _, made, done in rows if done is not None]
    return GoBacks(
        tasks=len(rows),
        items=sum(int(n or 0) for n, _, _ in rows),
        cleared=len(clear),
        open=len(rows) - len(clear),
        clear_p50_s=nearest_rank(clear, 0.5),
        clear_p90_s=nearest_rank(clear, 0.9),
    )


@dataclass(frozen=True, slots=True)
class HourUse:
    """One hour of the store's day over the range: sessions started then, and the share of the fitting
    rooms' time in that hour that had a session (``utilisation``, 0–1)."""

    hour: int
    sessions_started: int
    occupied_s: float
    available_s: float
    utilisation: float | None


def room_hours(
    conn: Connection, start: float, end: float, *, rooms: int, tz: ZoneInfo, now: float
) -> list[HourUse]:
    """Sessions overlapping ``[start, end)`` split over the local hours they cover (an open session runs
    to ``now``); the rooms' available time is ``rooms`` times each hour's length inside the range."""
    sql = (
        "SELECT s.started_at, coalesce(s.ended_at, :now) FROM fitting_room_session s"
        " WHERE s.started_at < :end AND coalesce(s.ended_at, :now) > :start"
    )
    occupied = [0.0] * 24
    started = [0] * 24
    for t0, t1 in conn.execute(text(sql), {"start": start, "end": end, "now": now}):
        t0, t1 = float(t0), float(t1)
        if t0 >= start:
            started[datetime.fromtimestamp(t0, tz).hour] += 1
        for hour, seconds in _split_by_hour(max(t0, start), min(t1, end), tz):
            occupied[hour] += seconds
    available = [0.0] * 24
    for hour, seconds in _split_by_hour(start, min(end, max(now, start)), tz):
        available[hour] += seconds * rooms
    return [
        HourUse(
            hour=h,
            sessions_started=started[h],
            occupied_s=round(occupied[h], 3),
            available_s=round(available[h], 3),
            utilisation=round(min(occupied[h] / available[h], 1.0), 4) if available[h] else None,
        )
        for h in range(24)
    ]


def _split_by_hour(t0: float, t1: float, tz: ZoneInfo) -> Iterable[tuple[int, float]]:
    """``[t0, t1)`` cut at the local hour boundaries: (local hour, seconds) pieces."""
    t = t0
    while t < t1:
        local = datetime.fromtimestamp(t, tz)
        boundary = local.replace(minute=0, second=0, microsecond=0).timestamp() + 3600.0
        piece_end = min(t1, boundary)
        yield local.hour, piece_end - t
        t = piece_end


@dataclass(frozen=True, slots=True)
class QueueWaits:
    """Walk-in tickets taken in the range: called to a room, still waiting, and the wait to be called."""

    tickets: int
    called: int
    waiting: int
    wait_p50_s: float | None
    wait_p90_s: float | None


def queue_waits(conn: Connection, start: float, end: float) -> QueueWaits:
    sql = "SELECT joined_at, called_at FROM queue_ticket WHERE joined_at >= :start AND joined_at < :end"
    rows = conn.execute(text(sql), {"start": start, "end": end}).all()
    waits = [float(c) - float(j) for j, c in rows if c is not None]
    return QueueWaits(
        tickets=len(rows),
        called=len(waits),
        waiting=len(rows) - len(waits),
        wait_p50_s=nearest_rank(waits, 0.5),
        wait_p90_s=nearest_rank(waits, 0.9),
    )


SHOWED = ("arrived", "in_room", "done")


@dataclass(frozen=True, slots=True)
class ReservationShows:
    """Reservations to try that reached an outcome in the range: the member came (arrived, in the room
    or done) or did not (no_show); ``show_rate`` = shown / (shown + no_show)."""

    reservations: int
    ready: int  # made ready in a room by sensing
    shown: int
    no_show: int
    show_rate: float | None


def reservation_shows(conn: Connection, start: float, end: float) -> ReservationShows:
    sql = (
        "SELECT reservation_id,"
        " max(CASE WHEN status = 'ready' THEN 1 ELSE 0 END),"
        f" max(CASE WHEN status IN {SHOWED} THEN 1 ELSE 0 END),"
        " max(CASE WHEN status = 'no_show' THEN 1 ELSE 0 END)"
        " FROM reservation_status_change WHERE at >= :start AND at < :end GROUP BY reservation_id"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end}).all()
    shown = sum(1 for _, _, s, _ in rows if s)
    no_show = sum(1 for _, _, s, n in rows if n and not s)
    return ReservationShows(
        reservations=len(rows),
        ready=sum(1 for _, r, _, _ in rows if r),
        shown=shown,
        no_show=no_show,
        show_rate=round(shown / (shown + no_show), 4) if shown + no_show else None,
    )
