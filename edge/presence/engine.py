"""The presence engine: garments and opted-in shoppers per room, robust to real RF.

Pure and deterministic: observations and the clock come in as arguments, events go out as return
values, and the same inputs give the same events. How garments are placed is in ``items`` (adaptive
windows, arbitration, session context), shoppers in ``shoppers``, reader and antenna outages in
``coverage``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.presence.coverage import Coverage
from edge.presence.events import EventType, PresenceEvent
from edge.presence.garment import Surroundings
from edge.presence.items import ItemTracker
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
        self._params = layout.presence
        self._coverage = Coverage(layout)
        self._watch = ReaderWatch(layout, self._params)
        self._node_rooms = {n.id: n.room for n in layout.ble_nodes}
        self._offline_nodes: set[str] = set()
        self._shoppers = ShopperTracker(self._params, room_heard=self._ble_room_heard)
        self._items = ItemTracker(
            self._params,
            Surroundings(
                covered=self._coverage.covered,
                blind_any=lambda: bool(self._coverage.uncovered),
                reader_silence=self._watch.silence,
                reader_last=self._watch.last_report,
                shopper_since=self._shoppers.in_room_since,
                shopper_arrived=self._shoppers.newest_arrival,
                shopper_departures=self._shoppers.departures,
            ),
        )

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        """Take one decoded observation received at ``now``; returns the events it causes."""
        if isinstance(obs, TagRead):
            self._watch.heard(obs.reader_id, now)
            if not obs.is_merchandise:
                return []
            lost, back = self._coverage.reader_heard(obs.reader_id, obs.antenna)
            if lost or back:
                return self._coverage_change(now, lost, back) + self._items.on_read(obs, now)
            return self._items.on_read(obs, now)
        if isinstance(obs, BleSighting):
            return self._shoppers.on_sighting(obs, now)
        if isinstance(obs, AntennaStatus | ReaderStatus):
            return self._coverage_change(now, *self._coverage.apply(obs))
        if isinstance(obs, BleNodeStatus):
            if obs.online:
                self._offline_nodes.discard(obs.node_id)
            else:
                self._offline_nodes.add(obs.node_id)
        return []

    def tick(self, now: float) -> list[PresenceEvent]:
        """Let time pass: items and shoppers whose silence now means they left, delayed entries."""
        return self._items.tick(now) + self._shoppers.tick(now)

    def room_covered(self, room_id: str) -> bool:
        """False while an antenna or reader covering the room is down: its contents are unknown."""
        return self._coverage.covered(room_id)

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
        for room in lost:
            self._items.coverage_lost(room, now)
        for room in back:
            self._items.coverage_restored(room, now)
        return [PresenceEvent(now, EventType.ROOM_UNKNOWN, r) for r in lost] + [
            PresenceEvent(now, EventType.ROOM_KNOWN, r) for r in back
        ]

    def _ble_room_heard(self, room: str) -> bool:
        nodes = [n for n, r in self._node_rooms.items() if r == room]
        return not nodes or any(n not in self._offline_nodes for n in nodes)
