"""A known shopper's profile as suggestions and the console see it.

The profiles come from the central store; how the edge looks one up is the port ``edge.ports.ProfileLookup``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ShopperProfile"]


@dataclass(frozen=True, slots=True)
class ShopperProfile:
    """What the store may use of an opted-in shopper. ``member_id`` must never be logged."""

    member_id: str
    first_name: str | None = None
    preferred_sizes: Mapping[str, str] = field(default_factory=dict)  # category value -> size label
    favourite_colours: tuple[str, ...] = ()
    favourite_brands: tuple[str, ...] = ()
