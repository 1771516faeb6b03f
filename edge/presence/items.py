"""Which room each garment is in, from RFID reads.

Reports of every shape (each air read, one per tag and second, Zebra aggregates) are folded into
one-second epochs per tag and room (``evidence``). From those, per garment:

- **Adaptive windows (SMURF).** Each tag learns, per room, its probability of being read in a second,
  afresh whenever it comes back after a silence (moved or handled, it lies differently); the silence
  that means "gone" is the window in which a tag still there would be missed with probability below
  ``miss_probability``.
- **Arbitration on accumulated evidence, with hysteresis.** Every second with a read adds evidence to
  its room, weighted by peak RSSI and decayed over the tag's own time scale. Which room may take a
  garment, and on what evidence, is ``arrival``; rooms it passed on its way are history.
- **Session context.** How long a silent garment is kept, and on what evidence it leaves (read
  elsewhere, faded out, carried out with others, or held as worn), is ``departure``.
- **What the rooms teach.** How each antenna reads garments inside and next door, and which rooms are
  next door, is learned from the garments themselves (``neighbours``).
- **Coverage.** A room whose antenna or reader is down (or whose reader stalls in all its busy rooms at
  once, before its last will arrives) is unknown: its garments neither leave nor lose evidence, and a
  garment read at once by two of its neighbours that never read each other's garments is inside it.
"""

from __future__ import annotations

import math

from edge.presence import arrival
from edge.presence.arrival import CROSS_HISTORY, Arrival, ArrivalRules
from edge.presence.convoy import convoy
from edge.presence.departure import DepartureRules
from edge.presence.events import EventType, PresenceEvent
from edge.presence.evidence import RoomEvidence
from edge.presence.garment import FRESH_S, Garment, Surroundings, behind, passed, standing, usual
from edge.presence.neighbours import RoomRadio
from edge.presence.params import PresenceParams
from edge.presence.snapshot import ItemPresence
from edge.reads import TagRead

__all__ = ["ItemTracker"]

_GC_EVERY_S = 10.0
# What a room knew of a garment it has not read for this long is forgotten.
_FORGET_ROOM_S = 600.0
_TAU_READS = 3.0
# Reads elsewhere within this long of the last read at home are the usual cross-reads of a garment at
# home (perhaps the last ones before it went on the body); only later ones say it is elsewhere.
_AWAY_SETTLE_S = 1.0
# A tag read at home this recently is at home: reads elsewhere are cross-reads.
_AT_HOME_S = 1.0


class ItemTracker:
    """Garment presence from RFID reads; feed reads in time order, tick to let silence count."""

    def __init__(
        self,
        params: PresenceParams,
        store: Surroundings,
    ) -> None:
        self._p = params
        self._covered = store.covered
        self._garments: dict[str, Garment] = {}
        self._residents: dict[str, dict[str, Garment]] = {}
        self._radio = RoomRadio()
        self._arrival = ArrivalRules(
            params,
            self._radio,
            covered=store.covered,
            blind_any=store.blind_any,
            shopper_arrived=store.shopper_arrived,
        )
        self._departure = DepartureRules(params, self._residents, store)
        self._next_gc = -math.inf
        self._prior_tau = min(max(_TAU_READS / RoomEvidence(params).read_probability(), 2.0), 15.0)

    # -- inputs ------------------------------------------------------------------------------------

    def on_read(self, read: TagRead, now: float) -> list[PresenceEvent]:
        """Fold one report in; returns the events it decides (usually none)."""
        p = self._p
        garment = self._garments.get(read.epc)
        if garment is None:
            garment = self._garments[read.epc] = Garment(read.epc, read.gtin, now, self._prior_tau)
        ev = garment.rooms.get(read.room_id)
        if ev is None:
            ev = garment.rooms[read.room_id] = RoomEvidence(p)
        self._decay(garment, now)
        garment.last_read = now
        rssi = read.rssi_dbm if read.rssi_dbm is not None else p.missing_rssi_dbm
        closed_peak = ev.peak  # the peak of the second this report may close
        usual_here = ev.level  # how this room usually reads the tag, before this report
        history = ev.n_sec
        if not ev.report(now, rssi, p):
            return []  # same second, same room: nothing new to decide (the hot path)
        home = garment.room
        if read.room_id == home:
            garment.at_home()
            if closed_peak > -math.inf and ev.seen > 1:
                self._radio.read_inside(home, closed_peak)
        elif home is not None:
            home_ev = garment.rooms[home]
            if now - home_ev.last <= _AT_HOME_S and self._covered(home):
                # Read elsewhere while home reads it too: a cross-read, which teaches that room how it
                # reads garments next door, and whose neighbour it is.
                self._radio.read_across(read.room_id, home, rssi)
            if now > home_ev.last:
                self._read_away(garment, read.room_id, home_ev, ev, rssi, usual_here, history, now)
        return self._decide(garment, now)

    def tick(self, now: float) -> list[PresenceEvent]:
        """Decide what silence and elapsed time imply; returns the events, in a stable order."""
        events: list[PresenceEvent] = []
        idle = now - arrival.RECENT_S - self._p.entry_dwell_s
        for garment in list(self._garments.values()):
            if garment.room is None and garment.last_read < idle:
                continue  # in no room and not read of late: nothing to decide (its evidence decays lazily)
            self._decay(garment, now)
            events += self._decide(garment, now)
        if now >= self._next_gc:
            self._collect(now)
            self._next_gc = now + _GC_EVERY_S
        return events

    def coverage_lost(self, room: str, now: float) -> None:
        """The room's antennas are down: what comes in now, nobody sees."""
        self._arrival.blinded(room, now)

    def coverage_restored(self, room: str, now: float) -> None:
        """The room's antennas are back: silence during the outage proves nothing, start afresh."""
        self._arrival.restored(room, now)
        for garment in self._residents.get(room, {}).values():
            ev = garment.rooms.get(room)
            if ev is not None:
                ev.restart(now)
            garment.at_home()

    # -- views -------------------------------------------------------------------------------------

    def room_of(self, epc: str) -> str | None:
        garment = self._garments.get(epc)
        return garment.room if garment is not None else None

    def residents(self) -> dict[str, list[ItemPresence]]:
        out: dict[str, list[ItemPresence]] = {}
        for room, garments in self._residents.items():
            out[room] = [ItemPresence(g.epc, g.gtin, g.since, g.rooms[room].last) for g in garments.values()]
        return out

    # -- decisions ---------------------------------------------------------------------------------

    def _read_away(
        self,
        garment: Garment,
        room: str,
        home_ev: RoomEvidence,
        ev: RoomEvidence,
        rssi: float,
        usual_here: float,
        history: int,
        now: float,
    ) -> None:
        """A garment silent at home since ``home_ev.last`` was read by ``room``: what that says about it
        having left (see ``departure``)."""
        p = self._p
        if history < CROSS_HISTORY:
            if room not in garment.away_rooms:
                garment.away_rooms.add(room)  # a room that does not usually read it here
                garment.trail_at = now
        elif rssi >= usual_here + p.standout_db:
            # Far stronger than this room reads it while it is at home: it moved towards here.
            garment.moved_at = min(garment.moved_at, now)
        unshielded = ev.peak >= usual(home_ev) - p.away_margin_db
        home = garment.room
        if (
            unshielded
            and history < CROSS_HISTORY
            and home is not None
            and self._radio.reads_from(room, home) is False
        ):
            # A room that never reads its room's garments: it cannot be there any more.
            garment.beyond_at = min(garment.beyond_at, now)
        if now - home_ev.last >= _AWAY_SETTLE_S and unshielded:
            # Read elsewhere about as strongly as at home: not shielded by a body, so not worn. One such
            # read can be a cross-read just before the garment went on; more make it alive elsewhere.
            garment.away += 1
            if garment.away == p.away_seconds:
                garment.away_since = now

    def _decide(self, garment: Garment, now: float) -> list[PresenceEvent]:
        home = garment.room
        home_ev = garment.home_evidence()
        # Home has not read it for a window, or cannot see it: its old evidence does not hold off fresh
        # evidence elsewhere (a garment carried to another room), though it still holds off a long-running
        # cross-read (and, while home is blind, anything short of an in-room read: see ``arrival``).
        stale = (
            home is not None
            and home_ev is not None
            and (
                not self._covered(home)
                or (now - home_ev.last > home_ev.window and not self._departure.stalled(home, now))
            )
        )
        p = self._p
        ranked = sorted(
            ((ev.score if room == home else standing(ev, p), room) for room, ev in garment.rooms.items()),
            reverse=True,
        )
        # Entered moments ago: perhaps only passing through (its door read it strongly on the way).
        transit = home_ev is not None and now - garment.since <= self._p.passing_memory_s
        for score, room in ranked:
            if room == home:
                if stale or (
                    transit
                    and home_ev is not None
                    and any(passed(home_ev, other, now) for r, other in garment.rooms.items() if r != home)
                ):
                    continue
                break  # home leads
            cand = garment.rooms[room]
            if any(passed(cand, other, now) for r, other in garment.rooms.items() if r != room):
                continue  # a room it passed: its evidence is history, the room reading it now decides
            fresh = stale and home_ev is not None and cand.first >= home_ev.last - FRESH_S
            runner = max(
                (
                    s
                    for s, r in ranked
                    if r != room
                    and not (fresh and r == home)
                    and not ((r != home or transit) and behind(garment.rooms[r], cand))
                ),
                default=0.0,
            )
            why = self._arrival.qualifies(garment, room, score, runner, now, transit=transit)
            if why is None:
                break
            if home is not None and home_ev is not None and not transit:
                self._departure.departed(home, garment.since, home_ev.last)
            mates = self._escorted(garment, room, transit=transit)
            events = self._move(garment, room, now, why.value)
            if why is not Arrival.GROUP:
                # Only a garment that entered on its own evidence anchors a group (no chains).
                self._arrival.anchored(garment, room, now)
                mates += convoy(self._p, garment, room, self._garments.values())
            return events + self._follow(garment, room, mates, now)
        if home is None or self._covered(home):
            # Read by no room as a garment inside it (or by its room and by one that never reads that
            # room's garments), but lying between two rooms that flank a blind one: it is in that one.
            blind = self._arrival.flanked_room(garment, now)
            if blind is not None:
                mates = self._escorted(garment, blind)
                garment.rooms.setdefault(blind, RoomEvidence(p)).restart(now)
                events = self._move(garment, blind, now, Arrival.FLANKED.value)
                return events + self._follow(garment, blind, mates, now)
        if home is None or home_ev is None:
            return []
        if not self._covered(home):
            # Its room cannot say whether it is still there; only a trail along the corridor can.
            beyond = [r for r in garment.away_rooms if self._radio.reads_from(r, home) is False]
            gone = self._departure.left_blind_room(garment, beyond, now)
            return [] if gone is None else self._move(garment, None, now, gone.value)
        hold, why_gone = self._departure.hold(garment, home, home_ev, now)
        if now - home_ev.last <= hold or self._departure.stalled(home, now):
            return []
        if self._departure.proven(garment, home, home_ev, now):
            self._departure.departed(home, garment.since, home_ev.last)
        return self._move(garment, None, now, why_gone.value)

    def _escorted(self, anchor: Garment, room: str, *, transit: bool = False) -> list[Garment]:
        """The garments that came into ``anchor``'s room by convoy with it and go on with it to ``room``,
        where it now turns out to be. Whatever put ``anchor`` in the wrong room put them there too:

        - ``room`` was blind when ``anchor`` entered its room: those that room has read no stronger than
          it read ``anchor``;
        - ``anchor`` entered its room moments ago (``transit``: it was passing its door): those ``room``
          has read since they came in, and more lately than their room has."""
        home, home_ev = anchor.room, anchor.home_evidence()
        if home is None or home_ev is None:
            return []
        mates = [m for m in self._residents.get(home, {}).values() if m.escort == anchor.epc]
        if self._arrival.was_blind(room, anchor.since):
            bar = usual(home_ev)
            return [mate for mate in mates if mate.rooms[home].ep_max <= bar]
        if not transit:
            return []
        return [
            mate
            for mate in mates
            if (ahead := mate.rooms.get(room)) is not None
            and ahead.read_last >= max(anchor.since, mate.rooms[home].read_last)
        ]

    def _follow(self, anchor: Garment, room: str, mates: list[Garment], now: float) -> list[PresenceEvent]:
        """Move ``mates`` into ``room`` with ``anchor``, which they came in with."""
        events: list[PresenceEvent] = []
        for mate in mates:
            mate.rooms.setdefault(room, RoomEvidence(self._p)).restart(now)
            events += self._move(mate, room, now, Arrival.CONVOY.value)
            mate.escort = anchor.epc
        return events

    def _move(self, garment: Garment, target: str | None, now: float, reason: str) -> list[PresenceEvent]:
        events: list[PresenceEvent] = []
        epc, gtin = garment.epc, garment.gtin
        if garment.room is not None:
            self._residents[garment.room].pop(epc, None)
            garment.left = (garment.room, now)
            left = PresenceEvent(now, EventType.ITEM_LEFT, garment.room, epc=epc, gtin=gtin, reason=reason)
            events.append(left)
        if target is not None:
            self._residents.setdefault(target, {})[epc] = garment
            entered = PresenceEvent(now, EventType.ITEM_ENTERED, target, epc=epc, gtin=gtin, reason=reason)
            events.append(entered)
            garment.since = now
            garment.beside_blind = self._arrival.next_to_blind(target)
        garment.at_home()
        garment.room = target
        garment.escort = None
        return events

    # -- bookkeeping -------------------------------------------------------------------------------

    def _decay(self, garment: Garment, now: float) -> None:
        """Age every covered room's evidence together; an uncovered room's evidence is frozen."""
        dt = now - garment.t_decay
        if dt <= 0:
            return
        ref = garment.home_evidence()
        garment.tau = self._tau(ref)
        f = math.exp(-dt / garment.tau)
        for room, ev in garment.rooms.items():
            if self._covered(room):
                ev.score *= f
        garment.t_decay = now

    def _tau(self, ref: RoomEvidence | None) -> float:
        """Evidence time scale: the time in which home reads the tag about three times (the prior read
        rate when it has no home), within [2, 15] s: long enough to ride out gaps, short enough to follow
        a garment that moved."""
        if ref is None:
            return self._prior_tau
        return min(max(_TAU_READS / ref.read_probability(), 2.0), 15.0)

    def _collect(self, now: float) -> None:
        """Forget tags that are in no room and have not been read for a long while, and what rooms that
        have not read a tag for longer still knew of it (the doors it passed long ago)."""
        horizon = 4 * self._p.exit_timeout_s
        stale = [
            epc
            for epc, garment in self._garments.items()
            if garment.room is None and now - garment.last_read > horizon
        ]
        for epc in stale:
            del self._garments[epc]
        for garment in self._garments.values():
            home = garment.room
            old = [r for r, ev in garment.rooms.items() if r != home and now - ev.last > _FORGET_ROOM_S]
            for room in old:
                del garment.rooms[room]
