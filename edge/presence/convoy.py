"""Garments carried into a room together with one that entered on its own evidence.

A badly oriented tag can take seconds to be read inside its room; the garments carried along the
corridor with one that just entered, read by the same doors at the same moments, came in with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.presence.arrival import SAME_MOMENT_S
from edge.presence.garment import Garment
from edge.presence.params import PresenceParams

__all__ = ["convoy"]


def convoy(p: PresenceParams, anchor: Garment, room: str, garments: Iterable[Garment]) -> list[Garment]:
    """The garments carried along the corridor with ``anchor`` (read by ``convoy_doors`` of the
    doors it passed, this room's included, as it came by or as it went on: their first or their
    last read there within ``convoy_window_s`` of its own; by this room's door alone when it passed
    no other, the first room from the shop floor) that no room has read further on since, that
    were not just carried out of a room, and that no door on its way read more than
    ``group_entry_s`` before it got there (going the other way, or well ahead): they came into
    ``room`` with it, though ``room`` has not read them yet."""
    arrived = anchor.rooms[room].first
    horizon = arrived - p.passing_memory_s
    # Each door it passed: when that door began and stopped reading it, on the way here.
    trail = {
        r: (ev.first, ev.last)
        for r, ev in anchor.rooms.items()
        if r != room and horizon <= ev.last <= arrived + SAME_MOMENT_S
    }
    # Reads since shortly before its walk here began are of this walk.
    walk = min((first for first, _ in trail.values()), default=arrived) - p.passing_memory_s
    out: list[Garment] = []
    for other in garments:
        if other is anchor or other.room is not None or other.last_read < arrived - p.passing_memory_s:
            continue
        latest_room, latest = max(other.rooms.items(), key=lambda kv: kv[1].last)
        if latest_room != room and latest.last > arrived + SAME_MOMENT_S:
            continue  # read elsewhere since: it went on
        if other.left_since(horizon):
            continue  # just carried out of a room: crossing the newcomer on its way out
        early_s = p.group_entry_s
        if any(walk <= ev.last < trail[r][0] - early_s for r, ev in other.rooms.items() if r in trail):
            continue  # read at a door on its way seconds before it got there: going the other way
        here = other.rooms.get(room)
        # Read by the same doors as the anchor, as it came by or as it went on.
        together = sum(
            1
            for r, ev in other.rooms.items()
            if r in trail
            and (
                abs(ev.last - trail[r][1]) <= p.convoy_window_s
                or (horizon <= trail[r][0] and abs(ev.first - trail[r][0]) <= p.convoy_window_s)
            )
        )
        at_door = here is not None and abs(here.first - arrived) <= p.convoy_window_s
        if at_door:
            together += 1  # read at this room's door as the anchor was, on the way in
        if together >= p.convoy_doors or (at_door and not trail):
            out.append(other)
    return out
