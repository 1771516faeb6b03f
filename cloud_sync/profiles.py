"""Profiles of opted-in shoppers at the edge: fetched from the central store when a shopper's iBeacon is
first seen at the store, kept briefly in memory, and dropped on erasure.

``ProfileDirectory`` implements the edge's port ``edge.ports.ProfileLookup`` (``profile_for_device``). The
cache is pure (time is passed in); fetching is the worker's job.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cloud_sync import wire
from edge.suggest.profile import ProfileItem, ShopperProfile

__all__ = ["BeaconCode", "ProfileDirectory", "parse_ibeacon_device"]


@dataclass(frozen=True, slots=True)
class BeaconCode:
    uuid: str
    major: int
    minor: int


def parse_ibeacon_device(device: str) -> BeaconCode | None:
    """``iBeacon:<uuid>-<major>-<minor>`` (docs/formats.md §3, §5) → its code; None for any other
    device id."""
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
    refresh_at: float


def to_suggest_profile(profile: wire.ShopperProfile) -> ShopperProfile:
    return ShopperProfile(
        member_id=profile.member_id,
        first_name=profile.first_name,
        preferred_sizes=dict(profile.preferred_sizes),
        favourite_colours=tuple(profile.favourite_colours),
        favourite_brands=tuple(profile.favourite_brands),
        language=profile.language,
        purchases=tuple(
            ProfileItem(p.gtin, p.name, p.size, p.colour, channel=p.channel, at=p.purchased_at)
            for p in profile.purchases
        ),
        unbought=tuple(ProfileItem(u.gtin, u.name, u.size, u.colour) for u in profile.unbought),
        last_visit_at=profile.last_visit_at,
    )


class ProfileDirectory:
    """Device id → profile. A profile is refreshed from the centre when its shopper is seen again after
    ``refresh_after_s``, and served (stale, if the centre is unreachable) for up to ``keep_s``. "Nobody
    we know" is remembered for ``negative_ttl_s``; so is a failed lookup, so a walking shopper's phone
    does not cost a request per presence event."""

    def __init__(
        self,
        *,
        refresh_after_s: float = 300.0,
        keep_s: float = 3600.0,
        negative_ttl_s: float = 60.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.refresh_after_s = refresh_after_s
        self.keep_s = keep_s
        self.negative_ttl_s = negative_ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._erased: set[str] = set()

    def needs_fetch(self, device: str, now: float) -> bool:
        """True when ``device`` is an iBeacon not looked up yet, or due for a refresh."""
        if parse_ibeacon_device(device) is None:
            return False
        entry = self._entries.get(device)
        return entry is None or now >= entry.refresh_at

    def store(self, device: str, profile: wire.ShopperProfile | None, now: float) -> None:
        """Record a lookup's answer (None: the centre knows nobody with this code)."""
        if profile is not None and profile.member_id in self._erased:
            profile = None
        wait = self.refresh_after_s if profile is not None else self.negative_ttl_s
        self._entries[device] = _Entry(profile, now, now + wait)
        self._prune(now)

    def lookup_failed(self, device: str, now: float) -> None:
        """The centre could not be asked: keep what we had, ask again after ``negative_ttl_s``."""
        entry = self._entries.get(device)
        if entry is None:
            self._entries[device] = _Entry(None, now, now + self.negative_ttl_s)
            self._prune(now)
        else:
            entry.refresh_at = now + self.negative_ttl_s

    def _prune(self, now: float) -> None:
        if len(self._entries) <= self.max_entries:
            return
        for device, entry in list(self._entries.items()):
            if now - entry.fetched_at > self.keep_s or (entry.profile is None and now >= entry.refresh_at):
                del self._entries[device]

    def profile(self, device: str) -> wire.ShopperProfile | None:
        """The full profile (for the associate console), if known and not older than ``keep_s``."""
        entry = self._entries.get(device)
        if entry is None or entry.profile is None or self._clock() - entry.fetched_at > self.keep_s:
            return None
        return entry.profile

    def profile_for_device(self, device: str) -> ShopperProfile | None:
        """``ProfileLookup``: what suggestions use."""
        profile = self.profile(device)
        return to_suggest_profile(profile) if profile else None

    def forget_member(self, member_id: str) -> int:
        """Erasure: drop every cached copy of the member and never cache them again; returns entries."""
        self._erased.add(member_id)
        gone = [d for d, e in list(self._entries.items()) if e.profile and e.profile.member_id == member_id]
        for device in gone:
            del self._entries[device]
        return len(gone)

    def __len__(self) -> int:
        return sum(1 for e in self._entries.values() if e.profile is not None)
