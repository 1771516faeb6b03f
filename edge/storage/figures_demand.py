"""Demand in the manager's figures (issue 19): what shoppers asked for while it was sold out here (lost
demand), what they ordered to ship home instead, the styles tried often and rarely bought (a fit
problem), the sizes the store keeps running out of, and the offers presented and redeemed.

SQL aggregates over ``sold_out_ask``, ``ship_order``, ``offer_event`` and the sessions' tables, for the
sessions started in ``[start, end)`` like every other figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from charts.tallies import (
    FIT_PROBLEM_MIN_TRIED,
    FIT_PROBLEM_SHARE,
    RUNNING_OUT_MIN_SESSIONS,
    StyleFit,
    fit_by_style,
    running_out,
)

__all__ = [
    "FIT_PROBLEM_MIN_TRIED",
    "FIT_PROBLEM_SHARE",
    "RUNNING_OUT_MIN_SESSIONS",
    "OfferFigures",
    "StyleFit",
    "fit_by_style",
    "lost_demand",
    "offer_figures",
    "running_out",
    "ship_home_items",
]

_IN_RANGE = "s.started_at >= :start AND s.started_at < :end"


def lost_demand(conn: Connection, start: float, end: float) -> dict[str, int]:
    """Per GTIN: sessions in which it was asked for while sold out here, at the mirror (a size request
    refused as sold out) or by ordering it shipped home instead."""
    sql = (
        "SELECT gtin, count(*) FROM ("
        " SELECT a.gtin AS gtin, a.session_id AS sid FROM sold_out_ask a"
        f" JOIN fitting_room_session s ON s.id = a.session_id WHERE {_IN_RANGE}"
        " UNION"
        " SELECT json_extract(j.value, '$.gtin'), o.session_id FROM ship_order o"
        f" JOIN fitting_room_session s ON s.id = o.session_id, json_each(o.items) j WHERE {_IN_RANGE}"
        ") GROUP BY gtin"
    )
    return {str(g): int(n) for g, n in conn.execute(text(sql), {"start": start, "end": end}) if g}


def ship_home_items(conn: Connection, start: float, end: float) -> dict[str, int]:
    """Per GTIN: items ordered to ship home (orders not cancelled)."""
    sql = (
        "SELECT json_extract(j.value, '$.gtin'), count(*) FROM ship_order o"
        f" JOIN fitting_room_session s ON s.id = o.session_id, json_each(o.items) j"
        f" WHERE {_IN_RANGE} AND o.status != 'cancelled' GROUP BY 1"
    )
    return {str(g): int(n) for g, n in conn.execute(text(sql), {"start": start, "end": end}) if g}


@dataclass(frozen=True, slots=True)
class OfferFigures:
    offer_id: str
    title: str | None
    presented: int  # sessions whose mirror showed it
    redeemed: int  # offered items bought in those sessions
    sessions_redeemed: int


def offer_figures(conn: Connection, start: float, end: float) -> list[OfferFigures]:
    sql = (
        "SELECT e.offer_id,"
        " count(DISTINCT CASE WHEN e.kind = 'presented' THEN e.session_id END),"
        " sum(CASE WHEN e.kind = 'redeemed' THEN 1 ELSE 0 END),"
        " count(DISTINCT CASE WHEN e.kind = 'redeemed' THEN e.session_id END),"
        " (SELECT json_extract(o.document, '$.title') FROM store_offer o WHERE o.id = e.offer_id)"
        f" FROM offer_event e JOIN fitting_room_session s ON s.id = e.session_id WHERE {_IN_RANGE}"
        " GROUP BY e.offer_id ORDER BY 2 DESC, e.offer_id"
    )
    rows = conn.execute(text(sql), {"start": start, "end": end}).all()
    return [
        OfferFigures(str(o), None if t is None else str(t), int(p), int(r or 0), int(rs))
        for o, p, r, rs, t in rows
    ]
