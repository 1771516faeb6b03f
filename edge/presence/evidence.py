"""Evidence that one tag is in one room, and what the engine learns about tags and rooms.

Reports arrive in very different shapes: every air read (Impinj without de-duplication), about one report
per tag per second (Impinj ``reportingIntervalSeconds``), or one aggregate per tag, antenna and second
with a read count (Zebra INVENTORY). Everything is folded into one-second epochs per tag and room: an
epoch either has a read (with its peak RSSI) or not. That makes read rates, windows and evidence
comparable across reader configurations, and it is the epoch SMURF's binomial model reasons about.
"""

from __future__ import annotations

import math

from edge.presence.params import PresenceParams

__all__ = ["RoomEvidence", "RssiLevel", "binomial_window"]

# Per-second read probability is capped below 1: no tag is read with certainty.
_P_MAX = 0.98
_LEVEL_LEARNING = 0.2
# Seconds of pseudo-observation at the prior rate a new tag starts with.
_PRIOR_SPAN_S = 4.0


def binomial_window(p: float, miss_probability: float) -> float:
    """Epochs w such that a tag read with probability ``p`` per epoch is missed in all w: (1-p)^w <= delta."""
    p = min(max(p, 1e-6), _P_MAX)
    return math.log(miss_probability) / math.log1p(-p)


class RoomEvidence:
    """What one room's antennas have seen of one tag.

    ``score`` is a decayed sum of per-second weights, decayed by the owner (all rooms of a tag decay
    together so their scores stay comparable). The read rate is learned as ``hits / span``: seconds with
    a read over seconds elapsed, both exponentially forgotten over ``rate_horizon_s`` and seeded with a
    few seconds of prior. ``window`` is kept up to date on every new second with a read.
    """

    __slots__ = (
        "base",
        "base_n",
        "ep_max",
        "ep_sum",
        "episodes",
        "first",
        "hits",
        "last",
        "last_gap",
        "last_rssi",
        "level",
        "max_gap",
        "n_sec",
        "peak",
        "prev_peak",
        "prev_sec",
        "read_last",
        "restarted",
        "score",
        "sec",
        "seen",
        "span",
        "steady",
        "window",
    )

    def __init__(self, params: PresenceParams) -> None:
        self.score = 0.0
        self.last = -math.inf
        self.read_last = -math.inf  # the last real read (``last`` also moves when coverage returns)
        self.sec = -(2**62)
        self.prev_sec = -(2**62)
        self.restarted = False
        self.peak = -math.inf
        self.first = -math.inf
        self.seen = 0
        self.n_sec = 0  # seconds with a read, across episodes
        self.last_rssi = -math.inf  # the latest single report's RSSI
        self.last_gap = math.inf  # time between the latest report and the one before it
        self.ep_sum = 0.0
        self.ep_max = -math.inf
        self.prev_peak = -math.inf
        self.episodes = 0
        self.level = -math.inf
        # The level from seconds that directly follow a second with a read: a tag read steadily, not the
        # odd faint read of a garment being worn.
        self.steady = -math.inf
        # The level and seconds read before the current episode began (how this room read the tag before).
        self.base = -math.inf
        self.base_n = 0
        self._learn_afresh(params)

    def _learn_afresh(self, params: PresenceParams) -> None:
        """Start learning the read rate from the prior (a new tag, or one that has lain differently since)."""
        self.span = _PRIOR_SPAN_S
        self.hits = _PRIOR_SPAN_S / params.prior_read_interval_s
        self.max_gap = 1.0
        self.window = self._window(params)

    def read_probability(self) -> float:
        """Learned probability that the tag is read here in a given second."""
        return self.hits / self.span

    def _window(self, params: PresenceParams) -> float:
        # Size the window from a cautious (one standard error low) read probability: a window sized
        # from an estimate that happens to be high would make a still-present tag leave.
        p = self.read_probability()
        p_low = p - math.sqrt(p * (1.0 - p) / self.span)
        w = binomial_window(p_low, params.miss_probability)
        w = max(w, params.tail_factor * self.max_gap)
        return min(max(w, params.min_window_s), params.exit_timeout_s)

    def report(self, t: float, rssi: float, params: PresenceParams) -> bool:
        """Fold one report in; True when it opens a new second-with-a-read (the evidence changed shape)."""
        sec = math.floor(t)
        self.last_gap = t - self.read_last
        self.last_rssi = rssi
        self.last = max(self.last, t)
        self.read_last = self.last
        self.restarted = False
        if sec <= self.sec:
            if rssi > self.peak:
                self.score += weight(rssi, params) - weight(self.peak, params)
                self.peak = rssi
                if rssi > self.ep_max:
                    self.ep_max = rssi
            return False
        gap = sec - self.sec
        if self.peak > -math.inf:
            # The usual RSSI here, across episodes: what a read elsewhere is compared with.
            self.level = _learn(self.level, self.peak)
            if self.sec - self.prev_sec <= 1:
                self.steady = _learn(self.steady, self.peak)
        if gap > self.window:
            # A transition (the tag was away, or worn and silent): a new episode, and nothing to learn
            # about the read rate from a gap that was not part of the read process. The garment has
            # been moved or handled since, so it lies differently: its read rate is learned afresh.
            self._learn_afresh(params)
            self.first = t
            self.base, self.base_n = self.level, self.n_sec
            self.seen = 0
            self.ep_sum = 0.0
            self.ep_max = -math.inf
            self.episodes += 1
        else:
            keep = math.exp(-gap / params.rate_horizon_s)
            self.hits = self.hits * keep + 1.0
            self.span = self.span * keep + gap
            self.max_gap = max(float(gap), self.max_gap * keep)
            self.window = self._window(params)
            self.ep_sum += self.peak
        self.seen += 1
        self.n_sec += 1
        self.prev_sec = self.sec
        self.prev_peak = self.peak if gap <= 1 else -math.inf
        self.sec = sec
        self.peak = rssi
        if rssi > self.ep_max:
            self.ep_max = rssi
        self.score += weight(rssi, params)
        return True

    def episode_rssi(self) -> float:
        """Mean per-second peak RSSI over the current episode (continuous reads)."""
        return (self.ep_sum + self.peak) / max(self.seen, 1)

    def faded(self, fade_db: float, *, max_gap: int = 1) -> bool:
        """Was the last second with a read the very next after another, and far weaker than the usual
        level here? A tag carried away is read on its way out, ever weaker, then not at all; a garment put
        on goes quiet abruptly (its rare reads while worn come after long silences)."""
        return (
            self.seen >= 3
            and self.sec - self.prev_sec <= max_gap
            and self.level > -math.inf
            and self.peak <= self.level - fade_db
        )

    def fading_since_best(self, fade_db: float) -> bool:
        """Are the latest reads (this second and the one before) far weaker than the best of this
        episode? The tag is moving away from this antenna (past its door, on its way elsewhere)."""
        return self.ep_max - max(self.peak, self.prev_peak) >= fade_db

    def tailed_off(self, fade_db: float, *, within_s: float = 1.5) -> bool:
        """Was the latest single report, right after another, far weaker than the usual level here? The
        per-report view of ``faded``: a garment carried out through the door is read weaker for the last
        fraction of a second, which a per-second peak hides."""
        return (
            self.seen >= 3
            and self.last_gap <= within_s
            and self.level > -math.inf
            and self.last_rssi <= self.level - fade_db
        )

    def restart(self, t: float) -> None:
        """Treat ``t`` as the last read (coverage came back: silence during an outage proves nothing)."""
        self.last = max(self.last, t)
        self.restarted = True


def _learn(level: float, rssi: float) -> float:
    return rssi if level == -math.inf else level + _LEVEL_LEARNING * (rssi - level)


def weight(rssi: float, params: PresenceParams) -> float:
    """Weight of one second-with-a-read at this peak RSSI (relative; only ratios between rooms matter)."""
    return math.exp(min((rssi + 60.0) / params.rssi_scale_db, 50.0))


class RssiLevel:
    """Running mean and spread of the peak RSSI at which a room reads garments really inside it."""

    __slots__ = ("mean", "n", "var")

    _MIN_SAMPLES = 30
    _ALPHA = 0.0005

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.var = 0.0

    def add(self, rssi: float) -> None:
        self.n += 1
        if self.n == 1:
            self.mean = rssi
            return
        # Cumulative average while young, then exponential so the level follows a re-tuned reader.
        a = max(1.0 / self.n, self._ALPHA)
        d = rssi - self.mean
        self.mean += a * d
        self.var = (1 - a) * (self.var + a * d * d)

    @property
    def known(self) -> bool:
        """Enough samples to judge by."""
        return self.n >= self._MIN_SAMPLES

    def floor(self, margin_db: float) -> float | None:
        """Weakest plausible in-room RSSI, or None while too little is known to judge."""
        if not self.known:
            return None
        return self.mean - max(margin_db, 2.5 * math.sqrt(self.var))
