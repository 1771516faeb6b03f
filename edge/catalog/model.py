"""The catalog model, as the edge imports it. It is defined in ``catalog.model`` (shared with the central
store, which must import nothing of the edge); this name stays so the edge's modules keep one import."""

from catalog.model import Catalog, Category, Sku, StockLevel, Style, load_catalog

__all__ = ["Catalog", "Category", "Sku", "StockLevel", "Style", "load_catalog"]
