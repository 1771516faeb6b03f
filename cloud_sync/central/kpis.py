"""The head office's figures: SQL aggregates over the facts of ``cloud_sync.central.figures`` for a range
``[start, end)`` of session start times (claims: of task creation times), for one store or for the chain
and each store. The definitions are the edge's (``edge.storage.figures``), so a store's figures read the
same at the store and at head office; the percentiles are nearest-rank, computed with window functions,
which PostgreSQL and SQLite both run. No member id is in any of these tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = ["Kpis", "SkuCounts", "daily", "dwell_minutes", "kpis", "sku_counts"]

CHAIN = ""  # the key of the chain-wide figures among the per-store ones


@dataclass(slots=True)
class Kpis:
    sessions: int = 0
    sessions_with_purchase: int = 0
    conversion: float | None = None
    items_tried: int = 0
    items_bought: int = 0
    median_dwell_s: float | None = None
    claim_p50_s: float | None = None
    claim_p90_s: float | None = None
    go_back_items: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Figures:
    """The chain's figures (or the one store's, when asked for one) and each store's that has any."""

    total: Kpis = field(default_factory=Kpis)
    stores: dict[str, Kpis] = field(default_factory=dict)


def _where(alias: str, column: str, store_id: str | None) -> str:
    own = f" AND {alias}.store_id = :store" if store_id is not None else ""
    return f"{alias}.{column} >= :start AND {alias}.{column} < :end{own}"


def _percentiles(
    conn: Connection, values_sql: str, params: dict[str, Any], qs: tuple[float, ...]
) -> dict[str, list[float | None]]:
    """Nearest-rank percentiles (the ``ceil(q*n)``-th smallest, as ``edge.storage.figures`` computes them)
    of the column ``v`` of ``values_sql`` (which also yields ``store_id``), per store and for all (key
    ``CHAIN``)."""
    out: dict[str, list[float | None]] = {}
    if conn.dialect.name == "postgresql":
        # percentile_disc(q) is the ceil(q*n)-th value: the same nearest rank, one sort per group, the
        # chain and the stores in one pass.
        picks = ", ".join(f"percentile_disc({q!r}) WITHIN GROUP (ORDER BY v)" for q in qs)
        sql = f"SELECT store_id, {picks} FROM ({values_sql}) AS vals GROUP BY GROUPING SETS ((store_id), ())"
        rows = [(CHAIN if k is None else k, *values) for k, *values in conn.execute(text(sql), params).all()]
    else:
        # ceil(q*n) in integer arithmetic, with window functions (SQLite has no ordered-set aggregates)
        picks = ", ".join(f"max(CASE WHEN rn = ({int(q * 1000)} * n + 999) / 1000 THEN v END)" for q in qs)
        rows = []
        for key, partition in (("store_id", "PARTITION BY store_id"), (f"'{CHAIN}'", "")):
            sql = (
                f"SELECT k, {picks} FROM (SELECT {key} AS k, v,"
                f" row_number() OVER ({partition} ORDER BY v) AS rn, count(*) OVER ({partition}) AS n"
                f" FROM ({values_sql}) AS vals) AS ranked GROUP BY k"
            )
            rows += conn.execute(text(sql), params).all()
    for k, *values in rows:
        out[str(k)] = [None if v is None else round(float(v), 3) for v in values]
    return out


def kpis(conn: Connection, start: float, end: float, store_id: str | None = None) -> Figures:
    """Sessions, purchases, conversion, garments tried and bought, go-back garments, median dwell, and
    claim p50/p90: per store (one grouped query each) and chain-wide (sums, and the percentiles again
    over every store's values)."""
    p: dict[str, Any] = {"start": start, "end": end, "store": store_id}
    counts = conn.execute(
        text(
            "SELECT s.store_id, count(*), sum(CASE WHEN s.purchases > 0 THEN 1 ELSE 0 END),"
            " sum(s.items_tried), sum(s.items_bought), sum(s.go_back_items)"
            f" FROM figure_session s WHERE {_where('s', 'started_at', store_id)} GROUP BY s.store_id"
        ),
        p,
    ).all()
    dwell = _percentiles(
        conn,
        "SELECT s.store_id, s.ended_at - s.started_at AS v FROM figure_session s"
        f" WHERE {_where('s', 'started_at', store_id)}",
        p,
        (0.5,),
    )
    claims = _percentiles(
        conn,
        "SELECT t.store_id, t.claimed_at - t.created_at AS v FROM figure_task t"
        f" WHERE {_where('t', 'created_at', store_id)} AND t.claimed_at IS NOT NULL",
        p,
        (0.5, 0.9),
    )
    figures = Figures()
    for sid, n, bought_sessions, tried, bought, go_back in counts:
        figures.stores[str(sid)] = Kpis(
            int(n),
            int(bought_sessions or 0),
            None,
            int(tried or 0),
            int(bought or 0),
            go_back_items=int(go_back or 0),
        )
    for sid in claims:
        figures.stores.setdefault(sid, Kpis())
    figures.stores.pop(CHAIN, None)
    total = figures.total
    for k in figures.stores.values():
        total.sessions += k.sessions
        total.sessions_with_purchase += k.sessions_with_purchase
        total.items_tried += k.items_tried
        total.items_bought += k.items_bought
        total.go_back_items += k.go_back_items
    for key, k in [*figures.stores.items(), (CHAIN, total)]:
        k.conversion = round(k.sessions_with_purchase / k.sessions, 4) if k.sessions else None
        (k.median_dwell_s,) = dwell.get(key, [None])
        k.claim_p50_s, k.claim_p90_s = claims.get(key, [None, None])
    return figures


@dataclass(frozen=True, slots=True)
class SkuCounts:
    gtin: str
    style_id: str | None
    name: str | None
    size: str | None
    colour: str | None
    tried: int
    bought: int
    requested: int
    wanted_unbought: int
    requested_sold_out: int
    ordered_ship_home: int


def sku_counts(conn: Connection, start: float, end: float, store_id: str | None = None) -> list[SkuCounts]:
    """Per GTIN, named from the central catalog: tried, bought, size/colour requests, requests not bought
    in the same session (wanted but unbought), sessions asking for it while sold out in their store (lost
    demand) and items ordered to ship home; most tried first."""
    sql = (
        "SELECT f.gtin, c.style_id, c.name, c.size, c.colour, f.tried, f.bought, f.requested, f.unbought,"
        " f.lost, f.shipped"
        " FROM (SELECT k.gtin, sum(k.tried) AS tried, sum(k.bought) AS bought,"
        " sum(k.requested) AS requested, sum(k.wanted_unbought) AS unbought,"
        " sum(k.requested_sold_out) AS lost, sum(k.ordered_ship_home) AS shipped FROM figure_sku k"
        f" WHERE {_where('k', 'started_at', store_id)} GROUP BY k.gtin) AS f"
        " LEFT JOIN catalog_sku c ON c.gtin = f.gtin ORDER BY f.tried DESC, f.gtin"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end, "store": store_id}).all()
    return [
        SkuCounts(
            str(g),
            st,
            nm,
            sz,
            co,
            int(t or 0),
            int(b or 0),
            int(r or 0),
            int(u or 0),
            int(lo or 0),
            int(sh or 0),
        )
        for g, st, nm, sz, co, t, b, r, u, lo, sh in rows
    ]


def _floor_div(conn: Connection, expr: str, by: int) -> str:
    # PostgreSQL rounds a float cast to integer; SQLite truncates (our values are never negative).
    if conn.dialect.name == "postgresql":
        return f"CAST(floor(({expr}) / {by}) AS INTEGER)"
    return f"CAST(({expr}) / {by} AS INTEGER)"


def daily(
    conn: Connection, start: float, end: float, store_id: str | None = None
) -> list[tuple[str, float, int, int]]:
    """Per store and UTC day (its start, Unix seconds): sessions and sessions with a purchase."""
    d = _floor_div(conn, "s.started_at", 86400)
    sql = (
        f"SELECT s.store_id, {d} AS d, count(*), sum(CASE WHEN s.purchases > 0 THEN 1 ELSE 0 END)"
        f" FROM figure_session s WHERE {_where('s', 'started_at', store_id)}"
        " GROUP BY s.store_id, d ORDER BY s.store_id, d"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end, "store": store_id}).all()
    return [(str(sid), int(day) * 86400.0, int(n), int(b or 0)) for sid, day, n, b in rows]


def dwell_minutes(
    conn: Connection, start: float, end: float, store_id: str | None = None, cap: int = 30
) -> list[tuple[int, int]]:
    """Sessions per whole minute of dwell (minute ``cap`` holds everything longer)."""
    m = _floor_div(conn, "s.ended_at - s.started_at", 60)
    sql = (
        f"SELECT CASE WHEN {m} > {int(cap)} THEN {int(cap)} ELSE {m} END AS m, count(*)"
        f" FROM figure_session s WHERE {_where('s', 'started_at', store_id)} GROUP BY 1 ORDER BY 1"
    )
    return [
        (int(m), int(n)) for m, n in conn.execute(text(sql), {"start": start, "end": end, "store": store_id})
    ]
