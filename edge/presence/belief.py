"""One garment's belief: a probability over where it is, stepped once per second of evidence.

States: ``out`` (off the rooms: no antenna reads it); ``arriving`` / ``leaving`` (carried past doors,
read weakly by whichever it passes; a garment goes from one room to another only by way of the floor);
and per room ``hung``, ``worn`` (shielded from every antenna, or from all but the room behind the
partition, which goes on hearing it as if it hung: which, if any, is learned) and ``tried`` (hung
again). Evidence per covered room: whether it read the garment and the peak RSSI; a room not covered
says nothing. Each place holds a belief about the garment's level there, carried along as mass moves.
See ``README.md`` here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from edge.presence.params import PresenceParams
from edge.presence.radio import StoreRadio, mix

__all__ = ["HUNG", "TRIED", "WORN_1", "WORN_2", "Belief", "Heard", "Likes", "Step", "grown", "smoothed"]

# A room's sub-states: hung, then worn in two phases (a try-on lasts about worn_s, rarely much less or
# much more: two phases make its length peaked, where one would make "just put on" and "worn for minutes"
# equally likely to end in the next second), then hung again, tried: heard as hung, but a garment tried
# on is next handled mostly to be taken out (the shopper has decided), now and then to be put on again.
HUNG, WORN_1, WORN_2, TRIED = range(4)
_SUBSTATES = 4
_PRUNE = 1e-9
# A garment off the fitting rooms is read by their antennas only by accident (a tag on a passer-by).
_STRAY, _STRAY_VAR = 1e-4, 100.0
_LOG_ROOT_2PI = 0.5 * math.log(2.0 * math.pi)
Rooms = frozenset[str]
Heard = dict[str, float]  # the rooms that read a garment in one second, and the peak RSSI of each


class Step:
    """What is the same for every garment in one second: the store's radio and the movement prior."""

    def __init__(self, radio: StoreRadio, covered: Rooms, p: PresenceParams, occupied: Rooms) -> None:
        self.radio, self.covered, self.occupied = radio, covered, occupied  # occupied: see ``Likes``
        self.blind = tuple(r for r in radio.rooms if r not in covered)
        self.stay, self.away, self.walk = 1.0 / p.stay_s, 1.0 / p.away_s, 1.0 / p.walk_s
        self.hang = 1.0 / p.hang_s  # chance per second a garment is handled (new rate and level)
        self.worn, self.door = 1.0 / p.worn_s, p.door_share
        self.again = 1.0 / p.stay_s  # a tried garment is put on again now and then (taken out at ``hang``)
        self.weak, self.fresh = radio.weak, radio.fresh()
        self.regrow, self.log_hang = self.fresh * self.hang, (math.log1p(-self.hang), math.log(self.hang))
        self.passing = radio.corridor.gap, radio.corridor.gap_var
        # Per room, every other room's share of its garments' reads (fixed for the second).
        self.shares = {h: {o: radio.shares[(h, o)] for o in radio.rooms if o != h} for h in radio.rooms}
        self._neighbours: dict[str, tuple[tuple[str, ...], list[float], list[float]]] = {}

    def neighbours(self, room: str) -> tuple[tuple[str, ...], list[float], list[float]]:
        """Which room still hears a garment worn in ``room``, before it is heard worn: none ("") half the
        time, else (a body shields one side) the room behind the partition, each other room in proportion
        to how well it hears this room's garments. As three rows in the order of ``Belief.behind``: the
        rooms ("" first), their shares (0 for ""), those chances."""
        prior = self._neighbours.get(room)
        if prior is None:
            shares = self.shares[room]
            half = 0.5 / (sum(shares.values()) or 1.0)
            chances = [0.5 if shares else 1.0] + [x * half for x in shares.values()]
            prior = self._neighbours[room] = ("", *shares), [0.0, *shares.values()], chances
        return prior


@dataclass(slots=True)
class Likes:
    """How well each place explained one second (likelihoods relative to the best), kept for smoothing:
    per room, of (hung or tried, worn)."""

    out: float
    corridor: float
    rooms: dict[str, tuple[float, float]]
    vacated: Rooms  # rooms whose worn garments were carried out before this second
    occupied: Rooms  # rooms a shopper's phone has stayed in: what is worn there could not leave


@dataclass(slots=True)
class Belief:
    """The probability of each place; ``rooms`` maps a room to the masses of its sub-states. A garment
    first read is somewhere: most likely being carried in, possibly in a room already."""

    out: float = 0.5
    arriving: float = 0.5
    leaving: float = 0.0
    rooms: dict[str, list[float]] = field(default_factory=dict)
    level: dict[str, tuple[float, float]] = field(default_factory=dict)  # per room, hung or tried
    worn_level: dict[str, tuple[float, float]] = field(default_factory=dict)  # per room, worn
    walking: tuple[float, float] | None = None  # carried past doors (None: not yet stepped)
    behind: dict[str, list[float]] = field(default_factory=dict)  # per room: which still hears it worn
    wear: dict[str, tuple[float, dict[str, float]]] = field(default_factory=dict)  # seconds, reads per room
    unheard: float = 0.0  # hung in a room not in ``rooms`` (not read it yet, or since ruled out): any alike

    def room_mass(self, room: str | None) -> float:
        if room is None:
            return self.out + self.arriving + self.leaving
        return sum(self.rooms.get(room, ()), 0.0)

    def best(self) -> tuple[str | None, float]:
        """The most probable place (None: in no room) and its probability."""
        place: str | None = None
        mass = self.out + self.arriving + self.leaving
        for room, m in self.rooms.items():
            total = sum(m)
            if total > mass:
                place, mass = room, total
        return place, mass

    def predict(self, s: Step, heard: Heard, prior: tuple[float, float], vacated: Rooms) -> None:
        """Move mass, and the level beliefs with it, by the movement prior over one second. ``prior``: the
        garment's level as known, for a place it newly reaches from the floor; ``vacated``: rooms left a
        second ago by someone who took what was worn there."""
        to_leaving, hang, again, var_fresh = 0.0, s.hang, s.again, s.fresh
        phase, leave = 2.0 * s.worn, s.stay
        levels, worn_levels, behind, wear = self.level, self.worn_level, self.behind, self.wear
        walk_in = self.arriving * s.walk
        n = max(len(s.radio.rooms), 1)
        # A blind room may be where it went: it cannot say otherwise. A room that reads it for the first
        # time takes its part of what may have gone into a room that has not read it yet.
        seed = self.unheard / max(len(s.radio.rooms) - len(self.rooms), 1)
        for room in (*heard, *s.blind):
            if room not in self.rooms:
                self.rooms[room] = [seed, 0.0, 0.0, 0.0]
                self.unheard -= seed
        walking = grown(self.walking or prior, s)
        parts = [(*walking, (self.arriving + self.leaving) * (1.0 - s.walk)), (*prior, self.out * s.away)]
        hung, tried, worn_on = 1.0 - leave - hang, 1.0 - hang - again, 1.0 - leave - phase
        # Carried in, a garment reaches a door and goes in, or turns back to the floor, about equally; it
        # may go into any room (those that have not read it yet share `unheard`, worn down by their silence).
        entering = walk_in * 0.5 / n
        fresh_level, in_level = (0.0, var_fresh), (*prior, entering)
        for room, m in self.rooms.items():
            h, w1, w2, tr = m
            if room in vacated:
                w1, w2, to_leaving = 0.0, 0.0, to_leaving + w1 + w2
            # Worn, it leaves only with its wearer: not while a shopper's phone that stayed is still here.
            on, off = (1.0 - phase, 0.0) if room in s.occupied else (worn_on, leave)
            kept = h * hung + tr * tried
            mu, var = old = grown(levels.get(room, prior), s)
            levels[room] = mix([(mu, var, kept), in_level, (0.0, var_fresh, w2 * phase)], old)
            parts.append((mu, var, out_of_room := h * leave + (w1 + w2) * off + tr * hang))
            to_leaving += out_of_room
            mu, var = old = grown(worn_levels.get(room, fresh_level), s)
            put_on = h * hang + tr * again
            worn = (w1 + w2) * (1.0 - off) - w2 * phase
            worn_levels[room] = mix([(mu, var, worn), (0.0, var_fresh, put_on)], old)
            fresh = put_on / (worn + put_on) if room in behind and worn + put_on > 0.0 else 1.0
            nb, keep = s.neighbours(room)[2], 1.0 - fresh  # a new wear: what the last one heard is forgotten
            behind[room] = [x + fresh * (y - x) for x, y in zip(behind.get(room, nb), nb, strict=True)]
            secs, reads = wear.get(room, (0.0, {}))
            for o, k in reads.items():
                reads[o] = k * keep
            wear[room] = (secs * keep, reads)
            m[HUNG], m[WORN_1] = h * hung + entering, w1 * on + put_on
            m[WORN_2], m[TRIED] = w2 * on + w1 * phase, tr * tried + w2 * phase
        to_leaving += self.unheard * leave
        self.unheard = self.unheard * (1.0 - leave) + entering * (len(s.radio.rooms) - len(self.rooms))
        walk_out = self.leaving * s.walk
        self.walking = mix(parts, walking)
        self.arriving += self.out * s.away - walk_in
        self.leaving += to_leaving - walk_out
        self.out += walk_in * 0.5 + walk_out - self.out * s.away

    def update(self, s: Step, heard: Heard, rate: float, quiet: float, door: Rooms, vacated: Rooms) -> Likes:
        """Weigh each place by the likelihood of this second's evidence, and normalise; each place's level
        belief takes in the reads as that place would hear them. ``rate`` is the garment's predicted chance
        to be read by its own room this second (``quiet`` while worn). ``door``: the rooms that read it a
        second ago; ``vacated`` as ``predict``'s, kept for smoothing."""
        rate = min(max(rate, 1e-3), 0.99)
        ll_out, ll_corr = self._off_rooms_ll(s, heard, rate, door)
        rates, exp = (rate, quiet), math.exp
        lls = {room: self._room_ll(s, room, heard, rates) for room in self.rooms}
        top = max(ll_out, ll_corr, *map(max, lls.values()))
        likes = Likes(exp(ll_out - top), exp(ll_corr - top), {}, vacated, s.occupied)
        self.out *= likes.out
        self.arriving, self.leaving = self.arriving * likes.corridor, self.leaving * likes.corridor
        self.unheard *= exp(ll_out + math.log1p(-rate) - top)  # its room's silence, others' strays
        total = self.out + self.arriving + self.leaving + self.unheard
        for room, m in self.rooms.items():
            lh, lw = lls[room]
            likes.rooms[room] = lh, lw = exp(lh - top), exp(lw - top)
            m[:] = lh * m[0], lw * m[1], lw * m[2], lh * m[3]  # heard as hung or worn
            total += sum(m)
        if total <= 0.0 or not math.isfinite(total):
            self.__init__()  # type: ignore[misc]  # nothing explains it: start afresh
            return likes
        self.out, self.arriving, self.leaving = self.out / total, self.arriving / total, self.leaving / total
        self.unheard /= total
        for m in self.rooms.values():
            m[:] = [x / total for x in m]
        for room in [r for r, m in self.rooms.items() if sum(m) < _PRUNE]:
            del self.rooms[room], self.level[room], self.worn_level[room], self.behind[room], self.wear[room]
        return likes

    def _off_rooms_ll(self, s: Step, heard: Heard, rate: float, door: Rooms) -> tuple[float, float]:
        """Log-likelihood of the second out of the rooms (stray reads) and carried past doors."""
        if not heard:
            return 0.0, math.log1p(-rate * s.door)
        door_gap, door_var = s.passing
        passing: list[tuple[float, float]] = []
        stray: list[tuple[float, float]] = []
        mu_c, var_c = self.walking or (0.0, s.fresh)
        for room, rssi in heard.items():
            var = door_var + s.radio.room[room].noise
            passing.append((rssi - s.radio.expected_level(room) - door_gap - mu_c, var))
            stray.append((passing[-1][0], var + _STRAY_VAR))
        # In the corridor a garment is within reach of one door at a time: any of them, or the one that
        # read it a second ago (a walker is a second or two within a door antenna's reach).
        n, new_doors = len(heard), sum(1 for room in heard if room not in door)
        ll_corr = n * math.log(rate * s.door) - new_doors * math.log(max(len(s.radio.rooms), 1))
        ll_passing, mu_w, var_w = _fit(passing, mu_c, var_c)
        ll_corr += ll_passing
        self.walking = mu_w, var_w
        return n * math.log(_STRAY) + _fit(stray, 0.0, var_c)[0], ll_corr

    def masses(self) -> Belief:
        """A copy of the probabilities alone (what smoothing needs), without the levels."""
        return Belief(self.out, self.arriving, self.leaving, {r: m[:] for r, m in self.rooms.items()})

    def _room_ll(self, s: Step, room: str, heard: Heard, rates: tuple[float, float]) -> tuple[float, float]:
        """Log-likelihood of the second for (hung, worn) in ``room``."""
        rate, quiet = rates
        shielding = quiet / rate
        radio = s.radio
        own = radio.room[room]
        mu, var_mu = self.level[room]
        mu_w, var_w = self.worn_level[room]
        expected = radio.expected_level(room)
        level, base = expected + mu, expected + mu_w
        s1, s2 = radio.silence(room)
        # Which rooms read it (other rooms' silence, to second order in their read chance), and how loud: the
        # same reads, each judged against the level this place has learned of the garment (put on, it was
        # handled: its worn level starts as any garment's).
        lh = -(rate * s1 + rate * rate * s2 * 0.5)
        lw = -(quiet * s1)
        row = s.shares[room]
        hung_reads: list[tuple[float, float]] = []
        worn_reads: list[tuple[float, float]] = []
        for other, rssi in heard.items():
            if other != room:
                share = row[other]
                lam = min(rate * share, 0.99)
                lh += lam + lam * lam * 0.5 + math.log(lam)
                lw += quiet * share + math.log(max(lam * shielding, 1e-12))
                pair = radio.pairs[(room, other)]
                var = pair.gap_var + own.noise
                hung_reads.append((rssi - level - pair.gap, var))
                worn_reads.append((rssi - base - pair.gap, var))
        rssi_own = heard.get(room)
        if room in s.covered:
            own_read = rssi_own is not None
            lh += math.log(rate) if own_read else math.log1p(-rate)
            lw += math.log(quiet) if own_read else math.log1p(-quiet)
        lw += self._behind_ll(s, room, heard, rate, quiet)
        if not heard:
            return lh, lw
        if rssi_own is not None:
            var = own.noise + (own.spread if math.isnan(own.level) else 0.0)
            hung_reads.append((rssi_own - level, var))
            worn_reads.append((rssi_own - base - s.weak[0], s.weak[1]))
        # Hanging, it may have been handled this second (turned on its hook): its level is then any garment's.
        kept, mu_k, var_k = _fit(hung_reads, mu, var_mu)
        handled, mu_h, var_h = _fit([(r + mu, v) for r, v in hung_reads], 0.0, s.fresh)
        kept, handled = kept + s.log_hang[0], handled + s.log_hang[1]
        hung = max(kept, handled) + math.log1p(math.exp(-abs(kept - handled)))
        w = math.exp(handled - hung)
        self.level[room] = mix([(mu_k, var_k, 1.0 - w), (mu_h, var_h, w)], (mu, var_mu))
        worn, mu_w, var_w = _fit(worn_reads, mu_w, var_w)
        self.worn_level[room] = mu_w, var_w
        return lh + hung, lw + worn

    def _behind_ll(self, s: Step, room: str, heard: Heard, rate: float, quiet: float) -> float:
        """Worn, its wearer shields it from every room, or from all but the one behind the partition, which
        hears it as while it hung (its share of the garment's rate) till this wear's reads say otherwise (the
        tag turned: a prior worth two seconds, at most its share of a tag read every round). Which room, if
        any, is learned from the wear's seconds (``Step.neighbours``): log likelihood ratio to shielded."""
        (others, shares, _), covered = s.neighbours(room), s.covered
        n, reads = self.wear[room]
        rate2, n2, get = 2.0 * rate, n + 2.0, reads.get
        mix = 0.0
        post: list[float] = []
        # (comparisons, not min(): this loop is the hot spot)
        for other, p, share in zip(others, self.behind[room], shares, strict=True):
            if other in covered:
                learned = (get(other, 0.0) + rate2 * share) / n2
                chance = share if learned > share else learned
                chance = 0.99 if chance > 0.99 else chance
                shielded = quiet * share
                shielded = 0.99 if shielded > 0.99 else shielded
                p *= chance / shielded if other in heard else (1.0 - chance) / (1.0 - shielded)
            elif other:  # a blind room's second teaches nothing: it counts as what was expected of it
                reads[other] = get(other, 0.0) + (get(other, 0.0) + rate2 * share) / n2
            post.append(p)
            mix += p
        for o in heard:
            reads[o] = get(o, 0.0) + 1.0
        self.wear[room] = (n + 1.0, reads)
        if mix <= 0.0:
            return 0.0
        self.behind[room] = [x / mix for x in post]
        return math.log(mix)


def grown(level: tuple[float, float], s: Step) -> tuple[float, float]:
    """A level belief a second later: as unsure again as the chance the garment was handled."""
    return level[0], min(level[1] + s.regrow, s.fresh)


def _fit(residuals: list[tuple[float, float]], mu: float, shared_var: float) -> tuple[float, float, float]:
    """Reads' residuals (value, own variance) from a level belief (``mu``, ``shared_var``), in O(n): their
    log-likelihood (a Gaussian with covariance diag(var) + shared_var: they share one unknown offset, the
    garment's level), and the level belief given them (mean, variance)."""
    quad = logdet = s = t = 0.0
    for r, var in residuals:
        quad += r * r / var
        logdet += math.log(var)
        s += r / var
        t += 1.0 / var
    k = 1.0 + shared_var * t
    spread = -0.5 * (quad - shared_var * s * s / k)
    ll = spread - 0.5 * (logdet + math.log(k)) - len(residuals) * _LOG_ROOT_2PI
    return ll, mu + shared_var * s / k, shared_var / k


def smoothed(s: Step, beliefs: Sequence[Belief], likes: Sequence[Likes]) -> Belief:
    """The belief about the oldest of ``beliefs`` (filtered, one a second) given every later second too:
    fixed-lag smoothing. ``likes[k]`` is how second k + 1 was explained (``len(likes) == len(beliefs) - 1``).
    A backward pass through the same movement prior as ``Belief.predict``."""
    b_out, b_arr, b_lv, top = 1.0, 1.0, 1.0, 1.0  # the rooms' betas are divided by ``top`` where used
    b_rooms: dict[str, list[float]] = {r: [1.0] * _SUBSTATES for r in beliefs[-1].rooms}
    n = max(len(s.radio.rooms), 1)
    phase, leave, hang, again, none = 2.0 * s.worn, s.stay, s.hang, s.again, (0.0, 0.0)
    hung, worn_on, tried = 1.0 - leave - hang, 1.0 - leave - phase, 1.0 - hang - again
    for k in range(len(likes) - 1, -1, -1):
        lk = likes[k]
        # v: likelihood times beta, at second k + 1 (each room's heard as hung or worn).
        v_out, v_arr, v_lv = lk.out * b_out, lk.corridor * b_arr, lk.corridor * b_lv
        v_rooms, walk_in = {}, 0.0
        for r, (bh, bw1, bw2, bt) in b_rooms.items():
            lh, lw = lk.rooms.get(r, none)
            vh = lh * (bh / top)
            v_rooms[r] = (vh, lw * (bw1 / top), lw * (bw2 / top), lh * (bt / top))
            walk_in += vh
        walk_in = walk_in * 0.5 / n
        b_out = (1.0 - s.away) * v_out + s.away * v_arr
        b_arr = (1.0 - s.walk) * v_arr + s.walk * (0.5 * v_out + walk_in)
        b_lv = (1.0 - s.walk) * v_lv + s.walk * v_out
        b_rooms, out_of_room = {}, leave * v_lv
        for r in beliefs[k].rooms:
            vh, vw1, vw2, vt = v_rooms.get(r, (0.0, 0.0, 0.0, 0.0))
            on, off = (1.0 - phase, 0.0) if r in lk.occupied else (worn_on, out_of_room)
            b = b_rooms[r] = [
                hung * vh + hang * vw1 + out_of_room,
                on * vw1 + phase * vw2 + off,
                on * vw2 + phase * vt + off,
                tried * vt + again * vw1 + hang * v_lv,
            ]
            if r in lk.vacated:
                b[WORN_1 : WORN_2 + 1] = [v_lv, v_lv]
        top = max(b_out, b_arr, b_lv, *map(max, b_rooms.values()))
        if top <= 0.0:
            return beliefs[0].masses()
        b_out, b_arr, b_lv = b_out / top, b_arr / top, b_lv / top
    return _posterior(beliefs[0], (b_out, b_arr, b_lv), b_rooms, top)


def _posterior(first: Belief, later: tuple[float, ...], rooms: dict[str, list[float]], top: float) -> Belief:
    """Forward (``first``) times backward (``later``: out, arriving, leaving; ``rooms`` divided by ``top``:
    how likely what followed is from each place)."""
    out, arriving, leaving = first.out * later[0], first.arriving * later[1], first.leaving * later[2]
    total = out + arriving + leaving
    post = {}
    for r, m in first.rooms.items():
        b = rooms.get(r)  # None: no later second had the room
        post[r] = [x * (y / top) for x, y in zip(m, b, strict=True)] if b else [0.0] * _SUBSTATES
        total += sum(post[r])
    if total <= 0.0 or not math.isfinite(total):
        return first.masses()
    k = 1.0 / total
    return Belief(out * k, arriving * k, leaving * k, {r: [x * k for x in m] for r, m in post.items()})
