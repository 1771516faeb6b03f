"""Catalog data model and its JSON file form.

The file (``edge/data/demo_catalog.json`` for the demo, or pulled from the central store) is:
``{"styles": [Style...], "stock": [StockLevel...], "co_purchases": [[style_a, style_b, count]...]}``.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Catalog", "Category", "Sku", "StockLevel", "Style", "load_catalog"]

GTIN14 = Field(pattern=r"^\d{14}$", description="GTIN-14, the key that links an EPC to its SKU")


class Category(StrEnum):
    TOPS = "tops"
    DRESSES = "dresses"
    TROUSERS = "trousers"
    OUTERWEAR = "outerwear"
    SHOES = "shoes"
    BAGS = "bags"
    ACCESSORIES = "accessories"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sku(_Frozen):
    gtin: str = GTIN14
    size: str = Field(description="Size label as printed on the garment ('M', '38', 'One size')")
    colour: str = Field(description="Colour name shown to shoppers")
    colour_hex: str = Field(pattern=r"^#[0-9a-fA-F]{6}$", description="Swatch colour")
    colours: dict[str, str] = Field(
        default_factory=dict, description="The colour name in other languages: ISO 639-1 code -> text"
    )

    def in_language(self, lang: str) -> Sku:
        """This SKU with its colour named in ``lang`` where the catalog has it."""
        colour = self.colours.get(lang)
        return self if colour is None else self.model_copy(update={"colour": colour})


class Style(_Frozen):
    id: str = Field(min_length=1, description="Style number")
    name: str
    brand: str
    category: Category
    price_cents: int = Field(ge=0)
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    description: str = ""
    image: str = Field(default="", description="Image path or URL served by the edge")
    skus: tuple[Sku, ...] = Field(min_length=1)
    names: dict[str, str] = Field(
        default_factory=dict, description="The name in other languages: ISO 639-1 code -> text"
    )
    descriptions: dict[str, str] = Field(
        default_factory=dict, description="The description in other languages: ISO 639-1 code -> text"
    )

    def in_language(self, lang: str) -> Style:
        """This style with its name, description and colours in ``lang`` where the catalog has them."""
        name, description = self.names.get(lang), self.descriptions.get(lang)
        skus = tuple(sku.in_language(lang) for sku in self.skus)
        same_skus = all(a is b for a, b in zip(skus, self.skus, strict=True))
        if name is None and description is None and same_skus:
            return self
        return self.model_copy(
            update={"name": name or self.name, "description": description or self.description, "skus": skus}
        )


class StockLevel(_Frozen):
    gtin: str = GTIN14
    floor: int = Field(default=0, ge=0, description="Units on the sales floor of this store")
    stockroom: int = Field(default=0, ge=0, description="Units in this store's stockroom")
    online: int = Field(default=0, ge=0, description="Units available online (ship to home)")

    @property
    def in_store(self) -> int:
        return self.floor + self.stockroom


class Catalog(_Frozen):
    styles: tuple[Style, ...] = ()
    stock: tuple[StockLevel, ...] = ()
    co_purchases: tuple[tuple[str, str, int], ...] = ()

    @cached_property
    def by_gtin(self) -> dict[str, tuple[Style, Sku]]:
        return {sku.gtin: (style, sku) for style in self.styles for sku in style.skus}

    @cached_property
    def by_style(self) -> dict[str, Style]:
        return {s.id: s for s in self.styles}

    @cached_property
    def stock_by_gtin(self) -> dict[str, StockLevel]:
        return {s.gtin: s for s in self.stock}

    def stock_of(self, gtin: str) -> StockLevel:
        return self.stock_by_gtin.get(gtin) or StockLevel(gtin=gtin)

    @cached_property
    def languages_cache(self) -> dict[str, Catalog]:
        return {}

    def in_language(self, lang: str) -> Catalog:
        """This catalog with its styles' names, descriptions and colours in ``lang`` where it has them (made
        once per language and kept with the catalog; the catalog itself when it has none in ``lang``)."""
        found = self.languages_cache.get(lang)
        if found is None:
            styles = tuple(s.in_language(lang) for s in self.styles)
            same = all(a is b for a, b in zip(styles, self.styles, strict=True))
            # A new catalog, not a copy: a copy would carry this one's cached indexes of the other names.
            found = (
                self
                if same
                else Catalog.model_construct(styles=styles, stock=self.stock, co_purchases=self.co_purchases)
            )
            self.languages_cache[lang] = found
        return found


def load_catalog(path: str | Path) -> Catalog:
    """Read a catalog JSON file; raises pydantic's ValidationError naming the field at fault."""
    return Catalog.model_validate_json(Path(path).read_bytes())
