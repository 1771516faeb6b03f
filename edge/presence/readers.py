"""Noticing a reader that has stopped reporting before anyone says so.

A reader that drops off the network is announced by its MQTT last will only once the broker's keep-alive
lapses, seconds to a minute later; until then its rooms simply go quiet, and every garment in them would
look as if it had left. Garments in several rooms do not all leave in the same second, so a reader that
was reporting from two or more rooms and then falls silent everywhere at once, for longer than its own
report rate makes likely, is treated as stalled: its rooms' garments are held (for at most
``reader_stall_hold_s``) until it reports again or its last will arrives.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from edge.presence.evidence import binomial_window
from edge.presence.params import PresenceParams

if TYPE_CHECKING:
    from edge.layout import Layout

__all__ = ["ReaderWatch"]

_RATE_LEARNING = 0.1
# Rooms reported within this long before a reader's last report were busy when it fell silent.
_BUSY_S = 2.0


class _Reader:
    __slots__ = ("gap", "last", "rooms", "sec")

    def __init__(self) -> None:
        self.last = -math.inf
        self.sec = -(2**62)
        self.gap = 1.0  # mean seconds between seconds-with-a-report
        self.rooms: dict[str, float] = {}  # room -> last report from one of its antennas


class ReaderWatch:
    """Per reader: when it last reported, how often it reports, and from which rooms."""

    def __init__(self, layout: Layout, params: PresenceParams) -> None:
        self._p = params
        self._readers = {r.id: _Reader() for r in layout.readers}
        rooms: dict[str, list[str]] = {}
        for r in layout.readers:
            for room in set(r.antenna_rooms().values()):
                rooms.setdefault(room, []).append(r.id)
        self._room_readers = {room: tuple(ids) for room, ids in rooms.items()}

    def heard(self, reader_id: str, room_id: str, now: float) -> None:
        """A tag report from ``reader_id``'s antenna in ``room_id`` (the hot path: keep it cheap)."""
        r = self._readers.get(reader_id)
        if r is None:
            return
        r.last = now
        r.rooms[room_id] = now
        sec = math.floor(now)
        if sec > r.sec:
            gap = min(sec - r.sec, 60)
            r.gap += _RATE_LEARNING * (gap - r.gap)
            r.sec = sec

    def stalled(self, room: str, now: float) -> bool:
        """Has every reader covering ``room`` gone silent all at once, improbably for its rate?"""
        readers = self._room_readers.get(room)
        if not readers:
            return False
        return all(self._stalled(self._readers[r], now) for r in readers)

    def _stalled(self, r: _Reader, now: float) -> bool:
        silent = now - r.last
        if silent > self._p.reader_stall_hold_s:
            return False  # nobody said it was down: believe the silence after all
        window = max(binomial_window(1.0 / max(r.gap, 1.0), self._p.miss_probability), 2.0)
        if silent <= window:
            return False
        busy = sum(1 for t in r.rooms.values() if t >= r.last - _BUSY_S)
        return busy >= 2
