"""Noticing a reader that has stopped reporting before anyone says so.

A reader that drops off the network is announced by its MQTT last will only once the broker's keep-alive
lapses, seconds to a minute later; until then its rooms simply go quiet, and every garment in them would
look as if it had left. This module tells, per room, whether every reader covering it has been silent
for longer than its own report rate makes likely (and not longer than ``reader_stall_hold_s``): such a
room says nothing, like a room whose antenna is down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from edge.presence.params import PresenceParams

if TYPE_CHECKING:
    from edge.presence.store import StoreShape

__all__ = ["ReaderWatch"]

_RATE_LEARNING = 0.1
# A working reader reports in at most this share of its seconds' worth of chances (none is certain).
_P_MAX = 0.98


def binomial_window(p: float, miss_probability: float) -> float:
    """Seconds w such that a reader reporting in a share ``p`` of seconds misses all w: (1-p)^w <= risk."""
    p = min(max(p, 1e-6), _P_MAX)
    return math.log(miss_probability) / math.log1p(-p)


@dataclass(slots=True)
class _Reader:
    last: float = -math.inf
    sec: int = -(2**62)
    gap: float = 1.0  # mean seconds between seconds-with-a-report


class ReaderWatch:
    """Per reader: when it last reported and how often it reports."""

    def __init__(self, layout: StoreShape, params: PresenceParams) -> None:
        self._p = params
        self._readers = {r.id: _Reader() for r in layout.readers}
        rooms = {r.id: set(r.antenna_rooms().values()) for r in layout.readers}
        every = set[str]().union(*rooms.values())
        self._room_readers = {room: tuple(r for r, its in rooms.items() if room in its) for room in every}

    def heard(self, reader_id: str, now: float) -> None:
        """A tag report from ``reader_id`` (the hot path: keep it cheap)."""
        r = self._readers.get(reader_id)
        if r is None:
            return
        r.last = now
        sec = math.floor(now)
        if sec > r.sec:
            r.gap += _RATE_LEARNING * (min(sec - r.sec, 60) - r.gap)
            r.sec = sec

    def stalled(self, room: str, now: float) -> bool:
        """Whether every reader covering ``room`` has gone improbably silent (but not for longer than
        ``reader_stall_hold_s``): then the room's silence says nothing about its garments."""
        readers = self._room_readers.get(room)
        if not readers:
            return False
        for rid in readers:
            r = self._readers[rid]
            silent = now - r.last
            if silent > self._p.reader_stall_hold_s:
                return False  # nobody said it was down: believe the silence after all
            if silent <= max(binomial_window(1.0 / max(r.gap, 1.0), self._p.miss_probability), 2.0):
                return False
        return True
