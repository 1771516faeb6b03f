"""A known shopper's profile as suggestions and the console see it, and how the edge looks one up.

The profiles come from the central store (cloud-sync issue): whoever fetches them implements
``ProfileLookup`` and hands it to the web layer. Until then ``NoProfiles`` knows nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["NoProfiles", "ProfileLookup", "ShopperProfile"]


@dataclass(frozen=True, slots=True)
class ShopperProfile:
    """What the store may use of an opted-in shopper. ``member_id`` must never be logged."""

    member_id: str
    first_name: str | None = None
    preferred_sizes: Mapping[str, str] = field(default_factory=dict)  # category value -> size label
    favourite_colours: tuple[str, ...] = ()
    favourite_brands: tuple[str, ...] = ()


class ProfileLookup(Protocol):
    def profile_for_device(self, device: str) -> ShopperProfile | None:
        """The profile of the shopper whose phone is ``device`` (a presence device id), if known."""
        ...


class NoProfiles:
    """The lookup used when no profile source is configured: every shopper is anonymous."""

    def profile_for_device(self, device: str) -> ShopperProfile | None:
        return None
