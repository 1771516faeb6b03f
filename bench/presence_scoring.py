"""Scoring presence events against the simulator's ground truth (used by ``bench/presence.py``).

Definitions (issue 4):

- accuracy: share of item-time where the believed room equals the true room (or both none), sampled
  every 0.5 s over each item's life, leaving out the 5 s after each true change of room
  (``strict_accuracy``, the issue's definition, which the targets are checked on); ``accuracy`` also
  leaves out time when the true or believed room is blind (an antenna or reader covering it is down,
  and 5 s after), since nothing there can be observed (shown for diagnosis, not a target);
- entry / exit latency of a change that happens while its room is blind is timed from the end of that
  blind period (the issue does not say; a change nobody can observe is timed from when it can be);
- entry latency: first predicted stay in the true stay's room that overlaps it, its start minus the
  true entry (a true stay no predicted stay overlaps is a *missed* entry), for true entries at least
  ``entry_censor_s`` before the trace's end (a garment that arrives in the last seconds has had no time to
  be seen: its entry is neither timed nor missed; it still counts for accuracy and flicker);
- exit latency: end of the last overlapping predicted stay minus the true exit (a predicted stay still
  open at the trace's end ends there), for true exits at least ``censor_s`` before the trace's end;
- flicker: overlapping predicted stays beyond the first, per true stay;
- false stays: predicted stays overlapping no true stay of that item in that room, per item-hour.

Physical floors (``floors``), what no engine can beat on a trace, judged and timed like the figures:

- entry: when the second read of the garment by its true room's antenna arrives after the true entry
  (as the edge decodes it: a Zebra aggregate counts its ``reads``); a stay its room never reads twice
  has an infinite floor (that entry cannot be seen). This is the issue's floor: where a filter that waits
  for two in-room reads would be at best. An engine that also weighs the corridor reads before (which
  door the garment stopped at) may enter on the first in-room read and beat it;
- exit: when the true room's last read of the garment within ``EXIT_EVIDENCE_S`` after the true exit
  arrives (carried out, it is still read at the door for a moment), 0 if none.
"""

from __future__ import annotations

import bisect
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MISTAKES",
    "Floors",
    "Score",
    "Stay",
    "blind_periods",
    "floors",
    "mistakes",
    "predicted_stays",
    "samples",
    "score",
    "true_stays",
]

SAMPLE_S = 0.5
GRACE_S = 5.0
EXIT_EVIDENCE_S = 10.0

Room = str | None


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
    strict_samples: int = 0
    strict_correct: int = 0

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
            self.strict_samples + other.strict_samples,
            self.strict_correct + other.strict_correct,
        )

    @property
    def strict_accuracy(self) -> float:
        return self.strict_correct / self.strict_samples if self.strict_samples else float("nan")

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


def blind_periods(truth: list[dict[str, Any]], reader_rooms: dict[str, list[str]]) -> dict[str, list[Stay]]:
    """Per room, when no antenna could see it (antenna and reader outages from the truth), merged."""
    raw: dict[str, list[tuple[float, float]]] = {}
    for r in truth:
        if r["kind"] == "antenna_outage":
            raw.setdefault(r["room"], []).append((float(r["start"]), float(r["end"])))
        elif r["kind"] == "reader_outage":
            for room in reader_rooms.get(r["reader"], []):
                raw.setdefault(room, []).append((float(r["start"]), float(r["end"])))
    out: dict[str, list[Stay]] = {}
    for room, spans in raw.items():
        merged: list[list[float]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out[room] = [Stay(room, a, b) for a, b in merged]
    return out


def score(
    truth: list[dict[str, Any]],
    events: Iterable[dict[str, Any]],
    *,
    blind: dict[str, list[Stay]] | None = None,
    censor_s: float = 60.0,
    entry_censor_s: float = 10.0,
) -> Score:
    """Score one trace's predicted events against its ground truth.

    ``blind``: per room, periods when no antenna could see it. What happens there cannot be observed:
    accuracy leaves out samples where the true or believed room is blind (and the grace after), and an
    entry or exit during a blind period is timed from its end. ``strict_*`` count every sample.
    """
    header, items, truths = true_stays(truth)
    end = float(header["end"])
    preds = predicted_stays(events, end)
    blind = blind or {}
    sc = Score()
    for epc, (born, gone) in items.items():
        tr = truths.get(epc, [])
        pr = preds.get(epc, [])
        sc.item_hours += max(gone - born, 0.0) / 3600.0
        _accuracy(sc, tr, pr, born, gone, blind)
        for stay in tr:
            over = [p for p in pr if p.room == stay.room and p.start < stay.end and p.end > stay.start]
            sc.true_stays += 1
            judged = stay.start < end - entry_censor_s  # else it arrived too late to be judged
            if not over:
                sc.missed += judged
                continue
            sc.extra += len(over) - 1
            if judged:
                sc.entry.append(over[0].start - _seen_at(stay.start, blind.get(stay.room, [])))
            if stay.end < end - censor_s:
                sc.exit.append(over[-1].end - _seen_at(stay.end, blind.get(stay.room, [])))
    for epc, pr in preds.items():
        tr = truths.get(epc, [])
        for p in pr:
            if not any(t.room == p.room and t.start < p.end and t.end > p.start for t in tr):
                sc.false_stays += 1
    return sc


def _seen_at(t: float, blind: list[Stay]) -> float:
    """When a change at ``t`` could first be observed: the end of a blind period it falls in."""
    for b in blind:
        if b.start <= t < b.end:
            return b.end
    return t


def blind_at(blind: dict[str, list[Stay]], room: str | None, t: float) -> bool:
    if room is None:
        return False
    return any(b.start <= t < b.end + GRACE_S for b in blind.get(room, ()))


def _accuracy(
    sc: Score, tr: list[Stay], pr: list[Stay], born: float, gone: float, blind: dict[str, list[Stay]]
) -> None:
    for t, true_room, believed in samples(tr, pr, born, gone):
        sc.strict_samples += 1
        sc.strict_correct += true_room == believed
        if not (blind_at(blind, true_room, t) or blind_at(blind, believed, t)):
            sc.samples += 1
            sc.correct += true_room == believed


def samples(tr: list[Stay], pr: list[Stay], born: float, gone: float) -> Iterator[tuple[float, Room, Room]]:
    """The samples accuracy judges over one item's life: (time, true room, believed room), every
    ``SAMPLE_S`` but the ``GRACE_S`` after each true change of room."""
    changes = sorted({t.start for t in tr} | {t.end for t in tr if t.end < gone})
    t = born
    while t < gone:
        i = bisect.bisect_right(changes, t)
        if not (i and t - changes[i - 1] < GRACE_S):
            yield t, _room_at(tr, t), _room_at(pr, t)
        t += SAMPLE_S


MISTAKES = ("late exit", "early entry", "phantom", "late entry", "early exit", "wrong room")


def mistakes(
    truth: list[dict[str, Any]],
    events: Iterable[dict[str, Any]],
    *,
    blind: dict[str, list[Stay]] | None = None,
    seen: bool | None = None,
) -> Counter[str]:
    """Where strict accuracy is lost: its samples (``samples``), and the misjudged ones by kind
    (``MISTAKES``): placed in a room the garment has left (``late exit``) or is yet to enter in that
    stay (``early entry``) or neither (``phantom``); not placed in its room yet (``late entry``) or no
    longer (``early exit``); placed in another room (``wrong room``). ``seen``: None counts every
    sample (acc*); True only those accuracy judges (neither room ``blind``), False only the others."""
    header, items, truths = true_stays(truth)
    preds = predicted_stays(events, float(header["end"]))
    out: Counter[str] = Counter()
    blind = blind or {}
    for epc, (born, gone) in items.items():
        tr, pr = truths.get(epc, []), preds.get(epc, [])
        for t, true_room, believed in samples(tr, pr, born, gone):
            if seen is not None and seen == (blind_at(blind, true_room, t) or blind_at(blind, believed, t)):
                continue
            out["samples"] += 1
            if true_room != believed:
                out[_mistake(t, true_room, believed, tr, pr)] += 1
    return out


def _mistake(t: float, true_room: Room, believed: Room, tr: list[Stay], pr: list[Stay]) -> str:
    if true_room is None:  # placed in ``believed``, during this predicted stay:
        p = next(x for x in pr if x.start <= t < x.end)
        if any(s.room == believed and p.start < s.end <= t for s in tr):
            return "late exit"
        return "early entry" if any(s.room == believed and t < s.start < p.end for s in tr) else "phantom"
    if believed is None:  # truly in ``true_room``, during this true stay:
        s = next(x for x in tr if x.start <= t < x.end)
        return "early exit" if any(p.room == true_room and s.start < p.end <= t for p in pr) else "late entry"
    return "wrong room"


def _room_at(stays: list[Stay], t: float) -> str | None:
    for s in stays:
        if s.start <= t < s.end:
            return s.room
        if s.start > t:
            break
    return None


@dataclass
class Floors:
    """Physical floors of entry and exit latency on one or more traces; merge with ``+``."""

    entry: list[float] = field(default_factory=list)
    exit: list[float] = field(default_factory=list)

    def __add__(self, other: Floors) -> Floors:
        return Floors(self.entry + other.entry, self.exit + other.exit)

    def entry_pct(self, q: float) -> float:
        return percentile(self.entry, q)

    def exit_pct(self, q: float) -> float:
        return percentile(self.exit, q)


def floors(
    truth: list[dict[str, Any]],
    reads: dict[str, list[tuple[float, str, int]]],
    *,
    blind: dict[str, list[Stay]] | None = None,
    censor_s: float = 60.0,
    entry_censor_s: float = 10.0,
) -> Floors:
    """The physical floors of a trace (see the module docstring), for the stays ``score`` times.

    ``reads``: per EPC, (receive time, room, reads the report stands for) in receive order, as decoded
    by the edge (``presence_baselines.ReadLog``).
    """
    header, _items, truths = true_stays(truth)
    end = float(header["end"])
    blind = blind or {}
    out = Floors()
    for epc, stays in truths.items():
        log = reads.get(epc, [])
        times = [r[0] for r in log]
        for stay in stays:
            room_blind = blind.get(stay.room, [])
            if stay.start < end - entry_censor_s:
                out.entry.append(_second_read(log, times, stay) - _seen_at(stay.start, room_blind))
            if stay.end < end - censor_s:
                last = stay.end
                i = bisect.bisect_left(times, stay.end)
                while i < len(log) and log[i][0] <= stay.end + EXIT_EVIDENCE_S:
                    if log[i][1] == stay.room:
                        last = log[i][0]
                    i += 1
                out.exit.append(max(0.0, last - _seen_at(stay.end, room_blind)))
    return out


def _second_read(log: list[tuple[float, str, int]], times: list[float], stay: Stay) -> float:
    count = 0
    for t, room, n in log[bisect.bisect_left(times, stay.start) :]:
        if t >= stay.end:
            break
        if room == stay.room:
            count += n
            if count >= 2:
                return t
    return math.inf
