"""Which categories complete an outfit built around another: the shop's styling rules.

Used by the demo catalog's co-purchase data and by the suggestions module ("complete the look").
"""

from __future__ import annotations

from edge.catalog.model import Category

__all__ = ["COMPLEMENTS", "complements_of"]

COMPLEMENTS: dict[Category, tuple[Category, ...]] = {
    Category.TOPS: (Category.TROUSERS, Category.OUTERWEAR, Category.SHOES, Category.ACCESSORIES),
    Category.DRESSES: (Category.OUTERWEAR, Category.SHOES, Category.BAGS, Category.ACCESSORIES),
    Category.TROUSERS: (Category.TOPS, Category.SHOES, Category.OUTERWEAR, Category.ACCESSORIES),
    Category.OUTERWEAR: (Category.TOPS, Category.TROUSERS, Category.ACCESSORIES, Category.SHOES),
    Category.SHOES: (Category.TROUSERS, Category.DRESSES, Category.BAGS),
    Category.BAGS: (Category.SHOES, Category.DRESSES, Category.ACCESSORIES),
    Category.ACCESSORIES: (Category.OUTERWEAR, Category.BAGS, Category.TOPS),
}


def complements_of(category: Category) -> tuple[Category, ...]:
    """Categories that complete a look around ``category``, best first; never ``category`` itself."""
    return COMPLEMENTS.get(category, ())
