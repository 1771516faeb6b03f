"""Presence: which garment and which opted-in shopper is in which room. Pure: time is an argument."""

from edge.presence.engine import PresenceEngine
from edge.presence.events import EventType, PresenceEvent
from edge.presence.params import PresenceParams
from edge.presence.snapshot import ItemPresence, RoomPresence, ShopperPresence

__all__ = [
    "EventType",
    "ItemPresence",
    "PresenceEngine",
    "PresenceEvent",
    "PresenceParams",
    "RoomPresence",
    "ShopperPresence",
]
