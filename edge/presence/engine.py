"""The presence engine: which garment and which opted-in shopper is in which room.

Pure and deterministic: observations and the clock come in as arguments, events go out as return
values, and the same inputs give the same events. Garments are placed by one probabilistic model
(``garments``, ``belief``, ``radio``; see ``edge/presence/README.md``); shoppers' phones by
``shoppers``; antenna and reader outages are ``coverage``, readers that go quiet without a last will
``readers``. A room that cannot hear says nothing: its garments are unknown, never gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.presence.coverage import Coverage
from edge.presence.events import EventType, PresenceEvent
from edge.presence.garments import GarmentTracker
from edge.presence.radio import StoreRadio
from edge.presence.readers import ReaderWatch
from edge.presence.shoppers import ShopperTracker
from edge.presence.snapshot import RoomPresence
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, Observation, ReaderStatus, TagRead

if TYPE_CHECKING:
    from edge.presence.store import StoreShape

__all__ = ["PresenceEngine"]


class PresenceEngine:
    """Feed observations in time order with ``observe``; call ``tick`` (about every second) to let
    silence count. Callers may rely on: an item is in at most one room; every ``item_left`` follows an
    ``item_entered`` for the same room (likewise for shoppers); a room whose antenna or reader is down
    reports ``room_unknown`` and keeps its items until ``room_known``.
    """

    def __init__(self, layout: StoreShape) -> None:
        self._layout = layout
        params = layout.presence
        self._coverage = Coverage(layout)
        self._watch = ReaderWatch(layout, params)
        self._rfid_rooms = sorted({room for r in layout.readers for room in r.antenna_rooms().values()})
        self.radio = StoreRadio(self._rfid_rooms, params, layout.walls)  # learned, kept across restarts
        self._items = GarmentTracker(
            self.radio, params, covered=self._listening, staying=lambda now: self._shoppers.occupied()
        )
        self._node_rooms = {n.id: n.room for n in layout.ble_nodes}
        self._offline_nodes: set[str] = set()
        self._shoppers = ShopperTracker(params, room_heard=self._ble_room_heard, left=self._items.vacate)

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        """Take one decoded observation received at ``now``; returns the events it causes."""
        if isinstance(obs, TagRead):
            self._watch.heard(obs.reader_id, now)
            if not obs.is_merchandise:
                return []
            lost, back = self._coverage.reader_heard(obs.reader_id, obs.antenna)
            return self._coverage_change(now, lost, back) + self._items.on_read(obs, now)
        if isinstance(obs, BleSighting):
            return self._shoppers.on_sighting(obs, now)
        if isinstance(obs, AntennaStatus | ReaderStatus):
            return self._coverage_change(now, *self._coverage.apply(obs))
        if isinstance(obs, BleNodeStatus):
            (self._offline_nodes.discard if obs.online else self._offline_nodes.add)(obs.node_id)
        return []

    def tick(self, now: float) -> list[PresenceEvent]:
        """Let time pass: garments step through their silent seconds, shoppers' silence counts."""
        return self._items.tick(now) + self._shoppers.tick(now)

    def tracked_garments(self) -> int:
        """How many garments presence remembers (each is forgotten a day after its last read)."""
        return self._items.tracked()

    def snapshot(self) -> dict[str, RoomPresence]:
        """Every room of the layout with what is believed in it now, items and shoppers by arrival."""
        items = self._items.residents()
        shoppers = self._shoppers.residents()
        return {
            room.id: RoomPresence(
                room.id,
                covered=self._coverage.covered(room.id),
                items=tuple(sorted(items.get(room.id, []), key=lambda i: (i.since, i.epc))),
                shoppers=tuple(sorted(shoppers.get(room.id, []), key=lambda s: (s.since, s.device))),
            )
            for room in self._layout.rooms
        }

    def _coverage_change(self, now: float, lost: list[str], back: list[str]) -> list[PresenceEvent]:
        if lost or back:
            self._items.coverage_changed()
        unknown = [PresenceEvent(now, EventType.ROOM_UNKNOWN, r) for r in lost]
        return unknown + [PresenceEvent(now, EventType.ROOM_KNOWN, r) for r in back]

    def _ble_room_heard(self, room: str) -> bool:
        nodes = [n for n, r in self._node_rooms.items() if r == room]
        return not nodes or any(n not in self._offline_nodes for n in nodes)

    def _listening(self, now: float) -> frozenset[str]:
        """Rooms whose antennas are up and whose readers are not improbably silent: their silence counts."""
        up = [r for r in self._rfid_rooms if self._coverage.covered(r)]
        return frozenset(r for r in up if not self._watch.stalled(r, now))
