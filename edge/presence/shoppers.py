"""Which room each opted-in shopper's phone is in, from BLE node reports.

The same ideas as for garments, in BLE's terms: each node's RSSI for a device is smoothed; a device
enters or moves to a room only after that room's node has reported it ``ble_confirm_reports`` times and
hears it ``ble_margin_db`` louder than the room it is in; it leaves after a silence window sized from
its own report rate (ESPresense throttles a still phone to about one report per 5 s), within
``[ble_min_window_s, ble_exit_timeout_s]``. While every node of its room is offline it does not leave.
A phone heard in a room longer than ``ble_exit_timeout_s`` (no passer-by's phone is) has ``shopper_stayed``
there; a shopper who stayed and has gone (unheard there, or won by another room), leaving no other phone
in it, takes what they wore (``left``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from edge.presence.events import EventType, PresenceEvent
from edge.presence.params import PresenceParams
from edge.presence.snapshot import ShopperPresence
from edge.reads import BleSighting

__all__ = ["ShopperTracker"]

_RSSI_SMOOTHING = 0.35
_GAP_LEARNING = 0.2
_PRIOR_GAP_S = 5.0
_DEFAULT_RSSI = -80.0


class _Node:
    __slots__ = ("distance", "gap", "last", "reports", "rssi", "until")

    def __init__(self, now: float, rssi: float, distance: float | None, p: PresenceParams) -> None:
        self.last, self.reports, self.gap = now, 1, _PRIOR_GAP_S
        self.rssi, self.distance = rssi, distance
        self.until = now + self.window(p)  # heard again by then, or the device has gone from its reach

    def hear(self, now: float, rssi: float, distance: float | None, p: PresenceParams) -> None:
        self.gap += _GAP_LEARNING * (min(now - self.last, p.ble_exit_timeout_s) - self.gap)
        self.rssi += _RSSI_SMOOTHING * (rssi - self.rssi)
        if distance is not None:
            d = self.distance
            self.distance = distance if d is None else d + _RSSI_SMOOTHING * (distance - d)
        self.last, self.reports, self.until = now, self.reports + 1, now + self.window(p)

    def in_reach(self, p: PresenceParams) -> bool:
        """Near enough (smoothed) to be in the node's room, when the node estimates distance."""
        return self.distance is None or self.distance <= p.ble_max_distance_m

    def window(self, p: PresenceParams) -> float:
        # Reports are roughly a Poisson stream: silence of w has probability exp(-w / gap).
        w = -math.log(p.miss_probability) * self.gap
        return min(max(w, p.ble_min_window_s), p.ble_exit_timeout_s)


@dataclass(slots=True)
class _Device:
    device: str
    room: str | None = None
    since: float = 0.0
    stayed: bool = False
    nodes: dict[str, _Node] = field(default_factory=dict)


class ShopperTracker:
    """Shopper presence per room; feed sightings in time order, tick to let silence count."""

    def __init__(
        self, params: PresenceParams, *, room_heard: Callable[[str], bool], left: Callable[[str], None]
    ) -> None:
        self._p = params
        self._room_heard = room_heard  # False while every BLE node of the room is offline
        self._left = left  # told of a room a shopper stayed in and left, with no other phone in it
        self._devices: dict[str, _Device] = {}

    def on_sighting(self, s: BleSighting, now: float) -> list[PresenceEvent]:
        p = self._p
        if s.rssi is not None and s.rssi < p.ble_min_rssi:
            return []
        rssi = s.rssi if s.rssi is not None else _DEFAULT_RSSI
        dev = self._devices.get(s.device_id) or self._devices.setdefault(s.device_id, _Device(s.device_id))
        node = dev.nodes.get(s.room_id)
        if node is None or now > node.until:
            dev.nodes[s.room_id] = _Node(now, rssi, s.distance_m, p)
        else:
            node.hear(now, rssi, s.distance_m, p)
        return self._decide(dev, now)

    def tick(self, now: float) -> list[PresenceEvent]:
        events: list[PresenceEvent] = []
        for dev in list(self._devices.values()):
            events += self._decide(dev, now)
            if dev.room is None and all(now > n.until for n in dev.nodes.values()):
                del self._devices[dev.device]
        return events

    def occupied(self) -> frozenset[str]:
        """Rooms a phone has stayed in and not left: someone is there."""
        return frozenset(d.room for d in self._devices.values() if d.stayed and d.room is not None)

    def residents(self) -> dict[str, list[ShopperPresence]]:
        out: dict[str, list[ShopperPresence]] = {}
        for dev in self._devices.values():
            if dev.room is not None:
                shopper = ShopperPresence(dev.device, dev.since, dev.nodes[dev.room].last)
                out.setdefault(dev.room, []).append(shopper)
        return out

    def _decide(self, dev: _Device, now: float) -> list[PresenceEvent]:
        p = self._p
        live = {r: n for r, n in dev.nodes.items() if now <= n.until and n.in_reach(p)}
        home = dev.room
        unheard = home is not None and home not in live and self._room_heard(home)
        # The room it is in keeps its last level while its nodes are offline: a neighbour must beat it.
        home_node = None if home is None or unheard else dev.nodes.get(home)
        best = max(live, key=lambda r: (live[r].rssi, r), default=None)
        if best is not None and best != home and self._beats(live[best], home_node):
            return self._move(dev, best, now)
        if unheard:
            return self._move(dev, None, now)
        if home is None or dev.stayed or not self._stayed(dev):
            return []
        dev.stayed = True
        return [PresenceEvent(now, EventType.SHOPPER_STAYED, home, device=dev.device)]

    def _stayed(self, dev: _Device) -> bool:
        """Heard in its room for longer than a passer-by's phone is."""
        return dev.room is not None and dev.nodes[dev.room].last - dev.since > self._p.ble_exit_timeout_s

    def _beats(self, node: _Node, home: _Node | None) -> bool:
        """Whether ``node``'s room wins the device from the room it is in (heard by ``home``)."""
        p = self._p
        confirmed = node.reports >= p.ble_confirm_reports
        return confirmed and (home is None or node.rssi >= home.rssi + p.ble_margin_db)

    def _move(self, dev: _Device, target: str | None, now: float) -> list[PresenceEvent]:
        events: list[PresenceEvent] = []
        if dev.room is not None:
            events.append(PresenceEvent(now, EventType.SHOPPER_LEFT, dev.room, device=dev.device))
            gone = target is not None or now > dev.nodes[dev.room].until  # not merely estimated farther off
            alone = all(d.room != dev.room for d in self._devices.values() if d is not dev)
            if gone and alone and self._stayed(dev):
                self._left(dev.room)
        if target is not None:
            events.append(PresenceEvent(now, EventType.SHOPPER_ENTERED, target, device=dev.device))
        dev.room, dev.since, dev.stayed = target, now, False
        return events
