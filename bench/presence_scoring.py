"""Scoring presence events against the simulator's ground truth (used by ``bench/presence.py``).

Definitions (issue 4):

- accuracy: share of item-time where the believed room equals the true room (or both none), sampled
  every 0.5 s over each item's life, leaving out the 5 s after each true change of room;
- entry latency: first predicted stay in the true stay's room that overlaps it, its start minus the
  true entry (a true stay no predicted stay overlaps is a *missed* entry);
- exit latency: end of the last overlapping predicted stay minus the true exit (a predicted stay still
  open at the trace's end ends there), for true exits at least ``censor_s`` before the trace's end;
- flicker: overlapping predicted stays beyond the first, per true stay;
- false stays: predicted stays overlapping no true stay of that item in that room, per item-hour.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Score", "Stay", "predicted_stays", "score", "true_stays"]

SAMPLE_S = 0.5
GRACE_S = 5.0


@dataclass(frozen=True, slots=True)
class Stay:
    room: str
    start: float
    end: float


@dataclass
class Score:
    """Counts and samples of one engine on one or more traces; merge with ``+``."""

    samples: int = 0
    correct: int = 0
    true_stays: int = 0
    missed: int = 0
    extra: int = 0
    false_stays: int = 0
    item_hours: float = 0.0
    entry: list[float] = field(default_factory=list)
    exit: list[float] = field(default_factory=list)

    def __add__(self, other: Score) -> Score:
        return Score(
            self.samples + other.samples,
            self.correct + other.correct,
            self.true_stays + other.true_stays,
            self.missed + other.missed,
            self.extra + other.extra,
            self.false_stays + other.false_stays,
            self.item_hours + other.item_hours,
            self.entry + other.entry,
            self.exit + other.exit,
        )

    @property
    def accuracy(self) -> float:
        return self.correct / self.samples if self.samples else float("nan")

    @property
    def flicker(self) -> float:
        return self.extra / self.true_stays if self.true_stays else float("nan")

    @property
    def false_per_item_hour(self) -> float:
        return self.false_stays / self.item_hours if self.item_hours else float("nan")

    def entry_pct(self, q: float) -> float:
        return percentile(self.entry, q)

    def exit_pct(self, q: float) -> float:
        return percentile(self.exit, q)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def true_stays(
    truth: list[dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, tuple[float, float]], dict[str, list[Stay]]]:
    """(header, item lifetimes, true stays per EPC) from a ``.truth.jsonl``'s records."""
    header = truth[0]
    items = {r["epc"]: (float(r["start"]), float(r["end"])) for r in truth if r["kind"] == "item"}
    stays: dict[str, list[Stay]] = {epc: [] for epc in items}
    for r in truth:
        if r["kind"] == "item_stay":
            stays.setdefault(r["epc"], []).append(Stay(r["room"], float(r["enter"]), float(r["exit"])))
    for s in stays.values():
        s.sort(key=lambda x: x.start)
    return header, items, stays


def predicted_stays(events: Iterable[dict[str, Any]], end: float) -> dict[str, list[Stay]]:
    """Stays per EPC from ``item_entered`` / ``item_left`` events; stays open at ``end`` end there."""
    out: dict[str, list[Stay]] = {}
    open_: dict[str, tuple[str, float]] = {}
    for e in events:
        epc = e.get("epc")
        if epc is None:
            continue
        if e["type"] == "item_entered":
            if epc in open_:  # unsound input: close the previous stay rather than lose it
                room, start = open_.pop(epc)
                out.setdefault(epc, []).append(Stay(room, start, float(e["t"])))
            open_[epc] = (e["room"], float(e["t"]))
        elif e["type"] == "item_left" and epc in open_:
            room, start = open_.pop(epc)
            out.setdefault(epc, []).append(Stay(room, start, float(e["t"])))
    for epc, (room, start) in open_.items():
        out.setdefault(epc, []).append(Stay(room, start, end))
    for s in out.values():
        s.sort(key=lambda x: x.start)
    return out


def read_events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def score(truth: list[dict[str, Any]], events: Iterable[dict[str, Any]], *, censor_s: float = 60.0) -> Score:
    """Score one trace's predicted events against its ground truth."""
    header, items, truths = true_stays(truth)
    end = float(header["end"])
    preds = predicted_stays(events, end)
    sc = Score()
    for epc, (born, gone) in items.items():
        tr = truths.get(epc, [])
        pr = preds.get(epc, [])
        sc.item_hours += max(gone - born, 0.0) / 3600.0
        _accuracy(sc, tr, pr, born, gone)
        for stay in tr:
            over = [p for p in pr if p.room == stay.room and p.start < stay.end and p.end > stay.start]
            sc.true_stays += 1
            if not over:
                sc.missed += 1
                continue
            sc.extra += len(over) - 1
            sc.entry.append(over[0].start - stay.start)
            if stay.end < end - censor_s:
                sc.exit.append(over[-1].end - stay.end)
    for epc, pr in preds.items():
        tr = truths.get(epc, [])
        for p in pr:
            if not any(t.room == p.room and t.start < p.end and t.end > p.start for t in tr):
                sc.false_stays += 1
    return sc


def _accuracy(sc: Score, tr: list[Stay], pr: list[Stay], born: float, gone: float) -> None:
    changes = sorted({t.start for t in tr} | {t.end for t in tr if t.end < gone})
    t = born
    while t < gone:
        i = bisect.bisect_right(changes, t)
        if not (i and t - changes[i - 1] < GRACE_S):
            sc.samples += 1
            if _room_at(tr, t) == _room_at(pr, t):
                sc.correct += 1
        t += SAMPLE_S


def _room_at(stays: list[Stay], t: float) -> str | None:
    for s in stays:
        if s.start <= t < s.end:
            return s.room
        if s.start > t:
            break
    return None
