"""``/api/manager``: the figures a store manager reads (issue 19), as JSON and as CSV (same path +
``.csv``). Only a signed-in associate with the manager role may read them (403 otherwise). Dates are
``from``/``to`` as ISO dates (``2026-12-01``, ``to`` inclusive) or Unix seconds; the default is the last
30 days. No member id or email is in any figure.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from charts import ranges
from edge import clock
from edge.errors import Forbidden, Invalid
from edge.storage import figures
from edge.storage import figures_demand as demand
from edge.storage.models import Associate
from edge.web.deps import CurrentAssociate, RoomsDep

__all__ = ["CSV", "JSON_ERRORS", "From", "To", "as_csv", "query_range", "require_manager", "router"]

router = APIRouter(prefix="/api/manager", tags=["manager"])

CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV, one header row"},
    401: {"description": "Not signed in"},
    403: {"description": "Not a manager"},
}
JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not a manager"},
}


class Kpis(BaseModel):
    start: float
    end: float
    sessions: int
    sessions_with_purchase: int
    conversion: float | None
    items_tried: int
    items_bought: int
    median_dwell_s: float | None
    claim_p50_s: float | None
    claim_p90_s: float | None
    go_back_items: int


class SkuRow(BaseModel):
    gtin: str
    style_id: str | None
    name: str | None
    size: str | None
    colour: str | None
    tried: int
    bought: int
    requested: int
    wanted_unbought: int
    requested_sold_out: int = Field(description="Sessions asking for it while sold out here (lost demand)")
    ordered_ship_home: int = Field(description="Items ordered from a mirror to ship home")
    running_out: bool = Field(description="Asked for while sold out here in 3 or more sessions of the range")


From = Annotated[str | None, Query(alias="from", description="YYYY-MM-DD or Unix seconds")]
To = Annotated[str | None, Query(alias="to", description="YYYY-MM-DD (inclusive) or Unix seconds")]


def require_manager(ctx: RoomsDep, associate: CurrentAssociate) -> None:
    with Session(ctx.db) as session:
        row = session.get(Associate, associate.id)
    if row is None or row.role != "manager":
        raise Forbidden("the manager's figures are for managers")


def _kpis(ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None) -> Kpis:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    with ctx.db.connect() as conn:
        found = figures.kpis(conn, t0, t1)
    return Kpis(start=t0, end=t1, **found.as_dict())


def _skus(ctx: RoomsDep, associate: CurrentAssociate, start: str | None, end: str | None) -> list[SkuRow]:
    require_manager(ctx, associate)
    t0, t1 = query_range(start, end)
    with ctx.db.connect() as conn:
        counts = {c.gtin: c for c in figures.sku_counts(conn, t0, t1)}
        lost = demand.lost_demand(conn, t0, t1)
        shipped = demand.ship_home_items(conn, t0, t1)
    short = demand.running_out(lost)
    for gtin in (set(lost) | set(shipped)) - set(counts):
        counts[gtin] = figures.SkuCounts(gtin, 0, 0, 0, 0)
    by_gtin = ctx.catalog.current().by_gtin
    rows = []
    for c in sorted(counts.values(), key=lambda r: (-r.tried, r.gtin)):
        style, sku = by_gtin.get(c.gtin, (None, None))
        rows.append(
            SkuRow(
                gtin=c.gtin,
                style_id=style.id if style else None,
                name=style.name if style else None,
                size=sku.size if sku else None,
                colour=sku.colour if sku else None,
                tried=c.tried,
                bought=c.bought,
                requested=c.requested,
                wanted_unbought=c.wanted_unbought,
                requested_sold_out=lost.get(c.gtin, 0),
                ordered_ship_home=shipped.get(c.gtin, 0),
                running_out=c.gtin in short,
            )
        )
    return rows


def query_range(start: str | None, end: str | None) -> tuple[float, float]:
    try:
        return ranges.date_range(start, end, now=clock.now())
    except ValueError as exc:
        raise Invalid(str(exc)) from exc


def as_csv(rows: list[BaseModel], fields: list[str]) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.model_dump().items() if k in fields})
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


@router.get("/kpis", response_model=Kpis, responses=JSON_ERRORS)
def kpis(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Kpis:
    """Sessions, purchases, conversion, items tried and bought, dwell, claim times, go-back items."""
    return _kpis(ctx, associate, start, end)


@router.get("/kpis.csv", response_class=Response, responses=CSV)
def kpis_csv(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Response:
    """The same figures as one CSV row."""
    return as_csv([_kpis(ctx, associate, start, end)], list(Kpis.model_fields))


@router.get("/skus", response_model=list[SkuRow], responses=JSON_ERRORS)
def skus(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> list[SkuRow]:
    """Per SKU: tried, bought, requested (size/colour asked for), wanted but unbought, asked for while
    sold out here, ordered to ship home, and whether the store keeps running out of it."""
    return _skus(ctx, associate, start, end)


@router.get("/skus.csv", response_class=Response, responses=CSV)
def skus_csv(ctx: RoomsDep, associate: CurrentAssociate, start: From = None, end: To = None) -> Response:
    """The SKU table as CSV."""
    return as_csv(list(_skus(ctx, associate, start, end)), list(SkuRow.model_fields))
