"""Profiles of opted-in shoppers at the edge: fetched from the central store when a shopper's iBeacon is
first seen at the store, kept briefly in memory, and dropped on erasure.

``ProfileDirectory`` implements the suggestions module's ``ProfileLookup`` (``profile_for_device``). The
cache is pure (time is passed in); fetching is the worker's job.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cloud_sync import wire
from edge.suggest.profile import ShopperProfile

__all__ = ["BeaconCode", "ProfileDirectory", "parse_ibeacon_device"]


@dataclass(frozen=True, slots=True)
class BeaconCode:
    uuid: str
    major: int
    minor: int


def parse_ibeacon_device(device: str) -> BeaconCode | None:
    """``iBeacon:<uuid>-<major>-<minor>`` (FORMATS.md §3, §5) → its code; None for any other device id."""
    if not device.startswith("iBeacon:"):
        return None
    parts = device.removeprefix("iBeacon:").rsplit("-", 2)
    if len(parts) != 3:
        return None
    raw_uuid, major, minor = parts
    try:
        code = BeaconCode(str(uuid.UUID(raw_uuid)), int(major), int(minor))
    except ValueError:
        return None
    if not (0 <= code.major <= 0xFFFF and 0 <= code.minor <= 0xFFFF):
        return None
    return code


@dataclass(slots=True)
class _Entry:
    profile: wire.ShopperProfile | None  # None: looked up, nobody we know (a negative entry)
    fetched_at: float


def to_suggest_profile(profile: wire.ShopperProfile) -> ShopperProfile:
    return ShopperProfile(
        member_id=profile.member_id,
        preferred_sizes=dict(profile.preferred_sizes),
        favourite_colours=tuple(profile.favourite_colours),
        favourite_brands=tuple(profile.favourite_brands),
    )


class ProfileDirectory:
    """Device id → profile, each entry valid for ``ttl_s`` (negative answers for ``negative_ttl_s``)."""

    def __init__(self, *, ttl_s: float = 600.0, negative_ttl_s: float = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._erased: set[str] = set()

    def _fresh(self, device: str, now: float) -> _Entry | None:
        entry = self._entries.get(device)
        if entry is None:
            return None
        ttl = self.ttl_s if entry.profile is not None else self.negative_ttl_s
        if now - entry.fetched_at > ttl:
            del self._entries[device]
            return None
        return entry

    def needs_fetch(self, device: str, now: float) -> bool:
        """True when ``device`` is an iBeacon with no fresh entry (the shopper is new here, or stale)."""
        return parse_ibeacon_device(device) is not None and self._fresh(device, now) is None

    def store(self, device: str, profile: wire.ShopperProfile | None, now: float) -> None:
        if profile is not None and profile.member_id in self._erased:
            profile = None
        self._entries[device] = _Entry(profile, now)

    def profile(self, device: str) -> wire.ShopperProfile | None:
        """The full profile (for the associate console) if fresh."""
        entry = self._fresh(device, self._clock())
        return entry.profile if entry else None

    def profile_for_device(self, device: str) -> ShopperProfile | None:
        """``ProfileLookup``: what suggestions use."""
        profile = self.profile(device)
        return to_suggest_profile(profile) if profile else None

    def forget_member(self, member_id: str) -> int:
        """Erasure: drop every cached copy of the member and never cache them again; returns entries."""
        self._erased.add(member_id)
        gone = [d for d, e in self._entries.items() if e.profile and e.profile.member_id == member_id]
        for device in gone:
            del self._entries[device]
        return len(gone)

    def __len__(self) -> int:
        return sum(1 for e in self._entries.values() if e.profile is not None)
