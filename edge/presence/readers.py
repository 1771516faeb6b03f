"""Noticing a reader that has stopped reporting before anyone says so.

A reader that drops off the network is announced by its MQTT last will only once the broker's keep-alive
lapses, seconds to a minute later; until then its rooms simply go quiet, and every garment in them would
look as if it had left. This module tells, per room, whether every reader covering it has been silent
for longer than its own report rate makes likely (and not longer than ``reader_stall_hold_s``), and
since when. Whether that silence means a stalled reader is the item tracker's call: garments in two
rooms do not all leave in the same second.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from edge.presence.evidence import binomial_window
from edge.presence.params import PresenceParams

if TYPE_CHECKING:
    from edge.presence.store import StoreShape

__all__ = ["ReaderWatch"]

_RATE_LEARNING = 0.1


class _Reader:
    __slots__ = ("gap", "last", "sec")

    def __init__(self) -> None:
        self.last = -math.inf
        self.sec = -(2**62)
        self.gap = 1.0  # mean seconds between seconds-with-a-report


class ReaderWatch:
    """Per reader: when it last reported, how often it reports, and from which rooms."""

    def __init__(self, layout: StoreShape, params: PresenceParams) -> None:
        self._p = params
        self._readers = {r.id: _Reader() for r in layout.readers}
        rooms: dict[str, list[str]] = {}
        for r in layout.readers:
            for room in set(r.antenna_rooms().values()):
                rooms.setdefault(room, []).append(r.id)
        self._room_readers = {room: tuple(ids) for room, ids in rooms.items()}
        self._reader_rooms = {r.id: frozenset(r.antenna_rooms().values()) for r in layout.readers}

    def heard(self, reader_id: str, now: float) -> None:
        """A tag report from ``reader_id`` (the hot path: keep it cheap)."""
        r = self._readers.get(reader_id)
        if r is None:
            return
        r.last = now
        sec = math.floor(now)
        if sec > r.sec:
            gap = min(sec - r.sec, 60)
            r.gap += _RATE_LEARNING * (gap - r.gap)
            r.sec = sec

    def last_report(self, room: str) -> float:
        """When a reader covering ``room`` last reported anything (-inf: no reader covers it)."""
        readers = self._room_readers.get(room)
        if not readers:
            return -math.inf
        return max(self._readers[rid].last for rid in readers)

    def silence(self, room: str, now: float) -> tuple[float, frozenset[str]] | None:
        """If every reader covering ``room`` has gone improbably silent: (when the last of them last
        reported, the other rooms those readers cover); else None."""
        readers = self._room_readers.get(room)
        if not readers:
            return None
        last = -math.inf
        others: set[str] = set()
        for rid in readers:
            r = self._readers[rid]
            silent = now - r.last
            if silent > self._p.reader_stall_hold_s:
                return None  # nobody said it was down: believe the silence after all
            window = max(binomial_window(1.0 / max(r.gap, 1.0), self._p.miss_probability), 2.0)
            if silent <= window:
                return None
            last = max(last, r.last)
            others |= self._reader_rooms[rid]
        others.discard(room)
        return last, frozenset(others)
