"""Read-only views of what the presence core believes now."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ItemPresence", "RoomPresence", "ShopperPresence"]


@dataclass(frozen=True, slots=True)
class ItemPresence:
    epc: str
    gtin: str | None
    since: float
    last_seen: float
    confidence: float  # the posterior probability that it is in this room now, 0-1


@dataclass(frozen=True, slots=True)
class ShopperPresence:
    device: str
    since: float
    last_seen: float


@dataclass(frozen=True, slots=True)
class RoomPresence:
    room_id: str
    covered: bool  # False while an antenna or reader covering the room is down: contents unknown
    items: tuple[ItemPresence, ...] = field(default_factory=tuple)
    shoppers: tuple[ShopperPresence, ...] = field(default_factory=tuple)
