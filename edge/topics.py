"""Every topic the in-process bus (``edge.bus``) carries, each with its payload type.

Publishers and subscribers import the topic from here; mypy then checks the payload on both sides.

========================  ==================  =============================================================
topic                     payload             published by
========================  ==================  =============================================================
``PRESENCE``              ``PresenceEvent``   the ingest loop: an item or shopper entered or left a room
``ROOM_CHANGED``          room id (``str``)   the session manager and actions: a room's mirror view changed
``TASKS_CHANGED``         ``None``            the session manager and actions: the console's task list changed
``PROFILE_ARRIVED``       device id (``str``) cloud sync: a shopper profile for that phone just arrived
``MEMBER_ERASED``         member id (``str``) cloud sync: the member asked to be forgotten; drop what you hold
========================  ==================  =============================================================
"""

from __future__ import annotations

from typing import Final

from edge.bus import Topic
from edge.presence.events import PresenceEvent

__all__ = ["MEMBER_ERASED", "PRESENCE", "PROFILE_ARRIVED", "ROOM_CHANGED", "TASKS_CHANGED"]

PRESENCE: Final = Topic[PresenceEvent]("presence")
ROOM_CHANGED: Final = Topic[str]("room_changed")
TASKS_CHANGED: Final = Topic[None]("tasks_changed")
PROFILE_ARRIVED: Final = Topic[str]("profile")
MEMBER_ERASED: Final = Topic[str]("member_erased")
