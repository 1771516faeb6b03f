"""Folding the central store's catalog and stock changes into the edge's catalog (pure functions), and
keeping the result in the edge database so a restart without the centre still has it."""

from __future__ import annotations

import logging
import time

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cloud_sync.ledger import CatalogSnapshot
from cloud_sync.wire import CatalogPage, StockPage
from edge.catalog.model import Catalog, StockLevel, Style

__all__ = ["load_snapshot", "merge_catalog", "merge_stock", "overlay", "save_snapshot"]

log = logging.getLogger(__name__)


def merge_catalog(catalog: Catalog, page: CatalogPage) -> Catalog:
    """Replace or add the page's styles and co-purchase pairs; a style that fails validation is skipped
    (logged by id) so one bad record never blocks the rest."""
    styles = dict(catalog.by_style)
    for body in page.styles:
        try:
            style = Style.model_validate(body)
        except ValidationError:
            log.warning("central catalog: style %r is invalid; skipped", body.get("id"))
            continue
        styles[style.id] = style
    pairs = {(a, b): n for a, b, n in catalog.co_purchases}
    for a, b, n in page.co_purchases:
        pairs[(a, b)] = n
    return Catalog(
        styles=tuple(styles.values()),
        stock=catalog.stock,
        co_purchases=tuple((a, b, n) for (a, b), n in pairs.items()),
    )


def merge_stock(catalog: Catalog, page: StockPage) -> Catalog:
    """Replace the stock levels of the page's GTINs."""
    stock = dict(catalog.stock_by_gtin)
    for row in page.stock:
        stock[row.gtin] = StockLevel(
            gtin=row.gtin, floor=row.floor, stockroom=row.stockroom, online=row.online
        )
    return Catalog(styles=catalog.styles, stock=tuple(stock.values()), co_purchases=catalog.co_purchases)


def overlay(base: Catalog, pulled: Catalog) -> Catalog:
    """``base`` (the edge's own file) with everything ``pulled`` from the centre taking precedence."""
    styles = {**base.by_style, **pulled.by_style}
    stock = {**base.stock_by_gtin, **pulled.stock_by_gtin}
    pairs = {(a, b): n for a, b, n in (*base.co_purchases, *pulled.co_purchases)}
    return Catalog(
        styles=tuple(styles.values()),
        stock=tuple(stock.values()),
        co_purchases=tuple((a, b, n) for (a, b), n in pairs.items()),
    )


def save_snapshot(engine: Engine, catalog: Catalog) -> None:
    with Session(engine) as session:
        row = session.get(CatalogSnapshot, 1) or CatalogSnapshot(id=1, body="", saved_at=0.0)
        row.body = catalog.model_dump_json()
        row.saved_at = time.time()
        session.add(row)
        session.commit()


def load_snapshot(engine: Engine) -> Catalog | None:
    with Session(engine) as session:
        row = session.get(CatalogSnapshot, 1)
    if row is None:
        return None
    try:
        return Catalog.model_validate_json(row.body)
    except ValidationError:
        log.warning("stored central catalog snapshot is unreadable; ignoring it")
        return None
