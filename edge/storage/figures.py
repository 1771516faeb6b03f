"""What the fitting rooms teach the store (issue 19): SQL aggregates over the edge's own tables for a date
range ``[start, end)`` of session start times. Each figure is one query, so a new table (queue waits,
reservations, offers) adds one more function here. No member id or email ever leaves these queries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

_IN_RANGE = "s.started_at >= :start AND s.started_at < :end"


@dataclass(frozen=True, slots=True)
class Kpis:
    sessions: int
    sessions_with_purchase: int
    conversion: float | None
    items_tried: int
    items_bought: int
    median_dwell_s: float | None
    claim_p50_s: float | None
    claim_p90_s: float | None
    go_back_items: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scalar(conn: Connection, sql: str, params: dict[str, Any]) -> Any:
    return conn.execute(text(sql), params).scalar()


def percentile(conn: Connection, values_sql: str, params: dict[str, Any], q: float) -> float | None:
    """The nearest-rank ``q`` percentile of the single column ``v`` of ``values_sql``, in SQL."""
    n = int(_scalar(conn, f"SELECT count(*) FROM ({values_sql}) AS t", params) or 0)
    if n == 0:
        return None
    rank = max(1, -(-int(q * 1000) * n // 1000))  # ceil(q*n), nearest-rank
    sql = f"SELECT v FROM ({values_sql}) AS t ORDER BY v LIMIT 1 OFFSET :off"
    value = _scalar(conn, sql, {**params, "off": rank - 1})
    return None if value is None else round(float(value), 3)


_DWELL = (
    "SELECT s.ended_at - s.started_at AS v FROM fitting_room_session s"
    f" WHERE {_IN_RANGE} AND s.ended_at IS NOT NULL"
)
_CLAIM = (
    "SELECT t.claimed_at - t.created_at AS v FROM task t WHERE t.created_at >= :start AND t.created_at < :end"
    " AND t.claimed_at IS NOT NULL"
)


def kpis(conn: Connection, start: float, end: float) -> Kpis:
    p = {"start": start, "end": end}
    sessions = int(_scalar(conn, f"SELECT count(*) FROM fitting_room_session s WHERE {_IN_RANGE}", p) or 0)
    with_purchase = int(
        _scalar(
            conn,
            "SELECT count(DISTINCT p.session_id) FROM purchase p JOIN fitting_room_session s"
            f" ON s.id = p.session_id WHERE {_IN_RANGE}",
            p,
        )
        or 0
    )
    tried = int(
        _scalar(
            conn,
            "SELECT count(*) FROM session_item i"  # one row per item and session (unique)
            f" JOIN fitting_room_session s ON s.id = i.session_id WHERE {_IN_RANGE}",
            p,
        )
        or 0
    )
    bought = int(
        _scalar(
            conn,
            "SELECT coalesce(sum(json_array_length(p.items)), 0) FROM purchase p"
            f" JOIN fitting_room_session s ON s.id = p.session_id WHERE {_IN_RANGE}",
            p,
        )
        or 0
    )
    go_back = int(
        _scalar(
            conn,
            "SELECT coalesce(sum(json_array_length(t.detail, '$.items')), 0) FROM task t"
            f" JOIN fitting_room_session s ON s.id = t.session_id WHERE t.kind = 'go_back' AND {_IN_RANGE}",
            p,
        )
        or 0
    )
    return Kpis(
        sessions=sessions,
        sessions_with_purchase=with_purchase,
        conversion=round(with_purchase / sessions, 4) if sessions else None,
        items_tried=tried,
        items_bought=bought,
        median_dwell_s=percentile(conn, _DWELL, p, 0.5),
        claim_p50_s=percentile(conn, _CLAIM, p, 0.5),
        claim_p90_s=percentile(conn, _CLAIM, p, 0.9),
        go_back_items=go_back,
    )


_TRIED = (
    "SELECT i.gtin, count(*) FROM session_item i JOIN fitting_room_session s ON s.id = i.session_id"
    f" WHERE {_IN_RANGE} AND i.gtin IS NOT NULL GROUP BY i.gtin"
)
_BOUGHT = (
    "SELECT json_extract(j.value, '$.gtin'), count(*) FROM purchase p"
    f" JOIN fitting_room_session s ON s.id = p.session_id, json_each(p.items) j WHERE {_IN_RANGE} GROUP BY 1"
)
_REQUESTED = (
    "SELECT t.gtin, count(*), sum(CASE WHEN EXISTS (SELECT 1 FROM purchase p, json_each(p.items) j"
    " WHERE p.session_id = t.session_id AND json_extract(j.value, '$.gtin') = t.gtin) THEN 0 ELSE 1 END)"
    " FROM task t JOIN fitting_room_session s ON s.id = t.session_id"
    f" WHERE t.kind = 'size_request' AND t.gtin IS NOT NULL AND {_IN_RANGE} GROUP BY t.gtin"
)


@dataclass(frozen=True, slots=True)
class SkuCounts:
    gtin: str
    tried: int
    bought: int
    requested: int
    wanted_unbought: int


def sku_counts(conn: Connection, start: float, end: float) -> list[SkuCounts]:
    """Per GTIN: tried (items in sessions), bought, size/colour requests, and requests not bought in the
    same session (wanted but unbought); most tried first. Three grouped queries, merged by GTIN."""
    p = {"start": start, "end": end}
    tried = {str(g): int(n) for g, n in conn.execute(text(_TRIED), p).all()}
    bought = {str(g): int(n) for g, n in conn.execute(text(_BOUGHT), p).all() if g is not None}
    requested = {str(g): (int(n), int(u)) for g, n, u in conn.execute(text(_REQUESTED), p).all()}
    rows = [
        SkuCounts(g, tried.get(g, 0), bought.get(g, 0), *requested.get(g, (0, 0)))
        for g in set(tried) | set(bought) | set(requested)
    ]
    return sorted(rows, key=lambda r: (-r.tried, r.gtin))


def daily(conn: Connection, start: float, end: float) -> list[tuple[float, int, int]]:
    """Per UTC day (its start, Unix seconds): sessions and sessions with a purchase."""
    sql = (
        "SELECT CAST(s.started_at / 86400 AS INTEGER) AS d, count(*),"
        " sum(CASE WHEN EXISTS (SELECT 1 FROM purchase p WHERE p.session_id = s.id) THEN 1 ELSE 0 END)"
        f" FROM fitting_room_session s WHERE {_IN_RANGE} GROUP BY d ORDER BY d"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end}).all()
    return [(int(d) * 86400.0, int(n), int(b or 0)) for d, n, b in rows]


def dwell_minutes(conn: Connection, start: float, end: float, cap: int = 30) -> list[tuple[int, int]]:
    """Ended sessions per whole minute of dwell (minute ``cap`` holds everything longer)."""
    sql = (
        f"SELECT min(CAST((s.ended_at - s.started_at) / 60 AS INTEGER), {int(cap)}) AS m, count(*)"
        f" FROM fitting_room_session s WHERE {_IN_RANGE} AND s.ended_at IS NOT NULL GROUP BY m ORDER BY m"
    )
    return [(int(m), int(n)) for m, n in conn.execute(text(sql), {"start": start, "end": end}).all()]
