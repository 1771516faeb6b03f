"""Head office's figures of the fitting rooms' work and demand (issue 19), from the facts of
``cloud_sync.central.work_facts`` and ``figures``: styles tried often and rarely bought, rooms in use by
hour of each store's day, task times by kind and hour with requests over target, go-backs, queue waits,
reservations' show rate and offers. Each is one indexed range scan on the central database; the grouping
is ``charts.tallies``, the edge's own, so a store's figures read the same at the store and here. Chain-wide
figures put every store's rows together, each in its own time zone and with its own target.

One difference by design: a session or task still open at the store is not at head office yet (facts
arrive when sessions end and tasks change), so today's open ones are counted once they close.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import text
from sqlalchemy.engine import Connection

from charts.tallies import (
    GoBacks,
    HourUse,
    QueueWaits,
    ReservationShows,
    StyleFit,
    TaskRow,
    TaskTimes,
    fit_by_style,
    go_backs_of,
    queue_waits_of,
    reservation_shows_of,
    room_hours_of,
    task_times_of,
)

__all__ = [
    "DEFAULT_TARGET_S",
    "OfferCounts",
    "StoreSetup",
    "go_backs",
    "offer_counts",
    "queue_waits",
    "reservation_shows",
    "room_hours",
    "setups",
    "styles",
    "task_times",
]

DEFAULT_TARGET_S = 120.0  # a store that never said its request target: the edge's default
UTC = ZoneInfo("UTC")


def _own(alias: str, store_id: str | None) -> str:
    return f" AND {alias}.store_id = :store" if store_id is not None else ""


@dataclass(frozen=True, slots=True)
class StoreSetup:
    tz: ZoneInfo
    fitting_rooms: int | None
    target_s: float


def setups(conn: Connection) -> dict[str, StoreSetup]:
    """Each store's zone, fitting rooms and request target, as its sessions last described them."""
    out: dict[str, StoreSetup] = {}
    rows = conn.execute(text("SELECT store_id, timezone, fitting_rooms, request_target_s FROM figure_store"))
    for sid, zone, rooms, target in rows:
        try:
            tz = ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            tz = UTC
        out[str(sid)] = StoreSetup(tz, int(rooms), float(target))
    return out


def _setup(known: dict[str, StoreSetup], store_id: str) -> StoreSetup:
    return known.get(store_id) or StoreSetup(UTC, None, DEFAULT_TARGET_S)


def styles(
    conn: Connection, start: float, end: float, store_id: str | None = None
) -> list[tuple[StyleFit, str | None]]:
    """Per style (named from the central catalog): tried, bought, try-to-buy and the fit-problem flag."""
    sql = (
        "SELECT k.gtin, c.style_id, c.name, sum(k.tried), sum(k.bought) FROM figure_sku k"
        " LEFT JOIN catalog_sku c ON c.gtin = k.gtin"
        f" WHERE k.started_at >= :start AND k.started_at < :end{_own('k', store_id)}"
        " GROUP BY k.gtin, c.style_id, c.name"
    )
    tried: dict[str, int] = {}
    bought: dict[str, int] = {}
    style_of: dict[str, str] = {}
    names: dict[str, str] = {}
    for gtin, style, name, t, b in conn.execute(text(sql), {"start": start, "end": end, "store": store_id}):
        tried[str(gtin)], bought[str(gtin)] = int(t or 0), int(b or 0)
        if style is not None:
            style_of[str(gtin)] = str(style)
            names.setdefault(str(style), str(name))
    return [(f, names.get(f.style_id)) for f in fit_by_style(tried, bought, style_of)]


def room_hours(
    conn: Connection, start: float, end: float, *, now: float, store_id: str | None = None
) -> list[HourUse]:
    """Rooms in use by hour of each store's day; a store's available time is its fitting rooms times each
    hour's length in the range (its rooms as described, else those its sessions used)."""
    sql = (
        "SELECT s.store_id, s.room_id, s.started_at, s.ended_at FROM figure_session s"
        f" WHERE s.started_at < :end AND s.ended_at > :start{_own('s', store_id)}"
    )
    by_store: dict[str, list[tuple[float, float]]] = defaultdict(list)
    rooms_seen: dict[str, set[str]] = defaultdict(set)
    for sid, room, t0, t1 in conn.execute(text(sql), {"start": start, "end": end, "store": store_id}):
        by_store[str(sid)].append((float(t0), float(t1)))
        if room is not None:
            rooms_seen[str(sid)].add(str(room))
    known = setups(conn)
    stores = [store_id] if store_id is not None else sorted(set(by_store) | set(known))
    occupied, started, available = [0.0] * 24, [0] * 24, [0.0] * 24
    result: list[HourUse] = room_hours_of([], start, end, rooms=0, tz=UTC, now=now)
    for sid in stores:
        setup = _setup(known, sid)
        rooms = setup.fitting_rooms if setup.fitting_rooms is not None else len(rooms_seen[sid])
        result = room_hours_of(
            by_store.get(sid, []),
            start,
            end,
            rooms=rooms,
            tz=setup.tz,
            now=now,
            occupied=occupied,
            started=started,
            available=available,
        )
    return result


def _task_rows(
    conn: Connection, start: float, end: float, store_id: str | None, where: str = ""
) -> list[tuple[str, str, float, float | None, float | None, int | None]]:
    sql = (
        "SELECT t.store_id, t.kind, t.created_at, t.claimed_at, t.completed_at, t.items FROM figure_task t"
        f" WHERE t.created_at >= :start AND t.created_at < :end{_own('t', store_id)}{where}"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end, "store": store_id})
    return [(str(sid), str(k), float(c), cl, co, it) for sid, k, c, cl, co, it in rows]


def task_times(
    conn: Connection, start: float, end: float, *, now: float, store_id: str | None = None
) -> list[TaskTimes]:
    """Claim and complete p50/p90 by task kind and hour of the store's day, and requests over target."""
    known = setups(conn)
    rows = []
    for sid, kind, created, claimed, completed, _items in _task_rows(conn, start, end, store_id):
        setup = _setup(known, str(sid))
        rows.append(
            TaskRow(str(kind), float(created), claimed, completed, tz=setup.tz, target_s=setup.target_s)
        )
    return task_times_of(rows, by="kind_hour", tz=UTC, target_s=DEFAULT_TARGET_S, now=now)


def go_backs(conn: Connection, start: float, end: float, store_id: str | None = None) -> GoBacks:
    rows = _task_rows(conn, start, end, store_id, " AND t.kind = 'go_back'")
    return go_backs_of((int(items or 0), float(created), done) for _, _, created, _, done, items in rows)


def queue_waits(conn: Connection, start: float, end: float, store_id: str | None = None) -> QueueWaits:
    sql = (
        "SELECT q.joined_at, q.called_at FROM figure_queue q"
        f" WHERE q.joined_at >= :start AND q.joined_at < :end{_own('q', store_id)}"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end, "store": store_id})
    return queue_waits_of((float(j), c) for j, c in rows)


def reservation_shows(
    conn: Connection, start: float, end: float, store_id: str | None = None
) -> ReservationShows:
    sql = (
        "SELECT DISTINCT r.store_id, r.reservation_id, r.status FROM figure_reservation r"
        f" WHERE r.at >= :start AND r.at < :end{_own('r', store_id)}"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end, "store": store_id})
    return reservation_shows_of((f"{sid}/{rid}", str(status)) for sid, rid, status in rows)


@dataclass(frozen=True, slots=True)
class OfferCounts:
    offer_id: str
    title: str | None
    presented: int  # sessions whose mirror showed it
    redeemed: int  # offered items bought in those sessions
    sessions_redeemed: int


def offer_counts(
    conn: Connection, start: float, end: float, store_id: str | None = None
) -> list[OfferCounts]:
    sql = (
        "SELECT f.offer_id, sum(f.presented), sum(f.redeemed),"
        " sum(CASE WHEN f.redeemed > 0 THEN 1 ELSE 0 END), max(o.title) FROM figure_offer f"
        " LEFT JOIN offer o ON o.id = f.offer_id"
        f" WHERE f.started_at >= :start AND f.started_at < :end{_own('f', store_id)}"
        " GROUP BY f.offer_id ORDER BY 2 DESC, f.offer_id"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end, "store": store_id})
    return [
        OfferCounts(str(o), None if t is None else str(t), int(p or 0), int(r or 0), int(rs or 0))
        for o, p, r, rs, t in rows
    ]
