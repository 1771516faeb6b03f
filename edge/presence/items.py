"""Which room each garment is in, from RFID reads.

Three ideas, each answering one thing real fitting rooms do to RFID:

- **Adaptive windows (SMURF).** Each tag learns, per room, its probability of being read in a second;
  the silence that means "gone" is the window in which a tag that is still there would be missed with
  probability below ``miss_probability`` (plus a margin for the bursts real reads come in). A tag read
  every second leaves after a few seconds of silence, a badly placed one after tens of seconds.
- **Arbitration on accumulated evidence, with hysteresis.** Every second with a read adds evidence to
  that room, weighted by its peak RSSI and decayed over the tag's own time scale. A room wins a tag only
  while it is reading it, with ``dominance`` times the evidence of any other room, at an RSSI plausible
  for garments inside it (learned per room), and persistently: reads spanning ``confirm_s``, or one read
  at full in-room strength, or one read right beside garments that just entered (garments arrive
  together), or one read far stronger than the rooms it passed on its way read it (its own tag gain
  cancels out). Neighbours' cross-reads and a corridor pass-by do not win; a garment carried to another
  room does, as soon as its old room has gone quiet and the new evidence is fresh.
- **Session context.** A tag that falls silent while garments that were with it are still read, or while
  a shopper who was there is still there, is more likely worn than gone: it is held for ``worn_hold_s``.
  A tag silent at home but read elsewhere about as strongly as at home is alive and unshielded, so gone;
  so is one that fell silent when a shopper of its session walked out or a garment of its session was
  proven elsewhere; so is one whose last reads faded (carried away from the antenna, where a garment
  put on goes quiet abruptly), and a whole pile falling silent at once. A garment that goes quiet
  abruptly with nothing to say why is held ``unexplained_hold_s``: in a fitting room, most likely a
  try-on. A room whose antenna or reader is down (or whose reader stalls in all its busy rooms
  at once, before its last will arrives) is unknown: its garments neither leave nor lose evidence.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from enum import Enum

from edge.presence.events import EventType, PresenceEvent
from edge.presence.evidence import RoomEvidence, weight
from edge.presence.neighbours import RoomRadio
from edge.presence.params import PresenceParams
from edge.presence.snapshot import ItemPresence
from edge.reads import TagRead

__all__ = ["ItemTracker"]

_GC_EVERY_S = 10.0
# A phone is last heard in a room up to about a report interval before its shopper walks out (a
# garment they carry is read until the door), and its room's node still hears it walking away for a
# while: its last report there comes up to this long after the garments it carried fell silent.
_SHOPPER_SLACK_S = 6.0
_PHONE_LINGER_S = 15.0
_DEPARTURES_KEPT = 8
# Reads elsewhere within this long of the last read at home are the usual cross-reads of a garment at
# home (perhaps the last ones before it went on the body); only later ones say it is elsewhere.
_AWAY_SETTLE_S = 1.0
# Garments read within this long before a reader's last report were being read when it fell silent.
_BUSY_S = 2.0
_TAU_READS = 3.0
_RECENT_S = 1.0
# Evidence elsewhere that began at most this long before home's last read is fresh: the garment moved.
_FRESH_S = 2.0
# Garments carried out together fall silent within about this long of each other.
_TOGETHER_S = 2.0
# A single read waits this long for the garment to be read further along the corridor before it counts.
_DWELL_S = 1.0
# Garments coming into the corridor pass the first doors on their way (no door before to compare
# with): one strong read there waits long enough for the next door to read a garment walking on.
_STRONG_DWELL_S = 2.0
# Reads by another room within this many dB of a room's best mean the garment is passing, not inside.
_TRANSIT_MARGIN_DB = 6.0
_SAME_MOMENT_S = 0.25
# Garments read by the same door within this long of each other are being carried together.
_CONVOY_S = 1.0
# Doors passed together that make a convoy (one could be two shoppers crossing in the corridor).
_CONVOY_DOORS = 2
_MOVED_ON_MEMORY_S = 5.0
# With evidence that a silent tag is elsewhere, this share of its window of silence is enough.
_ELSEWHERE_SHARE = 0.7
# Home silence after evidence of having left that confirms it (home reads a garment just handled anew).
_CONFIRM_AWAY_S = 2.0
# A tag read at home this recently is at home: reads elsewhere are cross-reads.
_AT_HOME_S = 1.0
# Seconds a room must have read a tag before its usual RSSI for it means something.
_CROSS_HISTORY = 3


class _Why(Enum):
    """Why a room won a tag."""

    PERSISTENT = "persistent"  # read there over confirm_s
    STRONG = "strong"  # read at full in-room strength
    GROUP = "group"  # arrived with garments that just entered
    STANDOUT = "standout"  # read far stronger than it just was passing other rooms
    CONVOY = "convoy"  # carried along the corridor with a garment that just entered


class _Gone(Enum):
    """Why a silent tag was taken to have left its room."""

    WINDOW = "window"
    UNSEEN = "unseen"
    ALIVE_ELSEWHERE = "alive_elsewhere"
    MOVED = "moved"
    TRAIL = "trail"
    FADED = "faded"
    WITH_SHOPPER = "with_shopper"
    WITH_GARMENT = "with_garment"
    WORN_HOLD = "worn_hold"
    TOGETHER = "together"
    AFTER_OUTAGE = "after_outage"
    UNEXPLAINED = "unexplained"


class _Item:
    __slots__ = (
        "away",
        "away_rooms",
        "away_since",
        "epc",
        "gtin",
        "moved_at",
        "room",
        "rooms",
        "since",
        "t_decay",
        "tau",
        "trail_at",
    )

    def __init__(self, epc: str, gtin: str | None, now: float, tau: float) -> None:
        self.epc = epc
        self.gtin = gtin
        self.room: str | None = None
        self.since = now
        self.t_decay = now
        self.tau = tau
        self.rooms: dict[str, RoomEvidence] = {}
        # When the tag, silent at home, was first read elsewhere unshielded (inf: not since).
        self.away_since = math.inf
        self.away = 0  # seconds read elsewhere, unshielded, since the last read at home
        # Rooms that read it since the last read at home (a trail along the corridor).
        self.away_rooms: set[str] = set()
        # When another room read it far stronger than it usually does while the tag is at home (inf: not).
        self.moved_at = math.inf
        self.trail_at = math.inf

    def at_home(self) -> None:
        """Read at home again: evidence of having left is void."""
        self.away, self.away_since, self.moved_at = 0, math.inf, math.inf
        self.away_rooms.clear()

    def last_seen(self) -> float:
        return max(ev.last for ev in self.rooms.values())


class ItemTracker:
    """Garment presence from RFID reads; feed reads in time order, tick to let silence count."""

    def __init__(
        self,
        params: PresenceParams,
        *,
        covered: Callable[[str], bool],
        silence: Callable[[str, float], tuple[float, frozenset[str]] | None],
        shopper_since: Callable[[str], float],
        shopper_departures: Callable[[str], Iterable[tuple[float, float]]],
    ) -> None:
        self._p = params
        self._covered = covered
        self._blind_any: Callable[[], bool] = lambda: False
        self._silence = silence
        self._shopper_since = shopper_since
        self._shopper_departures = shopper_departures
        self._items: dict[str, _Item] = {}
        self._residents: dict[str, dict[str, _Item]] = {}
        self._radio = RoomRadio()
        # room -> (when an item last entered it, when its reads there began, at what RSSI)
        self._arrivals: dict[str, tuple[float, float, float]] = {}
        # room -> (since, last read there) of the latest garments proven to have left it
        self._departed: dict[str, deque[tuple[float, float]]] = {}
        self._next_gc = -math.inf
        self.gone_why: dict[str, _Gone] = {}
        self.enter_why: dict[str, _Why] = {}
        self._prior_tau = min(max(_TAU_READS / RoomEvidence(params).read_probability(), 2.0), 15.0)

    # -- inputs ------------------------------------------------------------------------------------

    def on_read(self, read: TagRead, now: float) -> list[PresenceEvent]:
        """Fold one report in; returns the events it decides (usually none)."""
        p = self._p
        item = self._items.get(read.epc)
        if item is None:
            item = self._items[read.epc] = _Item(read.epc, read.gtin, now, self._tau(None))
        ev = item.rooms.get(read.room_id)
        if ev is None:
            ev = item.rooms[read.room_id] = RoomEvidence(p)
        self._decay(item, now)
        rssi = read.rssi_dbm if read.rssi_dbm is not None else p.missing_rssi_dbm
        closed_peak = ev.peak  # the peak of the second this report may close
        usual_here = ev.level  # how this room usually reads the tag, before this report
        history = ev.n_sec
        if not ev.report(now, rssi, p):
            return []  # same second, same room: nothing new to decide (the hot path)
        home = item.room
        if read.room_id == home:
            item.at_home()
            if closed_peak > -math.inf and ev.seen > 1:
                self._radio.read_inside(home, closed_peak)
        elif home is not None and now - item.rooms[home].last <= _AT_HOME_S and self._covered(home):
            # Read elsewhere while home reads it too: a cross-read, which teaches that room how it reads
            # garments next door, and whose neighbour it is.
            self._radio.read_across(read.room_id, home, rssi)
        if home is not None and read.room_id != home and now > item.rooms[home].last:
            home_ev = item.rooms[home]
            if history < _CROSS_HISTORY and read.room_id not in item.away_rooms:
                item.away_rooms.add(read.room_id)  # a room that does not usually read it here
                item.trail_at = now
            if history >= _CROSS_HISTORY and rssi >= usual_here + p.standout_db:
                # Far stronger than this room reads it while it is at home: it moved towards here.
                item.moved_at = min(item.moved_at, now)
            if now - home_ev.last >= _AWAY_SETTLE_S and ev.peak >= _usual(home_ev) - p.away_margin_db:
                # Read elsewhere about as strongly as at home: not shielded by a body, so not worn. One
                # such read can be a cross-read just before the garment went on; more make it alive
                # elsewhere.
                item.away += 1
                if item.away == p.away_seconds:
                    item.away_since = now
        return self._decide(item, now)

    def tick(self, now: float) -> list[PresenceEvent]:
        """Decide what silence and elapsed time imply; returns the events, in a stable order."""
        events: list[PresenceEvent] = []
        for item in list(self._items.values()):
            self._decay(item, now)
            events += self._decide(item, now)
        if now >= self._next_gc:
            self._collect(now)
            self._next_gc = now + _GC_EVERY_S
        return events

    def coverage_restored(self, room: str, now: float) -> None:
        """The room's antennas are back: silence during the outage proves nothing, start afresh."""
        for item in self._residents.get(room, {}).values():
            ev = item.rooms.get(room)
            if ev is not None:
                ev.restart(now)
            item.at_home()

    # -- views -------------------------------------------------------------------------------------

    def room_of(self, epc: str) -> str | None:
        item = self._items.get(epc)
        return item.room if item is not None else None

    def residents(self) -> dict[str, list[ItemPresence]]:
        out: dict[str, list[ItemPresence]] = {}
        for room, items in self._residents.items():
            out[room] = [ItemPresence(i.epc, i.gtin, i.since, i.rooms[room].last) for i in items.values()]
        return out

    # -- decisions ---------------------------------------------------------------------------------

    def _decide(self, item: _Item, now: float) -> list[PresenceEvent]:
        home = item.room
        home_ev = item.rooms.get(home) if home is not None else None
        # Home has not read it for a window: its old evidence does not hold off fresh evidence elsewhere
        # (a garment carried to another room), though it still holds off a long-running cross-read.
        stale = (
            home is not None
            and home_ev is not None
            and self._covered(home)
            and now - home_ev.last > home_ev.window
            and not self._stalled(home, now)
        )
        ranked = sorted(
            ((ev.score if room == home else _standing(ev, self._p), room) for room, ev in item.rooms.items()),
            reverse=True,
        )
        # Entered moments ago: perhaps only passing through (its door read it strongly on the way).
        transit = home_ev is not None and now - item.since <= self._p.passing_memory_s
        for score, room in ranked:
            if room == home:
                if stale or (
                    transit
                    and home_ev is not None
                    and any(_passed(home_ev, other, now) for r, other in item.rooms.items() if r != home)
                ):
                    continue
                break  # home leads
            if any(_passed(item.rooms[room], other, now) for r, other in item.rooms.items() if r != room):
                continue  # a room it passed: its evidence is history, the room reading it now decides
            fresh = stale and home_ev is not None and item.rooms[room].first >= home_ev.last - _FRESH_S
            cand = item.rooms[room]
            runner = max(
                (
                    s
                    for s, r in ranked
                    if r != room
                    and not (fresh and r == home)
                    and not ((r != home or transit) and _behind(item.rooms[r], cand))
                ),
                default=0.0,
            )
            why = self._qualifies(item, room, score, runner, now, transit=transit)
            if why is not None:
                self.enter_why[item.epc] = why
                if home is not None and home_ev is not None and not transit:
                    self._departure(home, item.since, home_ev.last)
                events = self._move(item, room, now)
                if why is not _Why.GROUP and why is not _Why.CONVOY:
                    # Only a garment that entered on its own evidence anchors a group (no chains).
                    ev = item.rooms[room]
                    self._arrivals[room] = (now, ev.first, ev.episode_rssi())
                    events += self._convoy(item, room, now)
                return events
            break
        if home is None:
            return []
        if self._covered(home):
            ev = item.rooms[home]
            hold, why_gone = self._hold(item, home, ev, now)
            if now - ev.last > hold and not self._stalled(home, now):
                self.gone_why[item.epc] = why_gone
                if (
                    item.away_since < math.inf
                    or self._faded_out(item, ev)
                    or self._room_fell_silent(item, home, ev.last, now)
                ):
                    # Proven gone (or seen fading out): whoever carried it walked out then, with
                    # whatever else fell silent.
                    self._departure(home, item.since, ev.last)
                return self._move(item, None, now)
        return []

    def _qualifies(
        self, item: _Item, room: str, score: float, runner: float, now: float, *, transit: bool = False
    ) -> _Why | None:
        """May the tag enter ``room``: covered, being read there, dominant, at an in-room RSSI, and
        persistently (or right beside garments that just entered, or at full in-room strength)."""
        p = self._p
        ev = item.rooms[room]
        if score < p.dominance * runner or not self._covered(room):
            return None
        if now - ev.last > _RECENT_S + _DWELL_S:
            return None  # decide while it is being read there, not on the memory of a passing read
        if self._moved_on(item, room, ev, now):
            return None  # read since about as strongly by another room: carried on along the corridor
        level = self._radio.inside(room)
        floor = level.floor(p.in_room_margin_db) if level is not None else None
        rssi = ev.episode_rssi()
        if item.room is None and self._next_to_blind(room):
            # A neighbour cannot see: what this room reads at cross-read strength may well be in there.
            likelier = self._radio.inside_likelier(room, rssi)
            if likelier is False or (likelier is None and floor is not None and rssi < floor):
                return None
        if item.room is None and ev.ep_max - max(ev.peak, ev.prev_peak) >= p.fade_db:
            return None  # read ever weaker since its first reads here: passing the door, moving away
        home = item.room
        if not transit and home is not None:
            if not self._covered(home) and self._radio.inside_likelier(room, rssi) is not True:
                return None  # its room cannot see it: only an in-room read elsewhere says it moved
            if ev.peak < _usual(item.rooms[home]) - p.standout_db:
                # Far weaker than it is usually read at home: a cross-read of a garment still there
                # (perhaps worn and shielded), not the garment carried in.
                return None
            usual_home = _usual(item.rooms[home])
            if (
                ev.base_n >= _CROSS_HISTORY
                and ev.base < usual_home - p.standout_db
                and ev.episode_rssi() < ev.base + p.standout_db / 2
            ):
                return None  # read here as this room has always read it from there: a cross-read
        if ev.seen >= p.confirm_seconds_read and ev.last - ev.first >= p.confirm_s:
            return _Why.PERSISTENT
        # Garments arrive together, carried alike: right after another one entered, first read there
        # about when it was and about as strongly, one read is persistence enough. (Another shopper's
        # garments passing the door are read through the curtain, far weaker.)
        group = self._arrivals.get(room)
        if (
            group is not None
            and now - group[0] <= p.group_entry_s
            and abs(ev.first - group[1]) <= p.group_entry_s
            and rssi >= group[2] - (p.standout_db if ev.seen < 2 else p.in_room_margin_db)
        ):
            return _Why.GROUP
        if now - ev.first < _DWELL_S:
            return None  # one read so far: give a garment passing the door time to be read further on
        # Read as strongly as garments inside this room usually are: no corridor or neighbour does that
        # (unless the garment is being carried along the corridor, read at every door it passes).
        if (
            level is not None
            and floor is not None
            and rssi >= level.mean
            and now - ev.first >= _STRONG_DWELL_S
            and not self._moving(item, room, now)
        ):
            return _Why.STRONG
        # A garment carried along the corridor is read briefly by each room it passes, through their
        # doors; inside its room the antenna reads it far stronger. Compared with its own reads of
        # moments ago (its orientation and tag gain cancel out), a read that stands out is inside.
        passing = self._passing_rssi(item, room, ev.first) if ev.episodes == 1 else None
        if passing is not None and rssi >= passing + p.standout_db:
            return _Why.STANDOUT
        return None

    def _convoy(self, anchor: _Item, room: str, now: float) -> list[PresenceEvent]:
        """Garments carried along the corridor with ``anchor`` (read by the same doors at the same
        moments) and not read further on since it arrived: they came in with it, though ``room`` has not
        read them yet (a badly oriented tag can take seconds to be read)."""
        arrived = anchor.rooms[room].first
        trail = {
            r: ev.last
            for r, ev in anchor.rooms.items()
            if r != room and arrived - self._p.passing_memory_s <= ev.last <= arrived + _SAME_MOMENT_S
        }
        if not trail:
            return []
        events: list[PresenceEvent] = []
        for other in list(self._items.values()):
            if other is anchor or other.room is not None:
                continue
            latest = max(other.rooms.items(), key=lambda kv: kv[1].last)
            if latest[0] != room and latest[1].last > arrived + _SAME_MOMENT_S:
                continue  # read elsewhere since: it went on
            if latest[1].last < arrived - self._p.passing_memory_s:
                continue
            together = sum(
                1 for r, ev in other.rooms.items() if r in trail and abs(ev.last - trail[r]) <= _CONVOY_S
            )
            here = other.rooms.get(room)
            if here is not None and abs(here.first - arrived) <= _CONVOY_S:
                together += 1  # read at this room's door as the anchor was, on the way in
            if together >= _CONVOY_DOORS:
                ev = other.rooms.get(room)
                if ev is None:
                    ev = other.rooms[room] = RoomEvidence(self._p)
                ev.restart(now)
                self.enter_why[other.epc] = _Why.CONVOY
                events += self._move(other, room, now)
        return events

    def _next_to_blind(self, room: str) -> bool:
        """Is a neighbour of ``room`` blind (any room, while its neighbours are not known yet)?"""
        neighbours = self._radio.neighbours(room)
        if neighbours is None:
            return self._blind_any()
        return any(not self._covered(n) for n in neighbours)

    def _moving(self, item: _Item, room: str, now: float) -> bool:
        """Has the tag been read by two or more other rooms moments ago (carried along the corridor)?"""
        horizon = now - self._p.passing_memory_s
        return sum(1 for r, ev in item.rooms.items() if r != room and ev.last >= horizon) >= 2

    def _moved_on(self, item: _Item, room: str, ev: RoomEvidence, now: float) -> bool:
        """Has another room read the tag since this room's reads began, recently and about as strongly
        as this room reads it at best? Then it is being carried past (or the other room is its room)."""
        bar = ev.ep_max - _TRANSIT_MARGIN_DB
        for other, oev in item.rooms.items():
            if other != room and oev.last > ev.first + _SAME_MOMENT_S and now - oev.last <= _MOVED_ON_MEMORY_S:
                if oev.peak >= bar:
                    return True
        return False

    def _passing_rssi(self, item: _Item, room: str, since: float) -> float | None:
        """The strongest second with which other rooms read the tag shortly before ``since`` (its reads
        on the way here), or None when none did."""
        best: float | None = None
        horizon = since - self._p.passing_memory_s
        for other, ev in item.rooms.items():
            # Only reads that came before: a room reading it after this one began is not its way here.
            if other != room and horizon <= ev.last <= since and (best is None or ev.peak > best):
                best = ev.peak
        return best

    def _hold(self, item: _Item, room: str, ev: RoomEvidence, now: float) -> tuple[float, _Gone]:
        """How much silence at home means the tag has left, and on what evidence."""
        window = ev.window
        # Evidence that it went elsewhere is worth part of the silence: the window of a tag read with the
        # same probability, for miss_probability ** _ELSEWHERE_SHARE.
        half = max(window * _ELSEWHERE_SHARE, self._p.min_window_s)
        if item.away_since < math.inf:
            # Alive elsewhere: had it still been here, home would have read it since.
            return half + max(item.away_since - ev.last, 0.0), _Gone.ALIVE_ELSEWHERE
        if item.moved_at < math.inf:
            # Read since by another room far stronger than while it was here: it moved towards there
            # (unless home reads it again at once: a garment just handled is read anew everywhere).
            return max(half, item.moved_at - ev.last + _CONFIRM_AWAY_S), _Gone.MOVED
        if len(item.away_rooms) >= 2:
            # Read since by two rooms that never read it here, in turn: carried along the corridor.
            return max(half, item.trail_at - ev.last + _CONFIRM_AWAY_S), _Gone.TRAIL
        if now - ev.last <= window:
            return window, _Gone.WINDOW
        if ev.n_sec == 0:
            # Placed here with garments it came in with, and never read here since: nothing holds it.
            return window, _Gone.UNSEEN
        if self._faded_out(item, ev):
            # Read ever weaker on its way out, then silent: carried away, not put on (held a little
            # longer than its window, since a garment put on right after a weak read looks alike
            # until its next faint read).
            return max(window, self._p.fade_hold_s), _Gone.FADED
        # Someone of its session walked out about when it fell silent (a shopper's phone left, or a
        # garment was proven to be elsewhere): it went with them.
        if _left_with(self._shopper_departures(room), ev.last, _SHOPPER_SLACK_S, _PHONE_LINGER_S):
            return window, _Gone.WITH_SHOPPER
        if _left_with(self._departed.get(room, ()), ev.last, _TOGETHER_S, _TOGETHER_S):
            return window, _Gone.WITH_GARMENT
        if self._room_fell_silent(item, room, ev.last, now):
            # Several garments went quiet at once: carried out together (a body shields the one or two
            # being tried on, not a pile).
            return window, _Gone.TOGETHER
        # Only the session the tag was part of speaks for it being worn: a shopper or garments that
        # were already there when it fell silent, not the next shopper's (the room may change hands).
        if self._shopper_since(room) <= ev.last + _SHOPPER_SLACK_S or self._session_active(
            item, room, ev.last, now
        ):
            # A try-on lasts what it lasts from the garment's last real read: time its room was blind
            # counts towards it (an outage neither proves it gone nor extends its try-on).
            blind = ev.last - ev.read_last if ev.restarted else 0.0
            return max(window, self._p.worn_hold_s - blind), _Gone.WORN_HOLD
        if ev.restarted:
            # Unseen since before an outage: whatever it was doing then (a try-on lasts a minute or
            # two), only its plain window is left to wait for.
            return window, _Gone.AFTER_OUTAGE
        return max(window, self._p.unexplained_hold_s), _Gone.UNEXPLAINED

    def _faded_out(self, item: _Item, ev: RoomEvidence) -> bool:
        """Was it carried away: its last reads at home faded, in the very next second (or within two,
        when another room has read it since, unshielded)?"""
        fade = self._p.fade_db
        return ev.faded(fade) or ev.tailed_off(fade) or (item.away >= 1 and ev.faded(fade, max_gap=2))

    def _room_fell_silent(self, item: _Item, room: str, silent_since: float, now: float) -> bool:
        """Did at least ``together_min`` garments of the room (this one included) fall silent within a
        couple of seconds of ``silent_since``, and stay silent?"""
        together = 0
        for other in self._residents.get(room, {}).values():
            ev = other.rooms[room]
            if abs(ev.last - silent_since) <= _TOGETHER_S and now - ev.last > ev.window:
                together += 1
        return together >= self._p.together_min

    def _stalled(self, room: str, now: float) -> bool:
        """Did the room's reader stop reporting while garments in another of its rooms were being read?
        Garments in two rooms do not all leave in the same second: the reader has stalled."""
        quiet = self._silence(room, now)
        if quiet is None:
            return False
        last, others = quiet
        for other in others:
            for item in self._residents.get(other, {}).values():
                if item.rooms[other].last >= last - _BUSY_S:
                    return True
        return False

    def _departure(self, room: str, since: float, left: float) -> None:
        recent = self._departed.get(room)
        if recent is None:
            recent = self._departed[room] = deque(maxlen=_DEPARTURES_KEPT)
        recent.append((since, left))

    def _session_active(self, item: _Item, room: str, silent_since: float, now: float) -> bool:
        """Is another garment that was in the room before this one fell silent still being read?"""
        for other in self._residents.get(room, {}).values():
            if other is item or other.since > silent_since:
                continue
            ev = other.rooms[room]
            if now - ev.last <= ev.window:
                return True
        return False

    def _move(self, item: _Item, target: str | None, now: float) -> list[PresenceEvent]:
        events: list[PresenceEvent] = []
        if item.room is not None:
            self._residents[item.room].pop(item.epc, None)
            events.append(PresenceEvent(now, EventType.ITEM_LEFT, item.room, epc=item.epc, gtin=item.gtin))
        if target is not None:
            self._residents.setdefault(target, {})[item.epc] = item
            events.append(PresenceEvent(now, EventType.ITEM_ENTERED, target, epc=item.epc, gtin=item.gtin))
            item.since = now
        item.at_home()
        item.room = target
        return events

    # -- bookkeeping -------------------------------------------------------------------------------

    def _decay(self, item: _Item, now: float) -> None:
        """Age every covered room's evidence together; an uncovered room's evidence is frozen."""
        dt = now - item.t_decay
        if dt <= 0:
            return
        ref = item.rooms.get(item.room) if item.room is not None else None
        item.tau = self._tau(ref)
        f = math.exp(-dt / item.tau)
        for room, ev in item.rooms.items():
            if self._covered(room):
                ev.score *= f
        item.t_decay = now

    def _tau(self, ref: RoomEvidence | None) -> float:
        """Evidence time scale: the time in which home reads the tag about three times (the prior read
        rate when it has no home), within [2, 15] s: long enough to ride out gaps, short enough to follow
        a garment that moved."""
        if ref is None:
            return self._prior_tau
        return min(max(_TAU_READS / ref.read_probability(), 2.0), 15.0)

    def _collect(self, now: float) -> None:
        """Forget tags that are in no room and have not been read for a long while."""
        horizon = 4 * self._p.exit_timeout_s
        stale = [
            epc for epc, item in self._items.items() if item.room is None and now - item.last_seen() > horizon
        ]
        for epc in stale:
            del self._items[epc]


def _passed(other: RoomEvidence, here: RoomEvidence, now: float) -> bool:
    """Did the tag pass ``other`` on its way ``here``: other stopped reading it before here began to, a
    while ago, and here has read it for longer than a door is passed? Such evidence is history: however
    strong the pass-by reads were, they do not hold off the room reading it now."""
    return here.seen >= 3 and other.last < here.first and now - other.last > _FRESH_S


def _standing(ev: RoomEvidence, params: PresenceParams) -> float:
    """A room's evidence for a tag that is not in it. A room whose latest reads are far weaker than its
    best of this episode is one the tag has moved away from (its door, passed on the way): only what it
    reads now counts, not the strong reads of the moment the tag went by."""
    recent = max(ev.peak, ev.prev_peak)
    if ev.ep_max - recent >= params.fade_db:
        return min(ev.score, weight(recent, params))
    return ev.score


def _behind(other: RoomEvidence, here: RoomEvidence) -> bool:
    """Did ``other`` stop reading the tag before ``here`` began to? Its reads are of the way here and do
    not compete with here's (a garment just passing ``here``'s door is held back by the entry checks)."""
    return other.last < here.first


def _usual(ev: RoomEvidence) -> float:
    """The RSSI a room usually reads the tag at: its level while read steadily, or the current
    episode's when higher (a garment on the body is read rarely and far weaker, which must not lower the
    bar for reads elsewhere to count as unshielded)."""
    return max(ev.episode_rssi(), ev.steady if ev.steady > -math.inf else ev.level)


def _left_with(
    departures: Iterable[tuple[float, float]], silent_since: float, before: float, after: float
) -> bool:
    """Did someone or something that was there before ``silent_since`` leave about then: last seen there
    from ``before`` seconds before the tag fell silent to ``after`` seconds after it?"""
    return any(
        since <= silent_since and silent_since - before <= left <= silent_since + after
        for since, left in departures
    )
