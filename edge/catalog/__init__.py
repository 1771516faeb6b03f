"""The product catalog: styles, their SKUs (size, colour, GTIN), local and online stock."""

from edge.catalog.model import Catalog, Category, Sku, StockLevel, Style, load_catalog
from edge.catalog.source import CatalogSource, FileCatalog, FixedCatalog

__all__ = [
    "Catalog",
    "CatalogSource",
    "Category",
    "FileCatalog",
    "FixedCatalog",
    "Sku",
    "StockLevel",
    "Style",
    "load_catalog",
]
