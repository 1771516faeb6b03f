"""The associates' side of the manager's figures (issue 19): how fast tasks are claimed and completed, by
kind, by hour of the store's day and per associate; requests that waited longer than the store's target;
go-backs left and the time to clear them; how busy the fitting rooms are by hour; queue waits and the
reservations' show rate.

Each figure is one indexed range scan in SQL; grouping by the store's local hour (which needs the time
zone's rules) and the nearest-rank percentiles are done on the rows it returns, by ``charts.tallies``,
which head office uses on its own facts too (so a store's figures read the same at both).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection

from charts.tallies import (
    SHOWED,
    GoBacks,
    HourUse,
    QueueWaits,
    ReservationShows,
    TaskRow,
    TaskTimes,
    go_backs_of,
    nearest_rank,
    queue_waits_of,
    reservation_shows_of,
    room_hours_of,
    task_times_of,
)

__all__ = [
    "SHOWED",
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

_TASKS = (
    "SELECT t.kind, t.created_at, t.claimed_at, t.completed_at, coalesce(t.completed_by, t.claimed_by)"
    " FROM task t WHERE t.created_at >= :start AND t.created_at < :end"
)


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
    rows = [
        TaskRow(str(kind), float(created), claimed, completed, None if who is None else str(who))
        for kind, created, claimed, completed, who in conn.execute(text(_TASKS), {"start": start, "end": end})
    ]
    return task_times_of(rows, by=by, tz=tz, target_s=target_s, now=now)


def go_backs(conn: Connection, start: float, end: float) -> GoBacks:
    sql = (
        "SELECT json_array_length(t.detail, '$.items'), t.created_at, t.completed_at FROM task t"
        " WHERE t.kind = 'go_back' AND t.created_at >= :start AND t.created_at < :end"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end}).all()
    return go_backs_of((int(n or 0), float(made), done) for n, made, done in rows)


def room_hours(
    conn: Connection, start: float, end: float, *, rooms: int, tz: ZoneInfo, now: float
) -> list[HourUse]:
    """Sessions overlapping ``[start, end)`` split over the local hours they cover (an open session runs
    to ``now``); the rooms' available time is ``rooms`` times each hour's length inside the range."""
    sql = (
        "SELECT s.started_at, coalesce(s.ended_at, :now) FROM fitting_room_session s"
        " WHERE s.started_at < :end AND coalesce(s.ended_at, :now) > :start"
    )
    sessions = [
        (float(t0), float(t1)) for t0, t1 in conn.execute(text(sql), {"start": start, "end": end, "now": now})
    ]
    return room_hours_of(sessions, start, end, rooms=rooms, tz=tz, now=now)


def queue_waits(conn: Connection, start: float, end: float) -> QueueWaits:
    sql = "SELECT joined_at, called_at FROM queue_ticket WHERE joined_at >= :start AND joined_at < :end"
    return queue_waits_of((float(j), c) for j, c in conn.execute(text(sql), {"start": start, "end": end}))


def reservation_shows(conn: Connection, start: float, end: float) -> ReservationShows:
    sql = (
        "SELECT DISTINCT reservation_id, status FROM reservation_status_change"
        " WHERE at >= :start AND at < :end"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end})
    return reservation_shows_of((str(rid), str(status)) for rid, status in rows)
