"""Every tagged garment's belief, stepped once per second of evidence, and the decisions taken on it.

Reads are gathered per garment into the second they arrive in (raw reads, de-duplicated reports and a
reader's per-second aggregates all become "this room read it, this loud"); once a second is over the
garment's belief is stepped (``Belief.predict`` then ``update``), its own read rate and level and the
store's radio are learned from sure seconds, and the place with the most probability is taken once it
reaches ``decide_at``. A garment surely out of the rooms whose belief has stopped moving sleeps until it
is read again; one unseen for a day is forgotten.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import mul

from edge.presence.belief import HUNG, TRIED, WORN_1, WORN_2, Belief, Heard, Likes, Step, grown, smoothed
from edge.presence.events import EventType, PresenceEvent
from edge.presence.params import PresenceParams
from edge.presence.radio import SEED_SECONDS, StoreRadio
from edge.presence.snapshot import ItemPresence
from edge.reads import TagRead

__all__ = ["GarmentTracker"]

RoomsAt = Callable[[float], frozenset[str]]  # which rooms, at a time
FORGET_S = 86_400.0  # a garment unseen for a day is forgotten (issue 14)
_SURE = 0.9
# Waking, a garment is stepped through the silent seconds it slept, this many at most.
_SLEEP_S = 60.0
# A garment's chance per second to be read by its own room, as a distribution over these levels: the
# whole range a tag's orientation gives (a few % to nearly every second), uniform before it is heard.
RATES = (0.03, 0.08, 0.15, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95)
# Worn, its own room's read chance is ``worn_share`` of that, a ninth to three times (bodies and tags
# differ; not more: a worn garment read as often as a hung one made any silence look like one leaving).
QUIET = (1.0 / 9.0, 1.0 / 3.0, 1.0, 3.0)


@dataclass(slots=True, eq=False)
class Garment:
    """One tag: its belief, what it is learned to sound like, and where it was last placed."""

    epc: str
    gtin: str | None
    second: int  # the second ``heard`` gathers
    offset_var: float  # how unsure ``offset`` is, dB^2: as unsure as any garment's level at first
    history: deque[Belief]  # the last lag_s + 1 filtered beliefs, oldest first
    likes: deque[Likes]  # how each of those seconds but the oldest was explained
    evidence: deque[Heard]  # what each of those seconds heard
    belief: Belief = field(default_factory=Belief)
    heard: Heard = field(default_factory=dict)
    door: frozenset[str] = frozenset()  # the rooms that read it in its last stepped second
    last_read: float = -math.inf
    last_home: float = -math.inf  # when the room it is placed in last read it
    rates: list[float] = field(default_factory=lambda: [1.0 / len(RATES)] * len(RATES))  # own room, hanging
    quiet: list[float] = field(default_factory=lambda: [1.0 / len(QUIET)] * len(QUIET))  # worn, x worn_share
    offset: float = 0.0  # its in-room level above the room's typical level, dB
    place: str | None = None
    confidence: float = 0.0  # the posterior probability of ``place`` at the last decision
    since: float = 0.0
    settled: int = 0  # seconds it has been surely in its room so far (learning waits for a few)


class GarmentTracker:
    """Feed reads in time order with ``on_read``; ``tick`` about every second."""

    def __init__(self, radio: StoreRadio, p: PresenceParams, *, covered: RoomsAt, staying: RoomsAt) -> None:
        self.radio, self._p, self._covered, self._staying = radio, p, covered, staying
        self._garments, self._awake = dict[str, Garment](), dict[str, Garment]()
        self._step: Step | None = None
        self._step_second = -(2**62)
        self._next_sweep = -math.inf
        self._likes: dict[tuple[str, bool, tuple[str, ...]], list[float]] = {}  # ``_rate_likes``, this second
        # Rooms someone left, for the next second: a shopper whose phone has gone (``vacate``), or who carried
        # a garment out (``_decide``); and when what went with them was last heard (by any room).
        self._leaving, self._left = dict[str, tuple[float, float]](), dict[str, tuple[float, float]]()
        self._quiet_shares = [min(q * p.worn_share, 1.0) for q in QUIET]

    def on_read(self, read: TagRead, now: float) -> list[PresenceEvent]:
        if read.room_id not in self.radio.room:
            return []
        sec = math.floor(now)
        g = self._garments.get(read.epc)
        events: list[PresenceEvent] = []
        if g is None:
            n = int(self._p.lag_s) + 1  # seconds kept for smoothing: beliefs, how each was explained, reads
            kept = deque[Belief](maxlen=n), deque[Likes](maxlen=n - 1), deque[Heard](maxlen=n)
            g = self._garments[read.epc] = Garment(read.epc, read.gtin, sec, self.radio.fresh(), *kept)
        elif g.second < sec:
            events = self._advance(g, sec, now)
        self._awake[read.epc] = g
        rssi = read.rssi_dbm if read.rssi_dbm is not None else self.radio.expected_level(read.room_id)
        rssi = -60.0 if math.isnan(rssi) else rssi
        g.heard[read.room_id] = max(rssi, g.heard.get(read.room_id, -math.inf))  # the second's peak
        g.last_read = now
        if read.room_id == g.place:
            g.last_home = now
        return events

    def tick(self, now: float) -> list[PresenceEvent]:
        sec = math.floor(now)
        events: list[PresenceEvent] = []
        for epc, g in list(self._awake.items()):
            if g.second < sec:
                events += self._advance(g, sec, now)
            if g.place is None and not g.heard and _settled(g):
                del self._awake[epc]
        if now >= self._next_sweep:
            # Forgetting is a sweep over every garment, asleep or not: once a minute of store time is enough.
            self._next_sweep = now + _SLEEP_S
            for epc in [e for e, g in self._garments.items() if now - g.last_read > FORGET_S]:
                self._awake.pop(epc, None)
                g = self._garments.pop(epc)
                if g.place is not None:  # held in a room that could not hear it: a day is enough
                    events.append(_event(now, EventType.ITEM_LEFT, g.place, g, None))
        return events

    def tracked(self) -> int:
        return len(self._garments)

    def residents(self) -> dict[str, list[ItemPresence]]:
        """Room -> the garments placed there now."""
        out: dict[str, list[ItemPresence]] = {}
        for g in self._garments.values():
            if g.place is not None:
                item = ItemPresence(g.epc, g.gtin, g.since, g.last_read, round(g.confidence, 4))
                out.setdefault(g.place, []).append(item)
        return out

    def vacate(self, room: str) -> None:
        """A shopper left ``room``: in the next second, what was worn there is carried out with them."""
        self._leaving[room] = (-math.inf, math.inf)

    def coverage_changed(self) -> None:
        self._step = None

    def _current_step(self, sec: int, now: float) -> Step:
        if self._step is None or sec != self._step_second:
            covered = self._covered(now)
            self.radio.refresh(covered)
            if sec != self._step_second:
                self._left, self._leaving = self._leaving, {}
            self._step = Step(self.radio, covered, self._p, self._staying(now))
            self._likes.clear()
            self._step_second = sec
        return self._step

    def _advance(self, g: Garment, sec: int, now: float) -> list[PresenceEvent]:
        """Step ``g`` through the seconds it has gathered, up to (not including) ``sec``."""
        events: list[PresenceEvent] = []
        s = self._current_step(sec, now)
        silent = min(sec - g.second - 1, int(_SLEEP_S))
        for evidence in [g.heard] + [{}] * silent:
            self._one_second(g, s, evidence)
            events += self._decide(g, s, now)
        g.heard = {}
        g.second = sec
        return events

    def _one_second(self, g: Garment, s: Step, heard: Heard) -> None:
        radio = self.radio
        if heard:
            # Until a room has sure seconds, its level is seeded from the loudest room of each second.
            loudest = max(heard, key=lambda r: heard[r])
            if radio.room[loudest].sure < SEED_SECONDS:
                radio.room[loudest].learn_level(heard[loudest], radio.expected_level(loudest))
        # What of it was worn in a room someone left went with them, if it fell silent as they went.
        vacated = frozenset(room for room, (lo, hi) in self._left.items() if lo <= g.last_read <= hi)
        g.belief.predict(s, heard, (g.offset, g.offset_var), vacated)
        _forget(g.rates, s.hang)
        _forget(g.quiet, s.hang)
        rate = sum(map(mul, g.rates, RATES))
        quiet = rate * sum(map(mul, g.quiet, self._quiet_shares))
        likes = g.belief.update(s, heard, rate, quiet, g.door, vacated)
        g.door = frozenset(heard)
        if g.history:
            g.likes.append(likes)
        g.history.append(g.belief.masses())
        g.evidence.append(heard)
        self._learn(g, s, heard, rate)

    def _learn(self, g: Garment, s: Step, heard: Heard, rate: float) -> None:
        """Learn from a sure second: the garment's rate and level, the store's pairs of rooms."""
        p = self._p
        g.offset, g.offset_var = grown((g.offset, g.offset_var), s)
        self._learn_quiet(g, s, heard, rate)
        room, mass = g.belief.best()
        if room is None or room not in s.covered:
            return
        rssi = heard.get(room)
        m = g.belief.rooms[room]
        hung = m[HUNG] + m[TRIED]
        # Its read rate, weighed by how sure it is that it hangs in ``room`` (elsewhere its reads say
        # nothing of it). Hanging, every room reads it in proportion to that rate (its own room fully, the
        # others at their share), so a garment its own room stopped reading while another room goes on as
        # before has not turned quieter (it is worn, and behind).
        _reweigh(g.rates, self._rate_likes(room, room in heard, tuple(o for o in heard if o != room)), hung)
        if mass < _SURE or hung < _SURE * mass:
            g.settled = 0
            return
        g.settled += 1
        if g.settled >= p.walk_s:
            self._learn_level(g, heard)
        # Just arrived, it may yet be passing the door: the store learns from it once it has settled.
        if g.settled >= p.walk_s and rssi is not None and all(v <= rssi for v in heard.values()):
            self.radio.learn_sure(room, self.radio.expected_level(room) + g.offset, heard, s.blind)
            self.radio.room[room].learn_level(rssi)

    def _rate_likes(self, room: str, own: bool, others: tuple[str, ...]) -> list[float]:
        """Per level of ``RATES``, the chance that ``room`` read a garment hanging there (``own``) or not,
        ``others`` read it and no other covered room did; kept for the second (the shares are fixed in it)."""
        likes = self._likes.get(key := (room, own, others))
        if likes is None:
            shares = [self.radio.shares[(room, o)] for o in others]
            unheard = self.radio.silence(room)[0] - sum(shares)
            likes = self._likes[key] = [
                (r if own else 1.0 - r) * math.exp(-r * unheard) * math.prod(min(r * x, 0.99) for x in shares)
                for r in RATES
            ]
        return likes

    def _learn_quiet(self, g: Garment, s: Step, heard: Heard, rate: float) -> None:
        """How often its own room still reads it while worn, weighed by how likely it is worn. Shielded, it is
        quieter towards every room alike: the other rooms' silence counts too (as in ``Belief``)."""
        # The room it is most likely worn in (worn or behind, both phases).
        worn, room = max(((m[WORN_1] + m[WORN_2], r) for r, m in g.belief.rooms.items()), default=(0, ""))
        if worn < 1e-3 or room not in s.covered:
            return
        read = room in heard
        unheard = s.radio.silence(room)[0] - sum(s.shares[room][o] for o in heard if o != room)
        chances = [q * rate for q in self._quiet_shares]
        _reweigh(g.quiet, [(c if read else 1.0 - c) * math.exp(-c * unheard) for c in chances], worn)

    def _learn_level(self, g: Garment, heard: Heard) -> None:
        """The garment's level from its loudest read, weighed by how likely that room holds it hung."""
        room = max(heard, key=lambda r: heard[r], default="")
        m = g.belief.rooms.get(room)
        if m is None:
            return
        weight = m[HUNG] + m[TRIED]
        own = self.radio.room[room]
        residual = heard[room] - self.radio.expected_level(room) - g.offset
        gain = weight * g.offset_var / (g.offset_var + own.noise)
        g.offset += gain * residual
        g.offset_var *= 1.0 - gain
        if weight > _SURE and g.offset_var < 4.0:
            own.learn_noise(residual)

    def _decide(self, g: Garment, s: Step, t: float) -> list[PresenceEvent]:
        # Decided on the belief about lag_s seconds ago given everything since (a door passed on the way
        # to another room is told from a room entered by the seconds that follow).
        belief = smoothed(s, g.history, g.likes) if len(g.history) > 1 else g.belief
        place, mass = belief.best()
        if belief.arriving + belief.leaving >= _SURE:  # how loud doors hear passers-by
            self.radio.learn_corridor(g.offset, g.evidence[0])
        if g.place is not None:
            g.confidence = belief.room_mass(g.place)
        if place == g.place or mass < self._p.decide_at:
            return []
        if place is None and g.place is not None and g.place not in s.covered:
            return []  # its room cannot hear it: unknown, never empty
        events = [] if g.place is None else [_event(t, EventType.ITEM_LEFT, g.place, g, g.confidence)]
        if g.place in s.covered:  # carried out: what fell silent as it went (within a walk of its room's
            walk, home = self._p.walk_s, g.last_home  # last read, not after its own) went too, silent a walk
            self._leaving.setdefault(g.place, (home - walk, min(g.last_read, home + walk, t - walk) + 1.0))
        if place is not None:
            events.append(_event(t, EventType.ITEM_ENTERED, place, g, mass))
        g.place, g.since, g.confidence = place, t, mass
        return events


def _event(t: float, kind: EventType, room: str, g: Garment, confidence: float | None) -> PresenceEvent:
    return PresenceEvent(t, kind, room, epc=g.epc, gtin=g.gtin, confidence=confidence)


def _settled(g: Garment) -> bool:
    """Surely out, its belief has stopped moving: stepped on while silent it would not change (waking, it
    is stepped through the seconds it slept, up to ``_SLEEP_S`` of them, as if it had been awake)."""
    if len(g.history) < 2:
        return False
    before, now = g.history[-2].room_mass(None), g.history[-1].room_mass(None)
    return now > _SURE and abs(now - before) < 1e-6


def _forget(weights: list[float], jump: float) -> None:
    """A second's chance ``jump`` that a distribution over levels starts afresh (the garment handled)."""
    prior, keep = jump / len(weights), 1.0 - jump
    weights[:] = [w * keep + prior for w in weights]


def _reweigh(weights: list[float], likes: list[float], sure: float) -> None:
    """Bayes' rule on a distribution over levels, for evidence of likelihood ``likes`` per level that
    applies with probability ``sure`` (the garment is where the evidence is about) and else says nothing."""
    mean = sum(map(mul, weights, likes))
    if mean <= 0.0:
        return
    new = [w * (sure * x / mean + 1.0 - sure) for w, x in zip(weights, likes, strict=True)]
    total = sum(new)
    weights[:] = [w / total for w in new]
