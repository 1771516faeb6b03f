"""When a silent garment has left its room.

A garment in a room is read now and then at its own rate; the silence that means it has gone is its
window (SMURF: long enough that a garment still there would have been read with probability
1 - ``miss_probability``). But a garment put on is shielded by the body and goes almost silent for a
minute or two, and a shopper trying things on is the whole point of a fitting room. So silence alone is
weighed against what else is known, in this order:

- **evidence it is elsewhere**: read since by another room about as strongly as at home (unshielded,
  so not worn), far stronger than that room reads it at home, by two rooms that never read it
  there (carried along the corridor), or, unshielded, by one room that never reads its room's
  garments at all: it leaves after ``elsewhere_share`` of its window; alive elsewhere and read by
  a room that never reads its room's garments, it has gone past its neighbours: it leaves two
  seconds after that (at least ``min_window_s`` after its last read), whatever its window;
- **faded out**: its last reads were far weaker than usual, right after stronger ones (carried
  through the door; a garment put on goes quiet abruptly): it leaves after ``fade_hold_s``, unless a
  shopper's phone in the room since before stays there (then it was put on, on its way to the body);
- **left with someone**: a shopper's phone left the room, or another garment was proven gone, about
  when it fell silent; or ``together_min`` garments fell silent at once (a body shields one outfit,
  not a pile): it leaves after its window;
- **the next shopper came in**: ``next_shopper_min`` garments carried in from the shop floor since it
  fell silent, and still there after ``passing_memory_s``, and no phone there since before it fell
  silent (one that came in since is the next shopper's): a fitting room holds one shopper at a time,
  so the last one has gone, with it; it leaves after its window;
- **worn**: garments that were there with it are still read, or a shopper who was there still is: it
  is held ``worn_hold_s`` from its last read;
- otherwise it is held ``unexplained_hold_s`` (most often a try-on with nobody else around).

A room whose reader has stalled (silent in all its busy rooms at once, before its last will arrives)
loses nothing until it reports again or is declared down.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from enum import Enum

from edge.presence.evidence import RoomEvidence
from edge.presence.garment import Garment, Surroundings
from edge.presence.params import PresenceParams

__all__ = ["Departure", "DepartureRules"]

# A phone is last heard in a room up to about a report interval before its shopper walks out (a
# garment they carry is read until the door), and its room's node still hears it walking away for a
# while: its last report there comes up to this long after the garments it carried fell silent.
SHOPPER_SLACK_S = 6.0
_PHONE_LINGER_S = 15.0
# Garments carried out together fall silent within about this long of each other.
_TOGETHER_S = 2.0
_DEPARTURES_KEPT = 8
# Garments read within this long before a reader's last report were being read when it fell silent.
_BUSY_S = 2.0
# Reports of one reader within this long of each other belong to the same moment.
_SAME_SECOND_S = 1.0
# Home silence after evidence of having left that confirms it (home reads a garment just handled anew).
_CONFIRM_AWAY_S = 2.0


class Departure(Enum):
    """Why a silent garment was taken to have left its room."""

    ALIVE_ELSEWHERE = "alive_elsewhere"
    MOVED = "moved"
    TRAIL = "trail"
    BEYOND = "beyond"
    WINDOW = "window"
    UNSEEN = "unseen"
    FADED = "faded"
    WITH_SHOPPER = "with_shopper"
    WITH_GARMENT = "with_garment"
    TOGETHER = "together"
    NEXT_SHOPPER = "next_shopper"
    WORN_HOLD = "worn_hold"
    AFTER_OUTAGE = "after_outage"
    UNEXPLAINED = "unexplained"


class DepartureRules:
    """Decides how long a silent garment is kept; remembers who and what left each room, and when."""

    def __init__(
        self,
        params: PresenceParams,
        residents: dict[str, dict[str, Garment]],
        store: Surroundings,
    ) -> None:
        self._p = params
        self._residents = residents
        self._store = store
        # room -> (since, last read there) of the latest garments proven to have left it
        self._departed: dict[str, deque[tuple[float, float]]] = {}

    def hold(self, garment: Garment, room: str, ev: RoomEvidence, now: float) -> tuple[float, Departure]:
        """How long a silence at home (since ``ev.last``) means ``garment`` has left, and why."""
        p = self._p
        window = ev.window
        # Evidence that it went elsewhere is worth part of the silence.
        confirm = max(window * p.elsewhere_share, p.min_window_s)
        if garment.away_since < math.inf:
            if garment.beyond_at < math.inf:
                # Alive, and read by a room that never reads this room's garments: carried on past it.
                since = max(garment.away_since, garment.beyond_at) - ev.last
                return max(p.min_window_s, since + _CONFIRM_AWAY_S), Departure.BEYOND
            # Alive elsewhere: had it still been here, home would have read it since.
            return confirm + max(garment.away_since - ev.last, 0.0), Departure.ALIVE_ELSEWHERE
        if garment.moved_at < math.inf:
            # Read far stronger than usual by another room (unless home reads it again at once: a
            # garment just handled is read anew everywhere).
            return max(confirm, garment.moved_at - ev.last + _CONFIRM_AWAY_S), Departure.MOVED
        if garment.beyond_at < math.inf:
            return max(confirm, garment.beyond_at - ev.last + _CONFIRM_AWAY_S), Departure.BEYOND
        if len(garment.away_rooms) >= 2:
            return max(confirm, garment.trail_at - ev.last + _CONFIRM_AWAY_S), Departure.TRAIL
        if now - ev.last <= window:
            return window, Departure.WINDOW
        if ev.n_sec == 0:
            # Placed here with garments it came in with, and never read here since: nothing holds it.
            return window, Departure.UNSEEN
        phone_since = self._store.shopper_since(room)
        if not phone_since < ev.read_last and self.faded_out(garment, ev):
            # Held a little longer than its window: a garment put on right after a weak read looks alike
            # until its next faint read.
            return max(window, p.fade_hold_s), Departure.FADED
        # Its shopper left about when it fell silent; or, silent since before an outage, any time while
        # the room was blind (nothing it did then could be seen).
        blind = ev.last - ev.read_last if ev.restarted else 0.0
        if _left_with(
            self._store.shopper_departures(room), ev.read_last, SHOPPER_SLACK_S, blind + _PHONE_LINGER_S
        ):
            return window, Departure.WITH_SHOPPER
        # A reader that dies silences all its garments at once, as if carried out together: while the
        # room's readers have said nothing since this garment fell silent (and their last will may still
        # come), that is no evidence.
        said = self._store.reader_last(room)
        reader_quiet = said <= ev.last + _SAME_SECOND_S and now - said <= p.reader_stall_hold_s
        if not reader_quiet and _left_with(self._departed.get(room, ()), ev.last, _TOGETHER_S, _TOGETHER_S):
            return window, Departure.WITH_GARMENT
        if not reader_quiet and self._fell_silent_together(room, ev.last, now):
            return window, Departure.TOGETHER
        # Only the session the tag was part of speaks for it being worn: a shopper or garments that
        # were already there when it fell silent, not the next shopper's (the room may change hands).
        # A phone that came in after it fell silent is the next shopper's, not the wearer's.
        if phone_since > ev.last and self._next_shopper_came(garment, room, ev.last, now):
            return window, Departure.NEXT_SHOPPER
        if phone_since <= ev.last + SHOPPER_SLACK_S or self._session_active(garment, room, ev.last, now):
            # A try-on lasts what it lasts from the garment's last real read: time its room was blind
            # counts towards it (an outage neither proves it gone nor extends its try-on).
            return max(window, p.worn_hold_s - blind), Departure.WORN_HOLD
        if ev.restarted:
            # Unseen since before an outage: whatever it was doing then (a try-on lasts a minute or
            # two), only its plain window is left to wait for.
            return window, Departure.AFTER_OUTAGE
        return max(window, p.unexplained_hold_s), Departure.UNEXPLAINED

    def left_blind_room(self, garment: Garment, beyond: list[str], now: float) -> Departure | None:
        """Has a garment whose room is blind been read since, in turn, by two rooms ``beyond`` (rooms
        known not to read that room's garments: it was carried along the corridor), or far stronger
        than a room reads it there? A garment still inside is read only by its room's neighbours, as
        they always read it."""
        if len(beyond) >= 2 and now - garment.trail_at >= _CONFIRM_AWAY_S:
            return Departure.TRAIL
        if garment.moved_at < math.inf and now - garment.moved_at >= _CONFIRM_AWAY_S:
            return Departure.MOVED
        return None

    def proven(self, garment: Garment, room: str, ev: RoomEvidence, now: float) -> bool:
        """Was the departure seen happening (not merely waited out): read alive elsewhere, faded out,
        or gone quiet with a pile of others? Then whoever carried it walked out about then, with
        whatever else fell silent."""
        return (
            garment.away_since < math.inf
            or garment.beyond_at < math.inf
            or self.faded_out(garment, ev)
            or self._fell_silent_together(room, ev.last, now)
        )

    def departed(self, room: str, since: float, left: float) -> None:
        """A garment that had been in ``room`` since ``since`` left it, last read there at ``left``."""
        recent = self._departed.get(room)
        if recent is None:
            recent = self._departed[room] = deque(maxlen=_DEPARTURES_KEPT)
        recent.append((since, left))

    def faded_out(self, garment: Garment, ev: RoomEvidence) -> bool:
        """Was it carried away: its last reads at home faded, in the very next second or report (or
        within two seconds, when another room has read it since, unshielded)?"""
        fade = self._p.fade_db
        return ev.faded(fade) or ev.tailed_off(fade) or (garment.away >= 1 and ev.faded(fade, max_gap=2))

    def stalled(self, room: str, now: float) -> bool:
        """Did the room's reader stop reporting while garments in another of its rooms were being read?
        Garments in two rooms do not all leave in the same second: the reader has stalled."""
        quiet = self._store.reader_silence(room, now)
        if quiet is None:
            return False
        last, others = quiet
        for other in others:
            for garment in self._residents.get(other, {}).values():
                if garment.rooms[other].last >= last - _BUSY_S:
                    return True
        return False

    def _fell_silent_together(self, room: str, silent_since: float, now: float) -> bool:
        """Did at least ``together_min`` garments of the room (the one asking included) fall silent
        within a couple of seconds of ``silent_since``, and stay silent?"""
        together = 0
        for garment in self._residents.get(room, {}).values():
            ev = garment.rooms[room]
            if abs(ev.last - silent_since) <= _TOGETHER_S and now - ev.last > ev.window:
                together += 1
        return together >= self._p.together_min

    def _next_shopper_came(self, garment: Garment, room: str, silent_since: float, now: float) -> bool:
        """Have ``next_shopper_min`` garments been carried into the room from the shop floor since
        ``garment`` fell silent, and stayed past passing through? Not garments read there with it, nor
        ones moved in from another room or back in this one, nor ones that entered while a room next
        door was blind (they may be that room's)."""
        p = self._p
        came = 0
        for other in self._residents.get(room, {}).values():
            if other is garment or other.beside_blind:
                continue
            came_in = min(other.since, other.rooms[room].first)
            if came_in <= silent_since or now - other.since < p.passing_memory_s:
                continue  # in the room with it, or only just come in (perhaps passing through)
            if other.left_since(other.since - p.passing_memory_s) or (
                other.left is not None and other.left[0] == room
            ):
                continue  # moved in from another room, or back in this one: not brought by someone new
            came += 1
        return came >= p.next_shopper_min

    def _session_active(self, garment: Garment, room: str, silent_since: float, now: float) -> bool:
        """Is another garment that was in the room before this one fell silent still being read?"""
        for other in self._residents.get(room, {}).values():
            if other is garment or other.since > silent_since:
                continue
            ev = other.rooms[room]
            if now - ev.last <= ev.window:
                return True
        return False


def _left_with(
    departures: Iterable[tuple[float, float]], silent_since: float, before: float, after: float
) -> bool:
    """Did someone or something that was there before ``silent_since`` leave about then: last seen there
    from ``before`` seconds before the tag fell silent to ``after`` seconds after it?"""
    return any(
        since <= silent_since and silent_since - before <= left <= silent_since + after
        for since, left in departures
    )
