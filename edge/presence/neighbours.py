"""What the engine learns about each room's antenna: how it reads garments inside the room, how it reads
garments in other rooms (cross-reads), and which rooms those are (its neighbours).

Nothing here comes from the layout: fitting rooms can be laid out in any order, and RF does not follow
the floor plan. A room's neighbours are the rooms whose garments its antenna keeps reading; that is what
matters when one of them goes blind: a garment read only at cross-read strength by the neighbours of a
blind room is most likely inside it, not in any of them.
"""

from __future__ import annotations

from collections import Counter

from edge.presence.evidence import RssiLevel

__all__ = ["RoomRadio"]

# Seconds a room must have read another room's garments before it counts as that room's neighbour.
_NEIGHBOUR_SECONDS = 10
# Cross-read seconds a room must have seen before the absence of a neighbour means anything.
_KNOWN_SECONDS = 60


class RoomRadio:
    """Per room: the RSSI of garments inside it, the RSSI of garments in other rooms that it reads,
    and which rooms those garments were in."""

    def __init__(self) -> None:
        self._inside: dict[str, RssiLevel] = {}
        self._cross: dict[str, RssiLevel] = {}
        self._reads_from: dict[str, Counter[str]] = {}

    def inside(self, room: str) -> RssiLevel | None:
        """How the room's antenna reads garments inside the room (None: nothing learned yet)."""
        return self._inside.get(room)

    def read_inside(self, room: str, rssi: float) -> None:
        level = self._inside.get(room)
        if level is None:
            level = self._inside[room] = RssiLevel()
        level.add(rssi)

    def read_across(self, room: str, home: str, rssi: float) -> None:
        """``room``'s antenna read, at ``rssi``, a garment that is in ``home``."""
        level = self._cross.get(room)
        if level is None:
            level = self._cross[room] = RssiLevel()
        level.add(rssi)
        counts = self._reads_from.get(room)
        if counts is None:
            counts = self._reads_from[room] = Counter()
        counts[home] += 1

    def neighbours(self, room: str) -> frozenset[str] | None:
        """Rooms whose garments ``room`` reads, and rooms that read ``room``'s garments (a radio path
        works both ways: a room blind from the start is known by what it read before, or by what its
        neighbours read of it); None while too little is known to say."""
        counts = self._known_reads(room)
        if counts is None:
            return None
        return frozenset(r for r, n in counts.items() if n >= _NEIGHBOUR_SECONDS) | frozenset(
            r for r, theirs in self._reads_from.items() if theirs[room] >= _NEIGHBOUR_SECONDS
        )

    def reads_from(self, room: str, other: str) -> bool | None:
        """Does ``room``'s antenna read garments in ``other``? None while too little is known to say."""
        counts = self._known_reads(room)
        return None if counts is None else counts[other] >= _NEIGHBOUR_SECONDS

    def _known_reads(self, room: str) -> Counter[str] | None:
        """Cross-read seconds of ``room``'s antenna by the room they were in, once there are enough."""
        counts = self._reads_from.get(room)
        return None if counts is None or sum(counts.values()) < _KNOWN_SECONDS else counts

    def inside_likelier(self, room: str, rssi: float) -> bool | None:
        """Is a garment read at ``rssi`` likelier inside ``room`` than in a room next door? None while
        either level is unknown. The two are compared at the midpoint of their means, which is where
        their likelihoods cross when their spreads are alike."""
        inside, cross = self._inside.get(room), self._cross.get(room)
        if inside is None or cross is None or not inside.known or not cross.known:
            return None
        return rssi >= (inside.mean + cross.mean) / 2
