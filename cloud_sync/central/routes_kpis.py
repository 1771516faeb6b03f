"""``/v1/admin/kpis`` and ``/v1/admin/skus``: the fitting rooms' figures for head office (issue 19), for
the chain and per store, as JSON and as CSV (same path + ``.csv``), behind the admin token. ``from`` and
``to`` are ISO dates (``to`` inclusive), ISO datetimes or Unix seconds; the default is the last 30 days.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from charts.ranges import date_range
from charts.tallies import RUNNING_OUT_MIN_SESSIONS, running_out
from cloud_sync.central import kpis as figures
from cloud_sync.central.deps import AdminDep, SessionDep
from cloud_sync.central.models import Store

__all__ = ["ChainKpis", "SkuRow", "StoreKpis", "kpis_rows", "resolve", "router", "sku_rows", "to_csv"]

router = APIRouter(prefix="/v1/admin", tags=["admin"])
MAX_DAYS = 400  # a year and a bit: enough to compare with last year's season, and a bounded scan

CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV, one header row"},
}


class KpiFields(BaseModel):
    sessions: int = Field(description="fitting-room sessions that started in the range and ended")
    sessions_with_purchase: int
    conversion: float | None = Field(description="sessions_with_purchase / sessions; null without sessions")
    items_tried: int
    items_bought: int
    median_dwell_s: float | None
    claim_p50_s: float | None = Field(description="created to claimed, tasks created in the range")
    claim_p90_s: float | None
    go_back_items: int


class StoreKpis(KpiFields):
    store_id: str
    name: str


class ChainKpis(KpiFields):
    """The chain's figures, or one store's when ``store_id`` is given; ``stores`` lists every store's
    figures (only when no ``store_id`` was given)."""

    start: float
    end: float
    store_id: str | None
    stores: list[StoreKpis]


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
    requested_sold_out: int = Field(description="Sessions asking for it while sold out in their store")
    ordered_ship_home: int = Field(description="Items ordered from a mirror to ship home")
    running_out: bool = Field(
        default=False,
        description=f"Asked for while sold out in {RUNNING_OUT_MIN_SESSIONS}+ sessions of the range",
    )


From = Annotated[str | None, Query(alias="from", description="YYYY-MM-DD, ISO datetime or Unix seconds")]
To = Annotated[str | None, Query(alias="to", description="YYYY-MM-DD (inclusive), ISO datetime or Unix s")]
StoreQ = Annotated[
    str | None, Query(max_length=64, description="one store; the chain and each store if absent")
]


def resolve(
    session: Session, start: str | None, end: str | None, store_id: str | None
) -> tuple[float, float]:
    """The range ``[t0, t1)``; 422 for a bad range, 404 for an unknown store."""
    try:
        t0, t1 = date_range(start, end, max_days=MAX_DAYS)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if store_id is not None and session.get(Store, store_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no store {store_id!r}")
    return t0, t1


def store_names(session: Session) -> dict[str, str]:
    return {s.id: s.name for s in session.exec(select(Store).order_by(Store.id)).all()}


def kpis_rows(session: Session, t0: float, t1: float, store_id: str | None) -> ChainKpis:
    conn: Connection = session.connection()
    found = figures.kpis(conn, t0, t1, store_id)
    stores: list[StoreKpis] = []
    if store_id is None:
        names = store_names(session)
        for sid in sorted(set(names) | set(found.stores)):
            k = found.stores.get(sid, figures.Kpis())
            stores.append(StoreKpis(store_id=sid, name=names.get(sid, sid), **k.as_dict()))
    return ChainKpis(start=t0, end=t1, store_id=store_id, stores=stores, **found.total.as_dict())


def sku_rows(session: Session, t0: float, t1: float, store_id: str | None) -> list[SkuRow]:
    counts = figures.sku_counts(session.connection(), t0, t1, store_id)
    short = running_out({c.gtin: c.requested_sold_out for c in counts})
    return [SkuRow(**asdict(c), running_out=c.gtin in short) for c in counts]


def to_csv(head: list[str], rows: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=head, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


KPI_CSV_HEAD = ["scope", "store_id", "name", "start", "end", *KpiFields.model_fields]


def kpis_csv_rows(k: ChainKpis) -> list[dict[str, Any]]:
    """The chain's row (scope ``chain``, or ``store`` with a store_id given), then one per store."""
    first = {"scope": "store" if k.store_id else "chain", **k.model_dump(exclude={"stores"})}
    rest = [{"scope": "store", "start": k.start, "end": k.end, **s.model_dump()} for s in k.stores]
    return [first, *rest]


@router.get("/kpis", response_model=ChainKpis)
def get_kpis(
    _admin: AdminDep, session: SessionDep, start: From = None, end: To = None, store_id: StoreQ = None
) -> ChainKpis:
    """Sessions, purchases, conversion, garments tried and bought, dwell, claim times and go-back garments,
    chain-wide and per store (or for one store)."""
    t0, t1 = resolve(session, start, end, store_id)
    return kpis_rows(session, t0, t1, store_id)


@router.get("/kpis.csv", response_class=Response, responses=CSV)
def get_kpis_csv(
    _admin: AdminDep, session: SessionDep, start: From = None, end: To = None, store_id: StoreQ = None
) -> Response:
    """The same figures as CSV: the chain's row, then one row per store."""
    t0, t1 = resolve(session, start, end, store_id)
    return to_csv(KPI_CSV_HEAD, kpis_csv_rows(kpis_rows(session, t0, t1, store_id)))


@router.get("/skus", response_model=list[SkuRow])
def get_skus(
    _admin: AdminDep, session: SessionDep, start: From = None, end: To = None, store_id: StoreQ = None
) -> list[SkuRow]:
    """Per SKU: tried, bought, requested (size/colour asked for) and wanted but unbought; most tried
    first."""
    t0, t1 = resolve(session, start, end, store_id)
    return sku_rows(session, t0, t1, store_id)


@router.get("/skus.csv", response_class=Response, responses=CSV)
def get_skus_csv(
    _admin: AdminDep, session: SessionDep, start: From = None, end: To = None, store_id: StoreQ = None
) -> Response:
    """The SKU table as CSV."""
    t0, t1 = resolve(session, start, end, store_id)
    return to_csv(list(SkuRow.model_fields), [r.model_dump() for r in sku_rows(session, t0, t1, store_id)])
