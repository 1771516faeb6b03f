"""The chain's catalog and stock, versioned so that every edge can pull only what changed.

Each changed row takes its own version from one counter (``sql.bump_versions``), so a pull is simply
"rows with version > cursor, in version order", and a page boundary never splits or skips a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select

from catalog.model import Style
from cloud_sync.central.models import CatalogSku, CatalogStyle, CoPurchase, OnlineStock, StoreStock
from cloud_sync.central.sql import bump_versions, insert_for
from cloud_sync.wire import CatalogPage, StockPage, StockRow

__all__ = [
    "items_in_language",
    "pull_catalog",
    "pull_stock",
    "upsert_online_stock",
    "upsert_store_stock",
    "upsert_styles",
]


def _upsert(session: Session, model: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    """Insert or update ``rows`` by primary key ``keys``: one cached statement, run as executemany."""
    # The same key twice in one multi-row upsert is an error on PostgreSQL: the last one wins.
    rows = list({tuple(r[k] for k in keys): r for r in rows}.values())
    if not rows:
        return
    table = model.__table__
    stmt = insert_for(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={c: getattr(stmt.excluded, c) for c in rows[0] if c not in keys},
    )
    session.connection().execute(stmt, rows)


def upsert_styles(
    session: Session, styles: Sequence[Style], co_purchases: Sequence[tuple[str, str, int]] = ()
) -> int:
    """Insert or replace styles (and their GTIN index) and co-purchase counts; returns rows changed."""
    versions = iter(bump_versions(session, len(styles) + len(co_purchases)))
    _upsert(
        session,
        CatalogStyle,
        ["id"],
        [
            {"id": style.id, "body": style.model_dump(mode="json"), "version": next(versions)}
            for style in styles
        ],
    )
    _upsert(
        session,
        CatalogSku,
        ["gtin"],
        [
            {
                "gtin": sku.gtin,
                "style_id": style.id,
                "name": style.name,
                "brand": style.brand,
                "category": style.category.value,
                "size": sku.size,
                "colour": sku.colour,
                "price_cents": style.price_cents,
                "currency": style.currency,
            }
            for style in styles
            for sku in style.skus
        ],
    )
    _upsert(
        session,
        CoPurchase,
        ["style_a", "style_b"],
        [{"style_a": a, "style_b": b, "count": n, "version": next(versions)} for a, b, n in co_purchases],
    )
    return len(styles) + len(co_purchases)


def upsert_store_stock(session: Session, store_id: str, rows: Iterable[tuple[str, int, int]]) -> int:
    """Set (gtin, floor, stockroom) for one store; returns rows changed."""
    rows = list(rows)
    _upsert(
        session,
        StoreStock,
        ["store_id", "gtin"],
        [
            {"store_id": store_id, "gtin": gtin, "floor": floor, "stockroom": stockroom, "version": version}
            for version, (gtin, floor, stockroom) in zip(bump_versions(session, len(rows)), rows, strict=True)
        ],
    )
    return len(rows)


def upsert_online_stock(session: Session, rows: Iterable[tuple[str, int]]) -> int:
    """Set online (ship-to-home) availability per GTIN; returns rows changed."""
    rows = list(rows)
    _upsert(
        session,
        OnlineStock,
        ["gtin"],
        [
            {"gtin": gtin, "online": online, "version": version}
            for version, (gtin, online) in zip(bump_versions(session, len(rows)), rows, strict=True)
        ],
    )
    return len(rows)


def pull_catalog(session: Session, *, since: int, limit: int) -> CatalogPage:
    """Styles and co-purchase pairs changed after ``since`` (at most ``limit``), oldest change first."""
    styles = session.exec(
        select(CatalogStyle)
        .where(col(CatalogStyle.version) > since)
        .order_by(col(CatalogStyle.version))
        .limit(limit + 1)
    ).all()
    pairs = session.exec(
        select(CoPurchase)
        .where(col(CoPurchase.version) > since)
        .order_by(col(CoPurchase.version))
        .limit(limit + 1)
    ).all()
    merged = sorted([(s.version, s) for s in styles] + [(p.version, p) for p in pairs], key=lambda r: r[0])
    page, more = merged[:limit], len(merged) > limit
    version = page[-1][0] if page else since
    return CatalogPage(
        styles=[r.body for _, r in page if isinstance(r, CatalogStyle)],
        co_purchases=[(r.style_a, r.style_b, r.count) for _, r in page if isinstance(r, CoPurchase)],
        version=version,
        more=more,
    )


def pull_stock(session: Session, *, store_id: str, since: int, limit: int) -> StockPage:
    """Full stock rows (floor, stockroom, online) for every GTIN whose store or online stock changed
    after ``since`` (at most ``limit``), oldest change first."""
    local = session.exec(
        select(StoreStock)
        .where(StoreStock.store_id == store_id, col(StoreStock.version) > since)
        .order_by(col(StoreStock.version))
        .limit(limit + 1)
    ).all()
    online = session.exec(
        select(OnlineStock)
        .where(col(OnlineStock.version) > since)
        .order_by(col(OnlineStock.version))
        .limit(limit + 1)
    ).all()
    merged = sorted([(r.version, r.gtin) for r in local] + [(r.version, r.gtin) for r in online])
    page, more = merged[:limit], len(merged) > limit
    gtins = list(dict.fromkeys(g for _, g in page))
    floor = (
        {
            r.gtin: r
            for r in session.exec(
                select(StoreStock).where(StoreStock.store_id == store_id, col(StoreStock.gtin).in_(gtins))
            ).all()
        }
        if gtins
        else {}
    )
    web = (
        {
            r.gtin: r.online
            for r in session.exec(select(OnlineStock).where(col(OnlineStock.gtin).in_(gtins))).all()
        }
        if gtins
        else {}
    )
    rows = [
        StockRow(
            gtin=g,
            floor=floor[g].floor if g in floor else 0,
            stockroom=floor[g].stockroom if g in floor else 0,
            online=web.get(g, 0),
        )
        for g in gtins
    ]
    return StockPage(stock=rows, version=page[-1][0] if page else since, more=more)


def items_in_language(session: Session, items: Sequence[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """``items`` (each with a ``gtin``, as events and profiles record them) with the name and colour the
    catalog gives them in ``lang``; an item whose style the catalog no longer has stays as it was."""
    wanted = {str(i["style_id"]) for i in items if i.get("style_id")}
    rows = session.exec(select(CatalogStyle).where(col(CatalogStyle.id).in_(wanted))).all() if wanted else []
    named = {
        sku.gtin: (style.name, sku.colour)
        for row in rows
        for style in [Style.model_validate(row.body).in_language(lang)]
        for sku in style.skus
    }
    out = []
    for item in items:
        found = named.get(str(item.get("gtin")))
        out.append(item if found is None else {**item, "name": found[0], "colour": found[1]})
    return out
