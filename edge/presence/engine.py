"""Presence engine, first version: sound and simple.

An item is in the room whose antennas read it most strongly lately; it leaves after
``exit_timeout_s`` of silence. BLE devices likewise follow the node that hears them best. The RF-robust
engine (adaptive windows, evidence arbitration, session context) replaces the internals behind this same
interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from edge.presence.events import EventType, PresenceEvent
from edge.presence.snapshot import ItemPresence, RoomPresence, ShopperPresence
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, Observation, ReaderStatus, TagRead

if TYPE_CHECKING:
    from edge.layout import Layout

__all__ = ["PresenceEngine"]


@dataclass(slots=True)
class _Track:
    room: str
    gtin: str | None
    since: float
    last_seen: float
    rssi: float


class PresenceEngine:
    """Feed observations in time order with ``observe``; call ``tick`` to let silence count."""

    def __init__(self, layout: Layout) -> None:
        self._layout = layout
        self._params = layout.presence
        self._items: dict[str, _Track] = {}
        self._shoppers: dict[str, _Track] = {}
        self._down_antennas: set[tuple[str, int]] = set()
        self._down_readers: set[str] = set()
        self._reader_rooms = {r.id: set(r.antenna_rooms().values()) for r in layout.readers}
        self._antenna_room = {
            (r.id, p): room for r in layout.readers for p, room in r.antenna_rooms().items()
        }

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        if isinstance(obs, TagRead):
            return self._on_tag(obs, now)
        if isinstance(obs, BleSighting):
            return self._on_ble(obs, now)
        if isinstance(obs, AntennaStatus):
            return self._on_coverage(now, lambda: self._set_antenna(obs))
        if isinstance(obs, ReaderStatus):
            return self._on_coverage(now, lambda: self._set_reader(obs))
        if isinstance(obs, BleNodeStatus):
            return []
        return []

    def tick(self, now: float) -> list[PresenceEvent]:
        events: list[PresenceEvent] = []
        for epc, tr in list(self._items.items()):
            if now - tr.last_seen > self._params.exit_timeout_s and self.room_covered(tr.room):
                del self._items[epc]
                events.append(PresenceEvent(now, EventType.ITEM_LEFT, tr.room, epc=epc, gtin=tr.gtin))
        for dev, tr in list(self._shoppers.items()):
            if now - tr.last_seen > self._params.ble_exit_timeout_s:
                del self._shoppers[dev]
                events.append(PresenceEvent(now, EventType.SHOPPER_LEFT, tr.room, device=dev))
        return events

    def room_covered(self, room_id: str) -> bool:
        return room_id not in self._uncovered_rooms()

    def snapshot(self) -> dict[str, RoomPresence]:
        uncovered = self._uncovered_rooms()
        items: dict[str, list[ItemPresence]] = {}
        for epc, tr in self._items.items():
            items.setdefault(tr.room, []).append(ItemPresence(epc, tr.gtin, tr.since, tr.last_seen))
        shoppers: dict[str, list[ShopperPresence]] = {}
        for dev, tr in self._shoppers.items():
            shoppers.setdefault(tr.room, []).append(ShopperPresence(dev, tr.since, tr.last_seen))
        return {
            room.id: RoomPresence(
                room.id,
                covered=room.id not in uncovered,
                items=tuple(sorted(items.get(room.id, []), key=lambda i: (i.since, i.epc))),
                shoppers=tuple(sorted(shoppers.get(room.id, []), key=lambda s: (s.since, s.device))),
            )
            for room in self._layout.rooms
        }

    # -- internals -----------------------------------------------------------------------------

    def _on_tag(self, read: TagRead, now: float) -> list[PresenceEvent]:
        if not read.is_merchandise:
            return []
        rssi = read.rssi_dbm if read.rssi_dbm is not None else -70.0
        tr = self._items.get(read.epc)
        if tr is None:
            self._items[read.epc] = _Track(read.room_id, read.gtin, now, now, rssi)
            return [PresenceEvent(now, EventType.ITEM_ENTERED, read.room_id, epc=read.epc, gtin=read.gtin)]
        if tr.room == read.room_id:
            tr.last_seen = now
            tr.rssi = max(rssi, tr.rssi - 1.0)
            return []
        stale = now - tr.last_seen > 2.0
        if rssi > tr.rssi + 3.0 or stale:
            events = [
                PresenceEvent(now, EventType.ITEM_LEFT, tr.room, epc=read.epc, gtin=tr.gtin),
                PresenceEvent(now, EventType.ITEM_ENTERED, read.room_id, epc=read.epc, gtin=read.gtin),
            ]
            self._items[read.epc] = _Track(read.room_id, read.gtin, now, now, rssi)
            return events
        return []

    def _on_ble(self, s: BleSighting, now: float) -> list[PresenceEvent]:
        if s.rssi is not None and s.rssi < self._params.ble_min_rssi:
            return []
        rssi = s.rssi if s.rssi is not None else -80.0
        tr = self._shoppers.get(s.device_id)
        if tr is None:
            self._shoppers[s.device_id] = _Track(s.room_id, None, now, now, rssi)
            return [PresenceEvent(now, EventType.SHOPPER_ENTERED, s.room_id, device=s.device_id)]
        if tr.room == s.room_id:
            tr.last_seen = now
            tr.rssi = rssi
            return []
        if rssi > tr.rssi + 3.0 or now - tr.last_seen > 10.0:
            self._shoppers[s.device_id] = _Track(s.room_id, None, now, now, rssi)
            return [
                PresenceEvent(now, EventType.SHOPPER_LEFT, tr.room, device=s.device_id),
                PresenceEvent(now, EventType.SHOPPER_ENTERED, s.room_id, device=s.device_id),
            ]
        return []

    def _uncovered_rooms(self) -> set[str]:
        rooms = {self._antenna_room[a] for a in self._down_antennas if a in self._antenna_room}
        for reader in self._down_readers:
            rooms |= self._reader_rooms.get(reader, set())
        return rooms

    def _set_antenna(self, s: AntennaStatus) -> None:
        key = (s.reader_id, s.antenna)
        if s.connected:
            self._down_antennas.discard(key)
        else:
            self._down_antennas.add(key)

    def _set_reader(self, s: ReaderStatus) -> None:
        if s.online:
            self._down_readers.discard(s.reader_id)
        else:
            self._down_readers.add(s.reader_id)

    def _on_coverage(self, now: float, change: object) -> list[PresenceEvent]:
        before = self._uncovered_rooms()
        assert callable(change)
        change()
        after = self._uncovered_rooms()
        events = [PresenceEvent(now, EventType.ROOM_UNKNOWN, r) for r in sorted(after - before)]
        events += [PresenceEvent(now, EventType.ROOM_KNOWN, r) for r in sorted(before - after)]
        # Items heard during an outage keep their last_seen; give them a fresh start on recovery.
        for tr in self._items.values():
            if tr.room in before - after:
                tr.last_seen = now
        return events
