"""Presence events: what the presence core tells the rest of the edge."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["EventType", "PresenceEvent"]


class EventType(StrEnum):
    ITEM_ENTERED = "item_entered"
    ITEM_LEFT = "item_left"
    SHOPPER_ENTERED = "shopper_entered"
    SHOPPER_STAYED = "shopper_stayed"  # heard in the room longer than a passer-by: a shopper is in it
    SHOPPER_LEFT = "shopper_left"
    ROOM_UNKNOWN = "room_unknown"  # an antenna or reader covering the room is down
    ROOM_KNOWN = "room_known"  # coverage is back


@dataclass(frozen=True, slots=True)
class PresenceEvent:
    t: float
    type: EventType
    room: str
    epc: str | None = None
    gtin: str | None = None
    device: str | None = None
    # item_entered / item_left: the posterior probability (0-1), when decided, that it is (still) in ``room``
    confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON Lines shape of docs/formats.md §8; optional fields appear only when set."""
        out: dict[str, Any] = {"t": round(self.t, 3), "type": self.type.value, "room": self.room}
        confidence = None if self.confidence is None else round(self.confidence, 4)
        optional = {"epc": self.epc, "gtin": self.gtin, "device": self.device, "confidence": confidence}
        return out | {k: v for k, v in optional.items() if v is not None}
