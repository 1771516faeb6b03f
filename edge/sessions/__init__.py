"""Fitting-room sessions: the pure state machine (``machine``) and the facts it reports (``changes``)."""

from edge.sessions.changes import (
    ItemAdded,
    ItemLeft,
    Leftover,
    SessionChange,
    SessionEnded,
    SessionOpened,
    ShopperJoined,
)
from edge.sessions.machine import (
    FittingRooms,
    OpenSession,
    RestoredItem,
    RestoredSession,
    RoomState,
    SessionItem,
)

__all__ = [
    "FittingRooms",
    "ItemAdded",
    "ItemLeft",
    "Leftover",
    "OpenSession",
    "RestoredItem",
    "RestoredSession",
    "RoomState",
    "SessionChange",
    "SessionEnded",
    "SessionItem",
    "SessionOpened",
    "ShopperJoined",
]
