"""The fitting rooms' lights: ``welcome`` when a session starts, ``idle`` when it ends, and the scene a
shopper picks on the mirror, each sent in the light's own dialect (``edge.lighting``) at QoS 1.

Follows ``ROOM_CHANGED`` and compares the room's session with the one it last saw, so it needs nothing
from the session manager but its snapshots. The MQTT client is passed in as a plain ``publish`` callable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from edge.errors import Invalid, NotFound
from edge.layout import Layout
from edge.lighting import command

__all__ = ["Publish", "RoomLights"]

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes, int], None]


class RoomLights:
    def __init__(self, layout: Layout, publish: Publish) -> None:
        self._lighting = layout.lighting
        self._lights = {r.id: r.light for r in layout.fitting_rooms if r.light is not None}
        self._publish = publish
        self._sessions: dict[str, str | None] = {}
        self.scenes: dict[str, str] = {}  # room id -> the scene last sent

    def has_light(self, room_id: str) -> bool:
        return room_id in self._lights

    def shopper_scenes(self) -> list[str]:
        return self._lighting.shopper_scenes()

    def session_seen(self, room_id: str, session_id: str | None) -> None:
        """Call on every room change: a new session gets ``welcome``, an ended one ``idle``."""
        if room_id not in self._lights:
            return
        before = self._sessions.get(room_id)
        self._sessions[room_id] = session_id
        if session_id is not None and session_id != before:
            self.set_scene(room_id, "welcome")
        elif session_id is None and before is not None:
            self.set_scene(room_id, "idle")

    def set_scene(self, room_id: str, name: str) -> dict[str, object]:
        """Send scene ``name`` to the room's light; returns the command sent (NotFound: no light,
        Invalid: no such scene)."""
        light = self._lights.get(room_id)
        if light is None:
            raise NotFound(f"room {room_id!r} has no light")
        scene = self._lighting.scene(name)
        if scene is None:
            raise Invalid(f"no scene {name!r}; scenes: {', '.join(self._lighting.all_scenes())}")
        payload = command(scene, light.dialect)
        self._publish(light.command_topic, json.dumps(payload).encode(), 1)
        self.scenes[room_id] = name
        log.info("lights: room %s scene %s", room_id, name)
        return payload
