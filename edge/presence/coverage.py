"""Which rooms the RFID readers can see right now.

A room is covered while every antenna mapped to it and every reader behind those antennas is up. An
antenna reported disconnected (Impinj ``antennaDisconnected``) or a reader gone (its MQTT last will)
makes its rooms unknown: what was in them is kept, not emptied. A room with no antenna at all is not
watched by RFID; it counts as covered (nothing there is believed, nothing is lost).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.reads import AntennaStatus, ReaderStatus

if TYPE_CHECKING:
    from edge.presence.store import StoreShape

__all__ = ["Coverage"]


class Coverage:
    """Antenna and reader up/down state; ``apply`` returns which rooms became unknown and known."""

    def __init__(self, layout: StoreShape) -> None:
        self._antenna_room = {
            (r.id, port): room for r in layout.readers for port, room in r.antenna_rooms().items()
        }
        self._reader_rooms = {r.id: frozenset(r.antenna_rooms().values()) for r in layout.readers}
        self._down_antennas: set[tuple[str, int]] = set()
        self._down_readers: set[str] = set()
        self._uncovered: frozenset[str] = frozenset()

    def covered(self, room: str) -> bool:
        return room not in self._uncovered

    def apply(self, status: AntennaStatus | ReaderStatus) -> tuple[list[str], list[str]]:
        """Record a status change; returns (rooms that became unknown, rooms that became known), sorted."""
        if isinstance(status, AntennaStatus):
            key = (status.reader_id, status.antenna)
            if key not in self._antenna_room:
                return [], []
            (self._down_antennas.discard if status.connected else self._down_antennas.add)(key)
        else:
            if status.reader_id not in self._reader_rooms:
                return [], []
            (self._down_readers.discard if status.online else self._down_readers.add)(status.reader_id)
        return self._recompute()

    def reader_heard(self, reader_id: str, antenna: int) -> tuple[list[str], list[str]]:
        """A tag report proves the reader and that antenna are up (a missed 'connected' message)."""
        key = (reader_id, antenna)
        if reader_id not in self._down_readers and key not in self._down_antennas:
            return [], []
        self._down_readers.discard(reader_id)
        self._down_antennas.discard(key)
        return self._recompute()

    def _recompute(self) -> tuple[list[str], list[str]]:
        rooms = {self._antenna_room[a] for a in self._down_antennas}
        for reader in self._down_readers:
            rooms |= self._reader_rooms[reader]
        before, after = self._uncovered, frozenset(rooms)
        self._uncovered = after
        return sorted(after - before), sorted(before - after)
