"""Suggestions for the mirror: other sizes and colours of an item, and what completes the look.

Pure functions of the catalog, what is in the room and (optionally) the shopper's profile. Rules callers
may rely on:
- ``variants_of`` lists every other SKU of the item's style with its availability: ``here`` (in this
  store, floor or stockroom), ``online`` (ship to home) or ``sold_out``.
- ``Suggester.complete_the_look`` never returns a SKU sold out here, nor any style already in the room;
  for sized categories it picks the size the shopper is trying (or the profile's preferred size), else
  the nearest size in stock.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from edge.catalog.model import Catalog, Category, Sku, StockLevel, Style
from edge.catalog.outfits import complements_of
from edge.suggest.profile import ShopperProfile

__all__ = ["Availability", "Reason", "Suggester", "Suggestion", "Variant", "availability_of", "variants_of"]


class Availability(StrEnum):
    HERE = "here"
    ONLINE = "online"
    SOLD_OUT = "sold_out"


class Reason(StrEnum):
    CO_PURCHASE = "co_purchase"  # co-purchase data links it to an item in the room
    CATEGORY = "category"  # a category that complements one in the room


@dataclass(frozen=True, slots=True)
class Variant:
    gtin: str
    size: str
    colour: str
    colour_hex: str
    availability: Availability
    in_room: bool


@dataclass(frozen=True, slots=True)
class Suggestion:
    style: Style
    sku: Sku
    reason: Reason
    score: float


# Categories whose sizes are read the same way, so a size tried in one predicts the other.
_SIZE_SYSTEMS: dict[Category, str] = {
    Category.TOPS: "letter",
    Category.OUTERWEAR: "letter",
    Category.DRESSES: "eu",
    Category.TROUSERS: "waist",
    Category.SHOES: "shoe",
    Category.BAGS: "one",
    Category.ACCESSORIES: "one",
}
_PER_CATEGORY = 2


def availability_of(stock: StockLevel) -> Availability:
    if stock.in_store > 0:
        return Availability.HERE
    if stock.online > 0:
        return Availability.ONLINE
    return Availability.SOLD_OUT


def variants_of(catalog: Catalog, gtin: str, *, in_room: Collection[str] = ()) -> list[Variant]:
    """The other SKUs of ``gtin``'s style: its own colour first, then the others; sizes in run order.

    Unknown GTINs have no variants.
    """
    found = catalog.by_gtin.get(gtin)
    if found is None:
        return []
    style, own = found
    skus = [s for s in style.skus if s.gtin != gtin]
    skus.sort(key=lambda s: 0 if s.colour == own.colour else 1)  # stable: keeps the run order
    return [
        Variant(
            gtin=s.gtin,
            size=s.size,
            colour=s.colour,
            colour_hex=s.colour_hex,
            availability=availability_of(catalog.stock_of(s.gtin)),
            in_room=s.gtin in in_room,
        )
        for s in skus
    ]


class Suggester:
    """Complete-the-look suggestions over one catalog; build once per catalog (it indexes co-purchases)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._together: dict[str, dict[str, int]] = {}
        for a, b, count in catalog.co_purchases:
            self._together.setdefault(a, {})[b] = self._together.get(a, {}).get(b, 0) + count
            self._together.setdefault(b, {})[a] = self._together.get(b, {}).get(a, 0) + count
        self._by_category: dict[Category, list[Style]] = {}
        for style in catalog.styles:
            self._by_category.setdefault(style.category, []).append(style)

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def complete_the_look(
        self,
        room_gtins: Iterable[str],
        *,
        profile: ShopperProfile | None = None,
        limit: int = 6,
    ) -> list[Suggestion]:
        """Up to ``limit`` items in stock here that go with what is in the room, best first."""
        in_room = set(room_gtins)
        room = [self._catalog.by_gtin[g] for g in sorted(in_room) if g in self._catalog.by_gtin]
        if not room or limit <= 0:
            return []
        room_styles = {style.id: style for style, _ in room}
        room_categories = {style.category for style in room_styles.values()}
        tried = _tried_sizes(room)

        scores: dict[str, tuple[float, Reason]] = {}
        for style in room_styles.values():
            complements = complements_of(style.category)
            for rank, category in enumerate(complements):
                weight = (len(complements) - rank) * (0.5 if category in room_categories else 1.0)
                for candidate in self._by_category.get(category, []):
                    bonus = 0.5 if candidate.brand == style.brand else 0.0
                    self._add(scores, candidate.id, weight + bonus, Reason.CATEGORY)
            for partner, count in self._together.get(style.id, {}).items():
                other = self._catalog.by_style.get(partner)
                # A second top next to a top is less of a look than shoes: halve same-category partners.
                factor = 0.5 if other is not None and other.category in room_categories else 1.0
                self._add(scores, partner, (2.0 + math.log1p(count)) * factor, Reason.CO_PURCHASE)

        out: list[Suggestion] = []
        per_category: dict[Category, int] = {}
        ranked = sorted(scores.items(), key=lambda kv: (-self._with_profile(kv[0], kv[1][0], profile), kv[0]))
        for style_id, (_, reason) in ranked:
            option = self._catalog.by_style.get(style_id)
            if option is None or style_id in room_styles:
                continue
            if per_category.get(option.category, 0) >= _PER_CATEGORY:
                continue
            sku = self._pick_sku(option, in_room, tried, profile)
            if sku is None:
                continue
            per_category[option.category] = per_category.get(option.category, 0) + 1
            score = self._with_profile(style_id, scores[style_id][0], profile)
            out.append(Suggestion(style=option, sku=sku, reason=reason, score=score))
            if len(out) >= limit:
                break
        return out

    # -- internals -------------------------------------------------------------------------------

    @staticmethod
    def _add(scores: dict[str, tuple[float, Reason]], style_id: str, points: float, reason: Reason) -> None:
        old, old_reason = scores.get(style_id, (0.0, reason))
        # Being bought together is the stronger, more specific reason: it wins the label.
        label = Reason.CO_PURCHASE if Reason.CO_PURCHASE in (old_reason, reason) else reason
        scores[style_id] = (old + points, label)

    def _with_profile(self, style_id: str, score: float, profile: ShopperProfile | None) -> float:
        if profile is None:
            return score
        style = self._catalog.by_style.get(style_id)
        if style is None:
            return score
        # Wanted and not bought, now in stock here: that comes first of all.
        if self._wanted_here(profile) & {sku.gtin for sku in style.skus}:
            score += 100.0
        if style.brand in profile.favourite_brands:
            return score + 1.5
        return score

    def _wanted_here(self, profile: ShopperProfile) -> set[str]:
        """GTINs the shopper wanted and did not buy (nor since) that are in stock here now."""
        bought = {p.gtin for p in profile.purchases}
        stock = self._catalog.stock_of
        return {u.gtin for u in profile.unbought if u.gtin not in bought and stock(u.gtin).in_store > 0}

    def _pick_sku(
        self,
        style: Style,
        in_room: set[str],
        tried: dict[str, list[str]],
        profile: ShopperProfile | None,
    ) -> Sku | None:
        """A SKU in stock here and not in the room, in the shopper's size when there is one."""
        stock = self._catalog.stock_of
        bought = {p.gtin for p in profile.purchases} if profile is not None else set()
        candidates = [
            s
            for s in style.skus
            if s.gtin not in in_room and s.gtin not in bought and stock(s.gtin).in_store > 0
        ]
        if not candidates:
            return None
        run = list(dict.fromkeys(s.size for s in style.skus))
        # Most telling first: a size being tried in this very category, then the profile's preferred size
        # for it, then sizes tried in a category sized the same way (a top's M for a jacket).
        wanted = list(tried.get(style.category.value, []))
        if profile is not None and style.category.value in profile.preferred_sizes:
            wanted.append(profile.preferred_sizes[style.category.value])
        wanted += tried.get(_SIZE_SYSTEMS[style.category], [])
        targets = [run.index(w) for w in wanted if w in run] or [len(run) // 2]
        colours = profile.favourite_colours if profile is not None else ()
        wanted_here = self._wanted_here(profile) if profile is not None else set()

        def rank(sku: Sku) -> tuple[int, int, int, int, int, int]:
            index = run.index(sku.size)
            if sku.gtin in wanted_here:  # the very size and colour they wanted
                return (0, 0, 0, 0, 0, index)
            nearest = min(abs(index - t) for t in targets)
            to_best = abs(index - targets[0])
            favourite = 0 if sku.colour in colours else 1
            return (1, nearest, to_best, favourite, -stock(sku.gtin).in_store, index)

        return min(candidates, key=rank)


def _tried_sizes(room: Iterable[tuple[Style, Sku]]) -> dict[str, list[str]]:
    """Sizes in the room by category value and by size system, in the order first seen."""
    tried: dict[str, list[str]] = {}
    for style, sku in room:
        for key in (style.category.value, _SIZE_SYSTEMS[style.category]):
            sizes = tried.setdefault(key, [])
            if sku.size not in sizes:
                sizes.append(sku.size)
    return tried
