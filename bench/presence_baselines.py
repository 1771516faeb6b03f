"""The presence rules the engine is compared with (used by ``bench/presence.py``).

All take the edge's decoded observations through the real ``IngestPipeline`` (so they see exactly what
the engine sees) and speak the engine's ``observe`` / ``tick`` protocol.

- ``LastReadWins``: an item is in the room that read it last; it leaves after 30 s of silence.
- ``FixedCycle``: ALE-style 2 s event cycles; at each cycle's end an item read in the cycle is in the
  room whose antenna read it at the strongest RSSI, and an item not read in the cycle has left.
- ``EdgexMobility``: the location rule of EdgeX's open-source ``app-rfid-llrp-inventory`` service, as its
  documentation describes it (see the class).

``replay_many`` decodes a trace once and feeds every rule (and a ``ReadLog`` for the physical floors).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from edge.ingest.pipeline import IngestPipeline
from edge.layout import Layout
from edge.metrics import EdgeMetrics
from edge.presence import EventType, PresenceEvent
from edge.reads import Observation, TagRead

__all__ = ["EdgexMobility", "FixedCycle", "LastReadWins", "ReadLog", "replay_baseline", "replay_many"]


def _moved(t: float, epc: str, old: str | None, new: str | None) -> list[PresenceEvent]:
    out = []
    if old is not None:
        out.append(PresenceEvent(t, EventType.ITEM_LEFT, old, epc=epc))
    if new is not None:
        out.append(PresenceEvent(t, EventType.ITEM_ENTERED, new, epc=epc))
    return out


class LastReadWins:
    def __init__(self, silence_s: float = 30.0) -> None:
        self.silence_s = silence_s
        self.room: dict[str, str] = {}
        self.last: dict[str, float] = {}

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        if not isinstance(obs, TagRead) or not obs.is_merchandise:
            return []
        self.last[obs.epc] = now
        old = self.room.get(obs.epc)
        if old == obs.room_id:
            return []
        self.room[obs.epc] = obs.room_id
        return _moved(now, obs.epc, old, obs.room_id)

    def tick(self, now: float) -> list[PresenceEvent]:
        out: list[PresenceEvent] = []
        for epc in [e for e, t in self.last.items() if now - t > self.silence_s]:
            del self.last[epc]
            out += _moved(now, epc, self.room.pop(epc, None), None)
        return out


class FixedCycle:
    def __init__(self, cycle_s: float = 2.0) -> None:
        self.cycle_s = cycle_s
        self.cycle_end: float | None = None
        self.room: dict[str, str] = {}
        self.best: dict[str, tuple[float, str]] = {}  # this cycle: epc -> (peak RSSI, room)

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        out = self.tick(now)
        if isinstance(obs, TagRead) and obs.is_merchandise:
            rssi = obs.rssi_dbm if obs.rssi_dbm is not None else -70.0
            seen = self.best.get(obs.epc)
            if seen is None or rssi > seen[0]:
                self.best[obs.epc] = (rssi, obs.room_id)
        return out

    def tick(self, now: float) -> list[PresenceEvent]:
        if self.cycle_end is None:
            self.cycle_end = (math.floor(now / self.cycle_s) + 1) * self.cycle_s
        out: list[PresenceEvent] = []
        while now >= self.cycle_end:
            t = self.cycle_end
            for epc in sorted(set(self.room) | set(self.best)):
                new = self.best[epc][1] if epc in self.best else None
                old = self.room.get(epc)
                if new != old:
                    out += _moved(t, epc, old, new)
                    if new is None:
                        del self.room[epc]
                    else:
                        self.room[epc] = new
            self.best = {}
            self.cycle_end += self.cycle_s
        return out


class EdgexMobility:
    """EdgeX ``app-rfid-llrp-inventory``'s tag location rule, implemented from its documentation.

    Source: the service's README (github.com/edgexfoundry/app-rfid-llrp-inventory, "Tag Location
    Algorithm", "Moved", "Mobility Profile") and its shipped configuration (``[AppCustom.AppSettings]``):

    - a tag's location is one alias (here: one fitting room); its first read puts it there (Arrived);
    - per location the tag keeps its last ``TagStatsWindowSize`` RSSI values ("default: ``20``") and a
      read count; a Moved event needs "The ``Incoming Antenna`` has read that tag at least ``2`` times
      total (including this one)" and ``incomingRSSI > (existingRSSI + offset)``, both means of the last
      20 values;
    - the offset is the mobility profile's ``y = m(x) + b``: equal to ``MobilityProfileThreshold = 6.0``
      dB for ``MobilityProfileHoldoffMillis = 500.0`` ms after the current location last read the tag,
      then falling by ``MobilityProfileSlope = -0.008`` dB per ms (the configuration's values);
    - Departed after ``DepartedThresholdSeconds = 600`` unread (the shipped configuration's value; the
      README's table says 30), checked every ``DepartedCheckIntervalSeconds`` (here every tick); a
      departed tag's statistics are cleared, so its next read is a new arrival.

    Read times are receive times (the service's ``AdjustLastReadOnByOrigin = true``). A Zebra aggregate
    counts its ``reads`` towards the two reads and adds its peak RSSI once.
    """

    def __init__(
        self,
        *,
        window: int = 20,
        min_reads: int = 2,
        threshold_db: float = 6.0,
        holdoff_ms: float = 500.0,
        slope_db_per_ms: float = -0.008,
        departed_s: float = 600.0,
    ) -> None:
        self.window = window
        self.min_reads = min_reads
        self.threshold_db = threshold_db
        self.holdoff_ms = holdoff_ms
        self.slope = slope_db_per_ms
        self.departed_s = departed_s
        self.tags: dict[str, _EdgexTag] = {}

    def offset(self, since_ms: float) -> float:
        """The mobility profile's offset ``since_ms`` after the current location last read the tag."""
        if since_ms <= self.holdoff_ms:
            return self.threshold_db
        return self.threshold_db + self.slope * (since_ms - self.holdoff_ms)

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        if not isinstance(obs, TagRead) or not obs.is_merchandise:
            return []
        tag = self.tags.get(obs.epc)
        if tag is None:
            tag = self.tags[obs.epc] = _EdgexTag()
        stats = tag.stats.get(obs.room_id)
        if stats is None:
            stats = tag.stats[obs.room_id] = _EdgexStats(deque(maxlen=self.window))
        stats.rssi.append(obs.rssi_dbm if obs.rssi_dbm is not None else -70.0)
        stats.reads += max(1, obs.reads)
        stats.last = now
        tag.last = now
        if tag.location is None:
            tag.location = obs.room_id
            return _moved(now, obs.epc, None, obs.room_id)
        if obs.room_id == tag.location or stats.reads < self.min_reads:
            return []
        current = tag.stats[tag.location]
        since_ms = (now - current.last) * 1000.0
        if stats.mean > current.mean + self.offset(since_ms):
            old, tag.location = tag.location, obs.room_id
            return _moved(now, obs.epc, old, obs.room_id)
        return []

    def tick(self, now: float) -> list[PresenceEvent]:
        out: list[PresenceEvent] = []
        for epc in [e for e, tag in self.tags.items() if now - tag.last > self.departed_s]:
            out += _moved(now, epc, self.tags.pop(epc).location, None)
        return out


@dataclass
class _EdgexStats:
    rssi: deque[float]
    reads: int = 0
    last: float = 0.0

    @property
    def mean(self) -> float:
        return sum(self.rssi) / len(self.rssi)


@dataclass
class _EdgexTag:
    location: str | None = None
    last: float = 0.0
    stats: dict[str, _EdgexStats] = field(default_factory=dict)


class ReadLog:
    """Not a rule: records every merchandise read as the edge decodes it, for the physical floors.

    ``reads[epc]`` is a list of (receive time, room, reads the report stands for), in receive order.
    """

    def __init__(self) -> None:
        self.reads: dict[str, list[tuple[float, str, int]]] = {}

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        if isinstance(obs, TagRead) and obs.is_merchandise:
            self.reads.setdefault(obs.epc, []).append((now, obs.room_id, max(1, obs.reads)))
        return []

    def tick(self, now: float) -> list[PresenceEvent]:
        return []


class Rule(Protocol):
    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]: ...

    def tick(self, now: float) -> list[PresenceEvent]: ...


class _Tee:
    """Feeds one decoded stream to several rules, keeping each rule's events apart."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self.events: list[list[PresenceEvent]] = [[] for _ in self.rules]

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        for rule, out in zip(self.rules, self.events, strict=True):
            out += rule.observe(obs, now)
        return []

    def tick(self, now: float) -> list[PresenceEvent]:
        for rule, out in zip(self.rules, self.events, strict=True):
            out += rule.tick(now)
        return []


def replay_many(
    layout: Layout, rules: Sequence[Rule], lines: Iterable[dict[str, object]], tick_s: float = 0.5
) -> list[list[dict[str, object]]]:
    """Decode the trace once and run every rule on it; each rule's events, in the order given."""
    tee = _Tee(rules)
    replay_baseline(layout, tee, lines, tick_s)
    return [[e.to_json() for e in events] for events in tee.events]


def replay_baseline(
    layout: Layout, engine: Rule, lines: Iterable[dict[str, object]], tick_s: float = 0.5
) -> list[dict[str, object]]:
    """Run trace lines through the edge's decoders into ``engine``, ticking on the same grid as replay."""
    pipeline = IngestPipeline(layout, engine, metrics=EdgeMetrics())
    events: list[PresenceEvent] = []
    k: int | None = None
    for line in lines:
        t = float(line["t"])  # type: ignore[arg-type]
        if k is None:
            k = math.floor(t / tick_s) + 1
        while k * tick_s <= t:
            events += pipeline.tick(k * tick_s)
            k += 1
        events += pipeline.handle(
            str(line["topic"]), str(line["payload"]).encode("utf-8", "surrogateescape"), t
        )
    return [e.to_json() for e in events]
