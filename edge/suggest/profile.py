"""A known shopper's profile as suggestions and the console see it.

The profiles come from the central store; how the edge looks one up is the port ``edge.ports.ProfileLookup``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ProfileItem", "ShopperProfile"]


@dataclass(frozen=True, slots=True)
class ProfileItem:
    """A garment in a shopper's history: bought (``channel`` set) or wanted and not bought."""

    gtin: str
    name: str | None = None
    size: str | None = None
    colour: str | None = None
    channel: str | None = None
    at: float | None = None


@dataclass(frozen=True, slots=True)
class ShopperProfile:
    """What the store may use of an opted-in shopper. ``member_id`` must never be logged."""

    member_id: str
    first_name: str | None = None
    preferred_sizes: Mapping[str, str] = field(default_factory=dict)  # category value -> size label
    favourite_colours: tuple[str, ...] = ()
    favourite_brands: tuple[str, ...] = ()
    language: str | None = None
    purchases: tuple[ProfileItem, ...] = ()  # newest first, every channel
    unbought: tuple[ProfileItem, ...] = ()  # sizes and colours they wanted and did not buy
    last_visit_at: float | None = None  # their last session at this store ended then
