"""The product catalog: styles, their SKUs (size, colour, GTIN), local and online stock."""

from edge.catalog.model import Catalog, Category, Sku, StockLevel, Style, load_catalog

__all__ = ["Catalog", "Category", "Sku", "StockLevel", "Style", "load_catalog"]
