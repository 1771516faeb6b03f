"""What the store's antennas are like, learned online from its own traffic.

For every room with an antenna the model keeps how loud that room hears the garments inside it
(``level``: the mean peak RSSI of a second with a read, in dBm), and for every pair of rooms (``home``,
``other``) how often and how loud ``other`` hears a garment that is in ``home``: its ``share`` of the
garment's own read rate and its ``gap`` in dB below the garment's in-room level. Neighbours are simply
the pairs with a large share; nothing assumes which rooms they are, or that any room never reads a tag.

Learning is seeded from the ordering of antennas within a second (the loudest room of a garment's
second is its in-room level), and the pairs from seconds where the garment's own room read it louder
than the other room did while the model was sure where it was. Garments' own levels differ by their
orientation, so every level here is relative to a per-garment offset (``Garment.offset``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from edge.presence.params import PresenceParams

__all__ = ["SEED_SECONDS", "Pair", "RoomRadio", "StoreRadio", "mix"]

# Pseudo-counts: how many observed seconds a prior is worth before the store's own traffic outweighs it.
_PRIOR_SECONDS = 20.0
# Learning never forgets faster than this many observations (the store's radio changes slowly).
_SLOWEST = 1.0 / 2000.0
SEED_SECONDS = 30.0  # sure seconds before a room's own level counts (seeded from loudest rooms till then)


@dataclass(slots=True)
class RoomRadio:
    """How a room's antennas hear the garments inside it (levels in dBm)."""

    level: float = math.nan  # mean in-room peak RSSI; nan until the room has read anything
    spread: float = 36.0  # variance between garments' levels (orientation), dB^2
    deviation: float = 6.0  # mean absolute deviation of a read from ``level`` (robust: no squares)
    noise: float = 4.0  # variance of one garment's in-room peak around its level, dB^2
    seen: float = 0.0
    sure: float = 0.0  # sure seconds of a garment inside that this room read

    def learn_level(self, rssi: float, store: float = math.nan) -> None:
        """A second in which this room was the loudest of the garment's rooms: its in-room level."""
        if math.isnan(self.level):  # a room not heard yet starts at the other rooms' level (``store``),
            k = _PRIOR_SECONDS  # worth that many seconds: its first read may be a reflection from afar
            first = (rssi, 1.0) if math.isnan(store) else (store + (rssi - store) / (k + 1.0), k + 1.0)
            self.level, self.seen = first
            return
        self.seen += 1.0
        rate = max(1.0 / self.seen, _SLOWEST)
        d = rssi - self.level
        # Robust: a corridor read now and then must not drag the level down, nor widen the spread much.
        bound = 2.5 * math.sqrt(self.spread + self.noise)
        d = max(-bound, min(bound, d))
        self.level += rate * d
        self.deviation += rate * (abs(d) - self.deviation)
        # sd = 1.253 mean absolute deviations (normal), and at least 3 dB: a tag turned or bunched differs so.
        self.spread = max((1.253 * self.deviation) ** 2 - self.noise, 9.0)

    def learn_noise(self, residual: float) -> None:
        """A read of a garment whose own level is known: how far one second strays from it."""
        self.noise = max(self.noise + 0.01 * (min(residual * residual, 100.0) - self.noise), 1.0)


@dataclass(slots=True)
class Pair:
    """How room ``other`` hears a garment that is in room ``home``."""

    gap: float  # dB below the garment's in-room level
    gap_var: float = 25.0
    heard: float = 0.0  # sure seconds of a garment in ``home`` in which ``other`` heard it too
    deaf: float = 0.0  # sure seconds of a garment in ``home`` in which ``other`` could not hear (blind)

    def learn(self, heard_db: float) -> None:
        """In a sure second of a garment in ``home``, ``other`` heard it this many dB below its level."""
        self.heard += 1.0
        rate = max(1.0 / (self.heard + 5.0), _SLOWEST)
        bound = 2.5 * math.sqrt(self.gap_var)  # robust, as a room's level: one odd second moves it little
        d = max(-bound, min(bound, heard_db - self.gap))
        self.gap += rate * d
        self.gap_var += rate * (max(d * d, 4.0) - self.gap_var)


class StoreRadio:
    """Every room's radio and every pair's, for the rooms some antenna covers."""

    def __init__(self, rooms: list[str], p: PresenceParams, walls: Collection[tuple[str, str]] = ()) -> None:
        self.rooms = list(rooms)
        self.room = {r: RoomRadio() for r in self.rooms}
        self.pairs = {(h, o): Pair(-p.partition_db) for h in self.rooms for o in self.rooms if h != o}
        # Before anything is learned every other room may hear a garment a little, weaker by a partition, and
        # one the layout puts beside it (``walls``, either way round) half as often as its own room does.
        self._prior = {k: 0.5 if k in walls or k[::-1] in walls else 1 / len(rooms) for k in self.pairs}
        self.shares: dict[tuple[str, str], float] = {}
        self._silence: dict[str, tuple[float, float]] = {}
        self.weak = (-p.partition_db, 25.0)
        self.corridor = Pair(-p.partition_db)  # how a door hears a garment carried past it
        self.refresh(frozenset(self.rooms))

    def learn_sure(self, home: str, level_db: float, heard: dict[str, float], blind: Sequence[str]) -> None:
        """A sure second of a garment in ``home`` that ``home`` read at its own level ``level_db``:
        ``heard`` are the other rooms that read it in that second (peak RSSI); ``blind`` rooms could not."""
        self.room[home].sure += 1.0
        for other, rssi in heard.items():
            if other != home:
                self.pairs[(home, other)].learn(rssi - level_db)
        for other in blind:  # its silence says nothing of how it hears ``home``'s garments
            self.pairs[(home, other)].deaf += 1.0

    def learn_corridor(self, level_db: float, heard: dict[str, float]) -> None:
        """Doors that read a garment ``level_db`` above rooms' levels in a second surely in the corridor."""
        for room, rssi in heard.items():
            if self.room[room].sure >= SEED_SECONDS:  # once the room's own level is known
                self.corridor.learn(rssi - self.expected_level(room) - level_db)

    def refresh(self, covered: frozenset[str]) -> None:
        """Recompute shares and the sums silence costs (once a second: they change slowly)."""
        k = _PRIOR_SECONDS
        for (h, o), pair in self.pairs.items():
            seconds = self.room[h].sure - pair.deaf
            self.shares[(h, o)] = min((pair.heard + self._prior[(h, o)] * k) / (seconds + k), 1.0)
        for h in self.rooms:
            row = [self.shares[(h, o)] for o in self.rooms if o != h and o in covered]
            self._silence[h] = (sum(row), sum(x * x for x in row))
        # How much weaker another room hears a garment than its own, over every pair (a worn garment's prior).
        self.weak = mix([(p.gap, p.gap_var, self.shares[k]) for k, p in self.pairs.items()], self.weak)

    def silence(self, home: str) -> tuple[float, float]:
        """(sum of shares, sum of squared shares) over the covered rooms other than ``home``: what a
        second in which none of them read a garment in ``home`` costs, to second order."""
        return self._silence[home]

    def fresh(self) -> float:
        """Variance of a garment's level about its room's before anything is learned of it (dB^2)."""
        spreads = [r.spread for r in self.room.values() if r.seen]
        return sum(spreads) / len(spreads) if spreads else 36.0

    def expected_level(self, room: str) -> float:
        level = self.room[room].level
        if not math.isnan(level):
            return level
        known = [r.level for r in self.room.values() if not math.isnan(r.level)]
        return sum(known) / len(known) if known else math.nan


def mix(parts: list[tuple[float, float, float]], old: tuple[float, float]) -> tuple[float, float]:
    """Beliefs about a level (mean, variance, mass: of what stayed in a place and what came in, say) as one,
    matched in mean and variance."""
    total = weighted = spread = 0.0
    for m, _, w in parts:  # loops, not sum(): this runs for every place of every garment every second
        total, weighted = total + w, weighted + w * m
    if total <= 0.0:
        return old
    mean = weighted / total
    for m, v, w in parts:
        spread += w * (v + (m - mean) ** 2)
    return mean, spread / total
