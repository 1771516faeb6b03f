"""Offers the chain defined at the central store, as the edge uses them (pure: no I/O, time passed in).

An offer targets stores, room kinds and items (GTINs or categories; neither: every item), may be for
members only, and is valid in a window. The mirror shows at most one: ``banner_for`` picks the best that
applies to the items in the room (largest discount, then the one ending soonest).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

__all__ = ["Offer", "applies_to_item", "banner_for", "targets_zone"]


class Offer(BaseModel):
    """One offer as the central store publishes it (``GET /v1/stores/{store_id}/offers``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    title: str
    body: str
    store_ids: list[str] | None = None
    room_kinds: list[str] | None = None
    gtins: list[str] | None = None
    categories: list[str] | None = None
    discount_pct: int | None = None
    members_only: bool = False
    valid_from: float
    valid_until: float
    max_per_member_per_day: int = 1


def targets_zone(offer: Offer, *, store_id: str, room_kind: str, now: float) -> bool:
    """Valid now, for this store and this kind of room."""
    return (
        offer.valid_from <= now < offer.valid_until
        and (offer.store_ids is None or store_id in offer.store_ids)
        and (offer.room_kinds is None or room_kind in offer.room_kinds)
    )


def applies_to_item(offer: Offer, gtin: str | None, category: str | None) -> bool:
    if offer.gtins is not None:
        return gtin is not None and gtin in offer.gtins
    if offer.categories is not None:
        return category is not None and category in offer.categories
    return gtin is not None


def banner_for(
    offers: Sequence[Offer],
    *,
    store_id: str,
    room_kind: str,
    items: Iterable[tuple[str | None, str | None]],
    member_known: bool,
    now: float,
) -> Offer | None:
    """The one offer to show for ``items`` (gtin, category) in the room, or None."""
    items = list(items)
    fitting = [
        o
        for o in offers
        if targets_zone(o, store_id=store_id, room_kind=room_kind, now=now)
        and (member_known or not o.members_only)
        and any(applies_to_item(o, g, c) for g, c in items)
    ]
    fitting.sort(key=lambda o: (-(o.discount_pct or 0), o.valid_until, o.id))
    return fitting[0] if fitting else None
