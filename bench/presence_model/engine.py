"""The research model as a rule the presence bench can replay beside the edge's engine and the baselines:
observations in, ``item_entered`` / ``item_left`` events out (``presence_baselines.Rule``)."""

from __future__ import annotations

import math

from edge.layout import Layout
from edge.presence.coverage import Coverage
from edge.presence.events import EventType, PresenceEvent
from edge.presence.readers import ReaderWatch
from edge.presence.shoppers import ShopperTracker
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, Observation, ReaderStatus, TagRead
from presence_model.garments import GarmentTracker
from presence_model.params import ModelParams

__all__ = ["ModelEngine"]


class ModelEngine:
    """Garments, with shoppers' phones leaving a room as a hint that its garments may go with them.
    Antenna and reader outages, and readers that fall silent without a last will, make a room say
    nothing rather than "empty", as in the edge."""

    def __init__(self, layout: Layout, params: ModelParams | None = None) -> None:
        self._coverage = Coverage(layout)
        self._watch = ReaderWatch(layout, layout.presence)
        self._rooms = sorted({room for r in layout.readers for room in r.antenna_rooms().values()})
        self._now = -math.inf
        self._items = GarmentTracker(self._rooms, params or ModelParams(), covered=self._heard_rooms)
        self._node_rooms = {n.id: n.room for n in layout.ble_nodes}
        self._offline_nodes: set[str] = set()
        self._shoppers = ShopperTracker(layout.presence, room_heard=self._ble_room_heard)

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        self._now = now
        if isinstance(obs, TagRead):
            self._watch.heard(obs.reader_id, now)
            if not obs.is_merchandise:
                return []
            lost, back = self._coverage.reader_heard(obs.reader_id, obs.antenna)
            if lost or back:
                self._items.coverage_changed()
            return self._items.on_read(obs, now)
        if isinstance(obs, AntennaStatus | ReaderStatus):
            self._coverage.apply(obs)
            self._items.coverage_changed()
        elif isinstance(obs, BleSighting):
            self._shoppers_left(self._shoppers.on_sighting(obs, now), now)
        elif isinstance(obs, BleNodeStatus):
            (self._offline_nodes.discard if obs.online else self._offline_nodes.add)(obs.node_id)
        return []

    def tick(self, now: float) -> list[PresenceEvent]:
        self._now = now
        self._shoppers_left(self._shoppers.tick(now), now)
        return self._items.tick(now)

    def _shoppers_left(self, events: list[PresenceEvent], now: float) -> None:
        for e in events:
            if e.type is EventType.SHOPPER_LEFT:
                self._items.shopper_left(e.room, now)

    def _ble_room_heard(self, room: str) -> bool:
        nodes = [n for n, r in self._node_rooms.items() if r == room]
        return not nodes or any(n not in self._offline_nodes for n in nodes)

    def _heard_rooms(self) -> frozenset[str]:
        """Rooms whose antennas are up and whose readers are not improbably silent: their silence counts."""
        return frozenset(
            r for r in self._rooms if self._coverage.covered(r) and self._watch.silence(r, self._now) is None
        )
