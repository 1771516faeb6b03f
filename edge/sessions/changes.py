"""What the session state machine tells its adapter: small immutable facts, in the order they happened."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ItemAdded",
    "ItemLeft",
    "Leftover",
    "SessionChange",
    "SessionEnded",
    "SessionOpened",
    "ShopperJoined",
]


@dataclass(frozen=True, slots=True)
class SessionOpened:
    session_id: str
    room_id: str
    t: float
    cause: str  # item_entered | shopper_entered | mirror


@dataclass(frozen=True, slots=True)
class ItemAdded:
    """An item entered the room during the session (first time, or back after leaving)."""

    session_id: str
    room_id: str
    epc: str
    gtin: str | None
    t: float
    first_time: bool


@dataclass(frozen=True, slots=True)
class ItemLeft:
    session_id: str
    room_id: str
    epc: str
    t: float
    unconfirmed: bool = False  # restored after a restart and never heard again


@dataclass(frozen=True, slots=True)
class ShopperJoined:
    session_id: str
    room_id: str
    device: str
    t: float


@dataclass(frozen=True, slots=True)
class Leftover:
    epc: str
    gtin: str | None


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The room was empty of people and new activity for the idle time; leftovers become go-backs."""

    session_id: str
    room_id: str
    t: float
    started_at: float
    leftovers: tuple[Leftover, ...]


SessionChange = SessionOpened | ItemAdded | ItemLeft | ShopperJoined | SessionEnded
