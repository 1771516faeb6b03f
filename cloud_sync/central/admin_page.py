"""``/admin``: the head office's page (issue 19): the chain's fitting-room figures for a date range, for
every store or one, as server-drawn SVG charts (``charts.svg``, shared with the edge's manager page), each
with its table and CSV. Sign in with the admin token in the form (``admin_signin``); no script runs, and
nothing loads from elsewhere (strict CSP)."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from charts import svg
from charts.ranges import day
from charts.svg import table as svg_table
from cloud_sync.central import admin_signin as signin
from cloud_sync.central import kpis as figures
from cloud_sync.central import routes_work as work_routes
from cloud_sync.central.deps import SessionDep, SettingsDep
from cloud_sync.central.routes_kpis import (
    KPI_CSV_HEAD,
    ChainKpis,
    KpiFields,
    SkuRow,
    kpis_csv_rows,
    kpis_rows,
    resolve,
    sku_rows,
    store_names,
    to_csv,
)

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL")
SKUS_ON_PAGE = 100
CSS = """body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1f2937; }
form { margin: .5rem 0 1rem; } label { margin-right: .8rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .6rem; }
.card { border: 1px solid #d1d5db; border-radius: .5rem; padding: .6rem; }
.card span { display: block; font-size: .8rem; color: #6b7280; } .card b { font-size: 1.4rem; }
.chart { width: 100%; max-width: 960px; height: auto; display: block; }
.small { display: grid; grid-template-columns: repeat(auto-fill, minmax(30rem, 1fr)); gap: .8rem; }
.small h3 { font-size: .9rem; margin: .2rem 0; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .85rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #e5e7eb; padding: .2rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; } .error { color: #b91c1c; }
"""
TABLES = "kpis|skus|daily|sizes|dwell|styles|hours|tasks|go-backs|offers|queue|reservations"
Name = Annotated[str, Path(pattern=rf"^({TABLES})$")]
From = Annotated[str | None, Query(alias="from")]
To = Annotated[str | None, Query(alias="to")]
StoreQ = Annotated[str | None, Query(max_length=64)]


def _page(body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Fitting rooms - head office</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="/admin/page.css"></head><body>{body}</body></html>'
    )
    headers = {
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(html, status_code=status_code, headers=headers)


def _sign_in_form(message: str = "") -> str:
    error = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    return (
        f"<h1>Head office</h1>{error}"
        '<form method="post" action="/admin/sign-in"><label>Admin token <input type="password" name="token"'
        ' autocomplete="current-password" required></label> <button type="submit">Sign in</button></form>'
    )


def _by_size(rows: list[SkuRow]) -> list[list[Any]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        t = totals[r.size or "?"]
        for i, v in enumerate((r.tried, r.bought, r.requested, r.wanted_unbought)):
            t[i] += v
    order = {s: i for i, s in enumerate(SIZES)}
    return [[s, *t] for s, t in sorted(totals.items(), key=lambda kv: (order.get(kv[0], len(SIZES)), kv[0]))]


def _daily_rows(daily: list[tuple[str, float, int, int]]) -> list[list[Any]]:
    return [[sid, day(d), n, b, round(b / n, 4) if n else None] for sid, d, n, b in daily]


DAILY_HEAD = ["store_id", "day", "sessions", "sessions_with_purchase", "conversion"]
SIZE_HEAD = ["size", "tried", "bought", "requested", "wanted_unbought"]
DWELL_HEAD = ["minutes", "sessions"]


def _csv(
    session: Session, name: str, t0: float, t1: float, store_id: str | None
) -> tuple[list[str], list[dict[str, Any]]]:
    conn = session.connection()
    if name in work_routes.FIGURES:
        found = work_routes.figures_of(name, session, t0, t1, store_id)
        listed = found if isinstance(found, list) else [found]
        return list(work_routes.FIGURES[name][1].model_fields), [r.model_dump() for r in listed]
    if name == "kpis":
        return KPI_CSV_HEAD, kpis_csv_rows(kpis_rows(session, t0, t1, store_id))
    if name == "skus":
        return list(SkuRow.model_fields), [r.model_dump() for r in sku_rows(session, t0, t1, store_id)]
    rows: list[list[Any]]
    if name == "daily":
        head, rows = DAILY_HEAD, _daily_rows(figures.daily(conn, t0, t1, store_id))
    elif name == "sizes":
        head, rows = SIZE_HEAD, _by_size(sku_rows(session, t0, t1, store_id))
    else:
        head, rows = DWELL_HEAD, [[m, n] for m, n in figures.dwell_minutes(conn, t0, t1, store_id)]
    return head, [dict(zip(head, r, strict=True)) for r in rows]


def _cards(k: ChainKpis) -> str:
    return "".join(
        f'<div class="card"><span>{escape(name)}</span>'
        f'<b data-kpi="{name}">{"-" if v is None else v}</b></div>'
        for name, v in k.model_dump(include=set(KpiFields.model_fields)).items()
    )


def _form(t0: float, t1: float, store_id: str | None, names: dict[str, str]) -> str:
    options = ['<option value="">All stores</option>'] + [
        f'<option value="{escape(sid)}"{" selected" if sid == store_id else ""}>{escape(name)}</option>'
        for sid, name in names.items()
    ]
    return (
        '<form method="get" action="/admin">'
        f'<label>From <input type="date" name="from" value="{day(t0)}"></label>'
        f'<label>To <input type="date" name="to" value="{day(t1 - 1)}"></label>'
        f'<label>Store <select name="store_id">{"".join(options)}</select></label>'
        ' <button type="submit">Show</button></form>'
        '<form method="post" action="/admin/sign-out"><button type="submit">Sign out</button></form>'
    )


def _conversion_charts(daily: list[tuple[str, float, int, int]], names: dict[str, str]) -> str:
    """Chain-wide conversion per day, then one small chart per store (readable for twenty stores)."""
    per_store: dict[str, list[tuple[float, int, int]]] = defaultdict(list)
    chain: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for sid, d, n, b in daily:
        per_store[sid].append((d, n, b))
        chain[d][0] += n
        chain[d][1] += b
    days = sorted(chain)
    out = [
        svg.line(
            "Conversion per day, all shown stores (%)",
            [day(d) for d in days],
            {"conversion %": [round(100 * chain[d][1] / chain[d][0], 1) for d in days]},
        )
    ]
    if len(per_store) > 1:
        out.append('<div class="small">')
        for sid, points in sorted(per_store.items()):
            title = f"{names.get(sid, sid)}: conversion per day (%)"
            series = {"conversion %": [round(100 * b / n, 1) for _, n, b in points]}
            chart = svg.line(title, [day(d) for d, _, _ in points], series)
            out.append(f"<figure><h3>{escape(names.get(sid, sid))}</h3>{chart}</figure>")
        out.append("</div>")
    return "".join(out)


def _figures_page(session: Session, t0: float, t1: float, store_id: str | None) -> str:
    conn = session.connection()
    names = store_names(session)
    k = kpis_rows(session, t0, t1, store_id)
    skus = sku_rows(session, t0, t1, store_id)
    daily = figures.daily(conn, t0, t1, store_id)
    dwell = figures.dwell_minutes(conn, t0, t1, store_id)
    query = {"from": day(t0), "to": day(t1 - 1), **({"store_id": store_id} if store_id else {})}
    q = "?" + urlencode(query)
    sizes = _by_size(skus)
    scope = names.get(store_id, store_id) if store_id else "all stores"
    store_rows = [
        [s.store_id, s.name, *s.model_dump(include=set(KpiFields.model_fields)).values()] for s in k.stores
    ]
    body = [
        f"<h1>Fitting rooms, {escape(scope)}: {day(t0)} to {day(t1 - 1)}</h1>",
        _form(t0, t1, store_id, names),
        f'<section class="cards">{_cards(k)}</section>',
        svg_table(
            "Per store", ["store_id", "name", *KpiFields.model_fields], store_rows, f"/admin/kpis.csv{q}"
        )
        if store_rows
        else f'<p><a class="csv" href="/admin/kpis.csv{escape(q)}" download>Figures as CSV</a></p>',
        "<h2>Conversion over time</h2>",
        _conversion_charts(daily, names),
        "<details><summary>Sessions per store and day</summary>",
        svg_table("Sessions per store and day", DAILY_HEAD, _daily_rows(daily), f"/admin/daily.csv{q}"),
        "</details><h2>Tried, bought and asked for, per size</h2>",
        svg.bars(
            "Per size",
            [str(r[0]) for r in sizes],
            {
                "tried": [r[1] for r in sizes],
                "bought": [r[2] for r in sizes],
                "requested": [r[3] for r in sizes],
            },
        ),
        svg_table("Per size", SIZE_HEAD, sizes, f"/admin/sizes.csv{q}"),
        "<h2>Dwell (minutes in the room)</h2>",
        svg.bars("Dwell distribution", [f"{m}" for m, _ in dwell], {"sessions": [n for _, n in dwell]}),
        svg_table(
            "Dwell distribution (the last minute holds longer stays)",
            DWELL_HEAD,
            [[m, n] for m, n in dwell],
            f"/admin/dwell.csv{q}",
        ),
        "<h2>Garments</h2>",
        svg_table(
            f"Per SKU (the {SKUS_ON_PAGE} most tried; all in the CSV)",
            list(SkuRow.model_fields),
            [list(r.model_dump().values()) for r in skus[:SKUS_ON_PAGE]],
            f"/admin/skus.csv{q}",
        ),
        _work_section(session, t0, t1, store_id, q),
    ]
    return "".join(body)


def _rows(found: Any) -> tuple[list[str], list[list[Any]]]:
    listed = found if isinstance(found, list) else [found]
    head = list(type(listed[0]).model_fields) if listed else []
    return head, [list(r.model_dump().values()) for r in listed]


def _work_section(session: Session, t0: float, t1: float, store_id: str | None, q: str) -> str:
    """Styles and fit problems, rooms in use by hour of each store's day, the associates' task times,
    go-backs, the walk-in queue, reservations' show rate and offers: the store's figures, at head office."""

    def figure(name: str) -> Any:
        return work_routes.figures_of(name, session, t0, t1, store_id)

    hours = figure("hours")
    parts = [
        "<h2>Rooms in use by hour of the store's day</h2>",
        svg.bars(
            "Utilisation by hour",
            [f"{h.hour:02d}" for h in hours],
            {"in use %": [round(100 * (h.utilisation or 0), 1) for h in hours]},
        ),
    ]
    captions = {
        "hours": "Rooms in use by hour (each store's own time zone)",
        "styles": "Styles: try-to-buy and fit problems (tried 20+ times, bought at under half the rate)",
        "tasks": "Associates: claim and complete times by task kind and hour; requests over target",
        "go-backs": "Go-backs: garments left and the time to clear them",
        "queue": "Walk-in queue: tickets and waits",
        "reservations": "Reservations to try: show rate",
        "offers": "Offers shown on the mirrors and redeemed",
    }
    for name, caption in captions.items():
        head, rows = _rows(hours if name == "hours" else figure(name))
        parts.append(svg_table(caption, head, rows, f"/admin/{name}.csv{q}"))
    return "".join(parts)


@router.get("", response_class=HTMLResponse)
def page(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    start: From = None,
    end: To = None,
    store_id: StoreQ = None,
) -> HTMLResponse:
    if not settings.admin_token:
        return _page("<h1>Head office</h1><p>Set FITROOM_CENTRAL_ADMIN_TOKEN to use this page.</p>", 503)
    if not signin.signed_in(request, settings.admin_token):
        return _page(_sign_in_form())
    try:
        t0, t1 = resolve(session, start, end, store_id or None)
    except HTTPException as exc:
        return _page(f'<h1>Head office</h1><p class="error">{escape(str(exc.detail))}</p>', exc.status_code)
    return _page(_figures_page(session, t0, t1, store_id or None))


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, settings: SettingsDep) -> Response:
    if not signin.token_matches(await signin.form_token(request), settings.admin_token):
        return _page(_sign_in_form("That is not the admin token."), 401)
    response = RedirectResponse("/admin", status_code=303)
    signin.set_cookie(response, request, settings.admin_token)
    return response


@router.post("/sign-out")
def sign_out() -> Response:
    response = RedirectResponse("/admin", status_code=303)
    signin.clear_cookie(response)
    return response


@router.get("/page.css")
def css() -> Response:
    return Response(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/{name}.csv")
def page_csv(
    name: Name,
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    start: From = None,
    end: To = None,
    store_id: StoreQ = None,
) -> Response:
    """A chart's table as CSV, for the signed-in page (API clients use /v1/admin/kpis.csv and skus.csv)."""
    if not signin.signed_in(request, settings.admin_token):
        raise HTTPException(401, "sign in on /admin first")
    t0, t1 = resolve(session, start, end, store_id or None)
    head, rows = _csv(session, name, t0, t1, store_id or None)
    return to_csv(head, rows)
