"""Reservation tasks say where each garment is in stock here: the sales floor first, else the stockroom,
else nowhere (null)."""

from __future__ import annotations

from catalog.model import StockLevel
from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG
from edge.reservations.desk import Reservation
from edge.web.reservations_api import public_reservation


def test_each_reserved_item_says_floor_stockroom_or_none() -> None:
    demo = load_catalog(DEMO_CATALOG)
    a, b, c = (demo.styles[0].skus[0].gtin, demo.styles[1].skus[0].gtin, demo.styles[2].skus[0].gtin)
    catalog = demo.model_copy(
        update={
            "stock": (
                StockLevel(gtin=a, floor=2, stockroom=5),
                StockLevel(gtin=b, floor=0, stockroom=1),
                StockLevel(gtin=c, floor=0, stockroom=0),
            )
        }
    )
    res = Reservation("r1", "m-1", "Maya", (a, b, c), 0.0, 1.0, None, "requested")
    items = public_reservation(catalog, res).items
    assert [i.stock for i in items] == ["floor", "stockroom", None]
    assert items[0].name == demo.styles[0].name
