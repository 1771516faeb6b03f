"""The two naive presence rules the engine is compared with (used by ``bench/presence.py``).

Both take the edge's decoded observations through the real ``IngestPipeline`` (so they see exactly what
the engine sees) and speak the engine's ``observe`` / ``tick`` protocol.

- ``LastReadWins``: an item is in the room that read it last; it leaves after 30 s of silence.
- ``FixedCycle``: ALE-style 2 s event cycles; at each cycle's end an item read in the cycle is in the
  room whose antenna read it at the strongest RSSI, and an item not read in the cycle has left.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from edge.ingest.pipeline import IngestPipeline
from edge.layout import Layout
from edge.metrics import EdgeMetrics
from edge.presence import EventType, PresenceEvent
from edge.reads import Observation, TagRead

__all__ = ["FixedCycle", "LastReadWins", "replay_baseline"]


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


def replay_baseline(
    layout: Layout, engine: LastReadWins | FixedCycle, lines: Iterable[dict[str, object]], tick_s: float = 0.5
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
