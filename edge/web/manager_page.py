"""``/manager``: the store manager's page (issue 19) — the figures of ``/api/manager`` for a date range as
server-drawn SVG charts (``edge.web.charts``), each with its table and CSV link. Sign in on the console
(``/associate``) as an associate with the manager role; otherwise the page says so (401/403)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse

from charts.rows import StyleRow
from charts.svg import table as svg_table
from edge.errors import Forbidden, Invalid, Unauthorized
from edge.storage import figures
from edge.web import charts
from edge.web.auth import COOKIE_NAME
from edge.web.deps import CurrentAssociate, RoomsDep, associate_from
from edge.web.manager_api import SkuRow, _kpis, _skus, query_range
from edge.web.manager_tables import (
    TaskRow,
    _go_backs,
    _hours,
    _offers,
    _queue,
    _reservations,
    _styles,
    _tasks,
)

__all__ = ["router"]

router = APIRouter(tags=["pages"])
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _page(body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fitting rooms - manager</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="/static/icon.svg"><link rel="stylesheet" href="/static/manager.css">'
        f"</head><body>{body}</body></html>"
    )
    headers = {
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(html, status_code=status_code, headers=headers)


def _day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).date().isoformat()


def _by_size(rows: list[SkuRow]) -> list[list[object]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        t = totals[r.size or "?"]
        t[0], t[1], t[2] = t[0] + r.tried, t[1] + r.bought, t[2] + r.requested
    return [[size, *t] for size, t in sorted(totals.items())]


@router.get("/manager", response_class=HTMLResponse, include_in_schema=False)
def manager_page(
    request: Request,
    ctx: RoomsDep,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    try:
        associate = associate_from(ctx, request.cookies.get(COOKIE_NAME), authorization)
        k = _kpis(ctx, associate, start, end)
        skus = _skus(ctx, associate, start, end)
        t0, t1 = query_range(start, end)
        more = _more(ctx, associate, start, end)
    except Unauthorized:
        return _page('<h1>Manager</h1><p>Sign in on the <a href="/associate">console</a> first.</p>', 401)
    except Forbidden:
        return _page("<h1>Manager</h1><p>These figures are for managers.</p>", 403)
    except Invalid as exc:
        return _page(f"<h1>Manager</h1><p>{escape(str(exc))}</p>", 422)
    with ctx.db.connect() as conn:
        days = figures.daily(conn, t0, t1)
        dwell = figures.dwell_minutes(conn, t0, t1)
    q = f"?from={_day(t0)}&amp;to={_day(t1 - 1)}"
    form = (
        '<form method="get" action="/manager"><label>From <input type="date" name="from"'
        f' value="{_day(t0)}"></label> <label>To <input type="date" name="to" value="{_day(t1 - 1)}"></label>'
        ' <button type="submit">Show</button></form>'
    )
    cards = "".join(
        f'<div class="card"><span>{escape(name)}</span>'
        f'<b data-kpi="{name}">{"-" if v is None else v}</b></div>'
        for name, v in k.model_dump().items()
        if name not in ("start", "end")
    )
    size_rows = _by_size(skus)
    labels = [_day(d) for d, _, _ in days]
    body = [
        f"<h1>Fitting rooms: {_day(t0)} to {_day(t1 - 1)}</h1>",
        form,
        f'<section class="cards">{cards}</section>',
        f'<p><a class="csv" href="/api/manager/kpis.csv{q}" download>Figures as CSV</a></p>',
        "<h2>Sessions per day</h2>",
        charts.line(
            "Sessions per day",
            labels,
            {"sessions": [n for _, n, _ in days], "with a purchase": [b for _, _, b in days]},
        ),
        svg_table(
            "Sessions per day", ["day", "sessions", "with a purchase"], [[_day(d), n, b] for d, n, b in days]
        ),
        "<h2>Tried and bought per size</h2>",
        charts.bars(
            "Per size",
            [str(r[0]) for r in size_rows],
            {
                "tried": [float(str(r[1])) for r in size_rows],
                "bought": [float(str(r[2])) for r in size_rows],
                "requested": [float(str(r[3])) for r in size_rows],
            },
        ),
        svg_table("Per size", ["size", "tried", "bought", "requested"], size_rows),
        "<h2>Dwell (minutes)</h2>",
        charts.bars("Dwell distribution", [f"{m}" for m, _ in dwell], {"sessions": [n for _, n in dwell]}),
        svg_table("Dwell distribution", ["minutes", "sessions"], [[m, n] for m, n in dwell]),
        "<h2>Garments</h2>",
        svg_table(
            "Per SKU",
            list(SkuRow.model_fields),
            [list(r.model_dump().values()) for r in skus],
            f"/api/manager/skus.csv{q}",
        ),
    ]
    return _page("".join(body + _sections(more, skus, f"{q}")))


def _more(ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None) -> dict[str, Any]:
    return {
        "styles": _styles(ctx, associate, start, end),
        "hours": _hours(ctx, associate, start, end),
        "tasks": _tasks(ctx, associate, start, end, "kind_hour"),
        "associates": _tasks(ctx, associate, start, end, "associate"),
        "go_backs": _go_backs(ctx, associate, start, end),
        "offers": _offers(ctx, associate, start, end),
        "queue": _queue(ctx, associate, start, end),
        "reservations": _reservations(ctx, associate, start, end),
    }


_TASK_HEAD = [
    "kind",
    "tasks",
    "claim p50 s",
    "claim p90 s",
    "complete p50 s",
    "complete p90 s",
    "over target",
]


def _task_cells(t: TaskRow) -> list[object]:
    return [t.tasks, t.claim_p50_s, t.claim_p90_s, t.complete_p50_s, t.complete_p90_s, t.over_target]


def _sections(more: dict[str, Any], skus: list[SkuRow], q: str) -> list[str]:
    """Use by hour, fit problems, sizes running out, associates' times, go-backs and offers."""
    hours = more["hours"]
    styles: list[StyleRow] = more["styles"]
    flagged = [s for s in styles if s.fit_problem]
    short = [r for r in skus if r.running_out or r.requested_sold_out]
    g, qu, rs = more["go_backs"], more["queue"], more["reservations"]
    return [
        "<h2>Fitting rooms in use by hour</h2>",
        charts.bars(
            "Utilisation by hour (%)",
            [f"{h.hour:02d}" for h in hours],
            {"in use %": [round(100 * (h.utilisation or 0.0), 1) for h in hours]},
        ),
        svg_table(
            "By hour",
            ["hour", "sessions started", "utilisation"],
            [[f"{h.hour:02d}", h.sessions_started, h.utilisation] for h in hours],
            f"/api/manager/hours.csv{q}",
        ),
        "<h2>Tried often, rarely bought</h2>",
        svg_table(
            "Styles (fit problems first)",
            ["style", "name", "tried", "bought", "try-to-buy", "fit problem"],
            [
                [s.style_id, s.name, s.tried, s.bought, s.try_to_buy, "yes" if s.fit_problem else ""]
                for s in flagged + [s for s in styles if not s.fit_problem]
            ],
            f"/api/manager/styles.csv{q}",
        ),
        "<h2>Asked for while sold out here</h2>",
        svg_table(
            "Lost demand",
            ["gtin", "name", "size", "colour", "sessions asking", "shipped home", "keeps running out"],
            [
                [
                    r.gtin,
                    r.name,
                    r.size,
                    r.colour,
                    r.requested_sold_out,
                    r.ordered_ship_home,
                    "yes" if r.running_out else "",
                ]
                for r in sorted(short, key=lambda r: -r.requested_sold_out)
            ],
        ),
        "<h2>Associates</h2>",
        svg_table(
            "By task kind and hour",
            ["hour", *_TASK_HEAD],
            [[f"{t.hour:02d}", t.kind, *_task_cells(t)] for t in more["tasks"]],
            f"/api/manager/tasks.csv{q}",
        ),
        svg_table(
            "Per associate",
            ["associate", *_TASK_HEAD],
            [[t.first_name or t.associate_id, t.kind, *_task_cells(t)] for t in more["associates"]],
            f"/api/manager/associates.csv{q}",
        ),
        "<h2>Go-backs</h2>",
        svg_table(
            "Go-backs",
            ["tasks", "garments left", "cleared", "open", "clear p50 s", "clear p90 s"],
            [[g.tasks, g.items, g.cleared, g.open, g.clear_p50_s, g.clear_p90_s]],
            f"/api/manager/go-backs.csv{q}",
        ),
        "<h2>Queue and reservations</h2>",
        svg_table(
            "Walk-in queue",
            ["tickets", "called", "waiting", "wait p50 s", "wait p90 s"],
            [[qu.tickets, qu.called, qu.waiting, qu.wait_p50_s, qu.wait_p90_s]],
            f"/api/manager/queue.csv{q}",
        ),
        svg_table(
            "Reservations to try",
            ["reservations", "made ready", "shown", "no-show", "show rate"],
            [[rs.reservations, rs.ready, rs.shown, rs.no_show, rs.show_rate]],
            f"/api/manager/reservations.csv{q}",
        ),
        "<h2>Offers</h2>",
        svg_table(
            "Offers",
            ["offer", "title", "presented (sessions)", "redeemed (items)", "sessions redeemed"],
            [[o.offer_id, o.title, o.presented, o.redeemed, o.sessions_redeemed] for o in more["offers"]],
            f"/api/manager/offers.csv{q}",
        ),
    ]
