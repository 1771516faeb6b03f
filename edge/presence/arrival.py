"""When a garment has come into a room.

A room's antenna reads garments inside it, garments in the rooms next door (cross-reads, weaker and
rarer) and garments carried past its door along the corridor (briefly). A room wins a garment only
while it reads it, holding ``dominance`` times the evidence of every other room, and only on evidence
that neither a cross-read nor a pass-by gives:

- **persistent**: read over ``confirm_s`` (a door is passed in a second or two); for a garment carried
  out of a room moments ago (``passing_memory_s``), over ``confirm_s`` since it left (the doors on its
  way out read it before);
- **group**: read, about as strongly, just as garments that entered on their own evidence were first
  read there (a shopper brings several at once), unless carried out of a room moments ago;
- **strong**: read as strongly as garments inside the room usually are, with nothing read before it
  on the corridor to compare with (the first doors from the shop floor);
- **standout**: read far stronger than the doors it passed read it moments before (its own tag gain
  and orientation cancel out); at once, without the dwell below, when a known shopper's phone has
  just come into the room (someone stopped there as it came by: it is not walking on);
- **convoy**: carried along the corridor with a garment that just entered, and read nowhere further on
  (a badly oriented tag can take seconds to be read inside; see ``convoy``);
- **found**: read in-room by a room back from an outage moments ago (``found_within_s``), the
  garment's last read before that on the corridor while the room was blind, and none since: it was
  brought in while nobody could see (and perhaps worn until now). Silent for ``passing_memory_s``
  before this read, it is not walking past the door: it enters without the dwell below, once other
  antennas have had a moment to report it too;
- **flanked**: read over ``confirm_s`` by two rooms at once that never read each other's garments,
  both next to the same blind room: it lies in that blind room (``flanked_room``), even when one of the
  two had taken it on its reads before the other began to read it.

A garment that entered a room while the room it is now read in was blind takes with it the garments
that came into that room by convoy with it (see ``ItemTracker``).

A single read waits ``entry_dwell_s`` (``first_door_dwell_s`` for a strong read with no door before)
for a door further along to read a garment walking on; a garment read by two other rooms moments ago
is being carried and needs more than one strong read. Next to a room whose antenna is down, a read at
cross-read strength may be a garment inside that blind room, so it does not count; nor does a read
while a room that never reads this room's garments reads it too, both beside the same blind room (it
lies between them, in the blind room). A garment already in a room moves only when the new room reads
it about as strongly as its room did, not as that room has always cross-read it, never on
cross-reads alone while its room is blind, and not at all when its room is back from an outage and has
not yet had the tag's window to read it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import Enum

from edge.presence.evidence import RoomEvidence
from edge.presence.garment import Garment, usual
from edge.presence.neighbours import RoomRadio
from edge.presence.params import PresenceParams

__all__ = ["Arrival", "ArrivalRules"]

# Decide while the garment is being read there, not on the memory of a passing read.
RECENT_S = 1.0
# Reads by another room within this many dB of a room's best mean the garment is passing, not inside.
_TRANSIT_MARGIN_DB = 6.0
# How long reads elsewhere count as the garment having moved on.
_MOVED_ON_MEMORY_S = 5.0
# Reports at about the same moment (an MQTT message's own jitter).
SAME_MOMENT_S = 0.25
# Seconds a room must have read a tag before its usual RSSI for it means something.
CROSS_HISTORY = 3
# Two rooms either side of a blind one read a garment inside it at cross-read rates (a read every few
# seconds): reads this recent by both still say it lies between them.
_FLANK_MEMORY_S = 10.0


class Arrival(Enum):
    """Why a room won a garment."""

    PERSISTENT = "persistent"
    GROUP = "group"
    STRONG = "strong"
    STANDOUT = "standout"
    CONVOY = "convoy"
    FLANKED = "flanked"
    FOUND = "found"


class ArrivalRules:
    """Decides whether a room may take a garment; remembers which garments anchor a group or convoy."""

    def __init__(
        self,
        params: PresenceParams,
        radio: RoomRadio,
        *,
        covered: Callable[[str], bool],
        blind_any: Callable[[], bool],
        shopper_arrived: Callable[[str], float],
    ) -> None:
        self._p = params
        self._radio = radio
        self._covered = covered
        self._blind_any = blind_any
        self._shopper_arrived = shopper_arrived
        # room -> (when a garment last entered it on its own evidence, when its reads there began, RSSI)
        self._anchors: dict[str, tuple[float, float, float]] = {}
        # room -> (when it went blind, when its antennas came back) for its latest outage
        self._outages: dict[str, tuple[float, float]] = {}

    def blinded(self, room: str, now: float) -> None:
        """``room`` cannot be seen: what comes in now, nobody sees arrive."""
        self._outages[room] = (now, math.inf)

    def restored(self, room: str, now: float) -> None:
        """``room`` can be seen again: what it reads in-room next may have come in unseen."""
        lost = self._outages.get(room, (now, now))[0]
        self._outages[room] = (lost, now)

    def was_blind(self, room: str, t: float) -> bool:
        """Was ``room`` blind at ``t`` (in its latest outage)?"""
        outage = self._outages.get(room)
        return outage is not None and outage[0] <= t <= outage[1]

    def anchored(self, garment: Garment, room: str, now: float) -> None:
        """``garment`` entered ``room`` on its own evidence: garments arriving with it may follow."""
        ev = garment.rooms[room]
        self._anchors[room] = (now, ev.first, ev.episode_rssi())

    def qualifies(
        self, garment: Garment, room: str, score: float, runner: float, now: float, *, transit: bool
    ) -> Arrival | None:
        """May ``garment`` enter ``room``, given its evidence ``score`` there and the strongest other
        room's ``runner``? ``transit``: it entered its current room moments ago (perhaps passing)."""
        p = self._p
        ev = garment.rooms[room]
        if score < p.dominance * runner or not self._covered(room):
            return None
        if now - ev.last > RECENT_S + p.entry_dwell_s:
            return None
        if self._moved_on(garment, room, ev, now):
            return None  # read since about as strongly by another room: carried on along the corridor
        if self._between(garment, room, ev, now):
            return None  # read too by a room that never reads this one's garments: in the blind room between
        level = self._radio.inside(room)
        floor = level.floor(p.in_room_margin_db) if level is not None else None
        rssi = ev.episode_rssi()
        home = garment.room
        if home is None:
            if self._maybe_next_door(room, rssi, floor):
                return None
            if ev.fading_since_best(p.fade_db):
                return None  # read ever weaker since its first reads here: passing, moving away
        elif not transit and not self._may_move(garment, home, room, ev, rssi, now):
            return None
        # Carried out of a room moments ago: the doors it passed on its way out read it, which says
        # nothing of its being in one of them. Only reads since it left count, and it came with no group.
        left = garment.left[1] if garment.left is not None else -math.inf
        just_left = home is None and now - left <= p.passing_memory_s
        since = max(ev.first, left) if just_left else ev.first
        if ev.seen >= p.confirm_seconds_read and ev.last - since >= p.confirm_s:
            return Arrival.PERSISTENT
        if not just_left and self._with_group(room, ev, rssi, now):
            return Arrival.GROUP
        # Inside its room the antenna reads a garment far stronger than the doors it passed did.
        passing = self._passing_rssi(garment, room, ev.first) if ev.episodes == 1 else None
        standout = passing is not None and rssi >= passing + p.standout_db
        if now - ev.first < p.entry_dwell_s:
            # Silent since long before this read, so not walking past the door; but another antenna may
            # be reporting it at the same moment.
            if now - ev.first >= SAME_MOMENT_S and self._found(
                garment, room, ev, rssi, quiet_s=p.passing_memory_s
            ):
                return Arrival.FOUND
            if standout and self._shopper_stopped(room, ev):
                return Arrival.STANDOUT  # a shopper stopped here as it was read: it came in, not by
            return None  # one read so far: give a garment passing the door time to be read further on
        # Read as strongly as garments inside this room usually are: no corridor or neighbour does that,
        # unless the garment is being carried along the corridor, read at every door it passes.
        if (
            level is not None
            and floor is not None
            and rssi >= level.mean
            and now - ev.first >= p.first_door_dwell_s
            and not self._moving(garment, room, now)
        ):
            return Arrival.STRONG
        if standout:
            return Arrival.STANDOUT
        if passing is None and self._found(garment, room, ev, rssi):
            return Arrival.FOUND
        return None

    def _shopper_stopped(self, room: str, ev: RoomEvidence) -> bool:
        """Did a known shopper's phone come into ``room`` since shortly before its reads of the garment
        began (``group_entry_s``: a phone is heard into a room seconds late, a tag read seconds late
        too)? Someone stopped at this room as the garment came by: it came in with them."""
        return self._shopper_arrived(room) >= ev.first - self._p.group_entry_s

    def _found(
        self, garment: Garment, room: str, ev: RoomEvidence, rssi: float, *, quiet_s: float = 0.0
    ) -> bool:
        """Was the garment last read on its way in while ``room`` was blind, then by nothing until this
        room, back from that outage moments ago, read it in-room? It came in while nobody could see (and
        was perhaps worn until now)."""
        outage = self._outages.get(room)
        if outage is None:
            return False
        lost, back = outage
        earlier = (o.last for r, o in garment.rooms.items() if r != room and o.last < ev.first)
        before = max(earlier, default=None)
        return (
            before is not None
            and lost <= before <= back <= ev.first <= back + self._p.found_within_s
            and ev.first - before >= quiet_s
            # Not a cross-read (while the room's levels are unknown, only it has read the garment since)
            and self._radio.inside_likelier(room, rssi) is not False
        )

    # -- the checks ----------------------------------------------------------------------------------

    def _may_move(
        self, garment: Garment, home: str, room: str, ev: RoomEvidence, rssi: float, now: float
    ) -> bool:
        """May a garment in ``home`` move to ``room`` on these reads?"""
        p = self._p
        if not self._covered(home) and self._radio.inside_likelier(room, rssi) is not True:
            return False  # its room cannot see it: only an in-room read elsewhere says it moved
        if self._not_read_since_back(home, garment.rooms[home], now):
            return False  # kept there through the outage: its room, back, has yet to have its say
        home_level = usual(garment.rooms[home])
        if ev.peak < home_level - p.standout_db:
            return False  # far weaker than at home: a cross-read of a garment still there (maybe worn)
        # Read here as this room has always read it from there: a cross-read.
        return not (
            ev.base_n >= CROSS_HISTORY
            and ev.base < home_level - p.standout_db
            and rssi < ev.base + p.standout_db / 2
        )

    def _with_group(self, room: str, ev: RoomEvidence, rssi: float, now: float) -> bool:
        """Garments arrive together, carried alike: right after another one entered on its own
        evidence, first read there about when it was and about as strongly (within standout_db for one
        read, in_room_margin_db for more), one read is persistence enough. Another shopper's garments
        passing the door are read through the curtain, far weaker."""
        p = self._p
        group = self._anchors.get(room)
        return (
            group is not None
            and now - group[0] <= p.group_entry_s
            and abs(ev.first - group[1]) <= p.group_entry_s
            and rssi >= group[2] - (p.standout_db if ev.seen < 2 else p.in_room_margin_db)
        )

    def _maybe_next_door(self, room: str, rssi: float, floor: float | None) -> bool:
        """Might a garment ``room`` reads at ``rssi`` be inside a blind neighbour? A neighbour that
        cannot see leaves only this room's reads, at cross-read strength (below ``floor``, the room's
        weakest plausible in-room RSSI, while its cross-read level is not learned yet)."""
        if not self.next_to_blind(room):
            return False
        likelier = self._radio.inside_likelier(room, rssi)
        if likelier is None:
            return floor is not None and rssi < floor
        return not likelier

    def _between(self, garment: Garment, room: str, ev: RoomEvidence, now: float) -> bool:
        """Is the garment read, along with ``room``, by another room that never reads ``room``'s
        garments, both next to the same blind room? Then it lies in that blind room, read by both of
        its neighbours, and in neither."""
        if not self._blind_any():
            return False
        return any(
            other != room and self._flanked(room, ev, other, oev, now) for other, oev in garment.rooms.items()
        )

    def flanked_room(self, garment: Garment, now: float) -> str | None:
        """The blind room a garment lies in, read by two of its neighbours that never read each other's
        garments, both over ``confirm_s`` at once (a garment carried along the corridor passes one door,
        then the other), or None. The garment may be in one of the two: that room took it on its reads
        before the other began to read it."""
        if not self._blind_any():
            return None
        p = self._p
        if garment.left is not None and now - garment.left[1] <= _FLANK_MEMORY_S:
            return None  # it has just left a room: the reads are of its way out
        flanks = [
            (room, ev)
            for room, ev in garment.rooms.items()
            if self._covered(room) and ev.seen >= p.confirm_seconds_read
        ]
        found: set[str] = set()
        for i, (a, aev) in enumerate(flanks):
            for b, bev in flanks[i + 1 :]:
                blind = self._flanked(a, aev, b, bev, now)
                if blind and min(aev.last, bev.last) - max(aev.first, bev.first) >= p.confirm_s:
                    found |= blind
        return next(iter(found)) if len(found) == 1 else None

    def _flanked(
        self, room: str, ev: RoomEvidence, other: str, oev: RoomEvidence, now: float
    ) -> frozenset[str]:
        """The blind rooms next to both ``room`` and ``other``, when both have read the tag lately and
        at the same time, and neither reads the other's garments (else none)."""
        if oev.last < ev.first - SAME_MOMENT_S or ev.last < oev.first - SAME_MOMENT_S:
            return frozenset()  # not read by both at once (a garment walking past both doors)
        if now - oev.last > _FLANK_MEMORY_S or now - ev.last > _FLANK_MEMORY_S:
            return frozenset()
        mine, theirs = self._radio.neighbours(room), self._radio.neighbours(other)
        if mine is None or theirs is None or self._radio.reads_from(other, room) is not False:
            return frozenset()
        if self._radio.reads_from(room, other):
            return frozenset()  # a radio path works both ways: one of them reads the other's garments
        return frozenset(n for n in mine & theirs if not self._covered(n))

    def _not_read_since_back(self, room: str, ev: RoomEvidence, now: float) -> bool:
        """Has ``room`` come back from an outage less than the tag's window ago, and not read it since?
        Until it has had that long to read its garments, its silence says no more than its outage did."""
        outage = self._outages.get(room)
        if outage is None:
            return False
        back = outage[1]
        return ev.read_last < back <= now <= back + ev.window

    def next_to_blind(self, room: str) -> bool:
        """Is a neighbour of ``room`` blind (any room, while its neighbours are not known yet)?"""
        neighbours = self._radio.neighbours(room)
        if neighbours is None:
            return self._blind_any()
        return any(not self._covered(n) for n in neighbours)

    def _moving(self, garment: Garment, room: str, now: float) -> bool:
        """Has the tag been read by two or more other rooms moments ago (carried along the corridor)?"""
        horizon = now - self._p.passing_memory_s
        return sum(1 for r, ev in garment.rooms.items() if r != room and ev.last >= horizon) >= 2

    def _moved_on(self, garment: Garment, room: str, ev: RoomEvidence, now: float) -> bool:
        """Has another room read the tag since this room's reads began, recently and about as strongly
        as this room reads it at best? Then it is being carried past (or the other room is its room)."""
        bar = ev.ep_max - _TRANSIT_MARGIN_DB
        return any(
            other != room
            and oev.last > ev.first + SAME_MOMENT_S
            and now - oev.last <= _MOVED_ON_MEMORY_S
            # Its latest second, or its best since it began reading the tag after this room did.
            and (oev.peak >= bar or (oev.first > ev.first and oev.ep_max >= bar))
            for other, oev in garment.rooms.items()
        )

    def _passing_rssi(self, garment: Garment, room: str, since: float) -> float | None:
        """The strongest second with which other rooms read the tag shortly before ``since`` (its reads
        on the way here), or None when none did."""
        best: float | None = None
        horizon = since - self._p.passing_memory_s
        for other, ev in garment.rooms.items():
            # Only reads that came before: a room reading it after this one began is not its way here.
            if other != room and horizon <= ev.last <= since and (best is None or ev.peak > best):
                best = ev.peak
        return best
