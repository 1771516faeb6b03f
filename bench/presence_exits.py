"""Why exits are slow: every garment carried out of a room in a kept bench run, and what was going on.

Reads a directory written by ``bench/presence.py --keep DIR`` (traces, their truth and the layouts),
replays each trace through the engine in this process, and for every true exit from a room (except in
the trace's last 5 s) measures how long the engine took to say ``item_left`` for that room. Slow exits
(over ``--slow`` seconds) are counted by circumstance, from the ground truth and the decoded reads only:

- ``together``: another garment left the same room within 2 s of it (a shopper carrying several out);
  ``partner fast``: one of those the engine saw leave within 15 s;
- ``worn``: it had been worn in that room during the stay (silence then has two explanations);
- ``reader quiet``: the room's reader reported nothing in the 10 s after the exit (every room it covers
  emptied at once, which looks like a reader that stopped).

    .venv/bin/python bench/presence.py --seed-offset 100 --keep /tmp/fresh   # any split or seeds
    .venv/bin/python bench/presence_exits.py /tmp/fresh
    .venv/bin/python bench/presence_exits.py /tmp/fresh --doubt   # and how soon the engine doubted

``--doubt`` also notes, after every tick, the posterior of each placed garment's room (its
``confidence``), and prints for the exits the engine saw how many seconds after the true exit it said
``item_left``, and how many until that posterior first fell under 0.5 and under 0.1: whether exits wait
on the decision rule or on the belief.
"""

from __future__ import annotations

import argparse
import bisect
import logging
import math
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence_ablation import replay_in_process
from presence_cost import decoded
from presence_kept import table, trace_of
from presence_scoring import percentile

from edge.layout import Layout
from edge.presence import PresenceEngine
from edge.presence.events import PresenceEvent
from edge.reads import TagRead
from simulators.truth import read_truth

TOGETHER_S = 2.0  # partners left within this of each other
FAST_S = 15.0  # a partner's exit the engine saw within this
QUIET_S = 10.0  # the reader silent this long after the exit
_END_S = 5.0  # exits this close to the trace's end are not judged
DOUBTS = (0.5, 0.1)  # --doubt: the posteriors of the room whose first crossing is timed
Sure = dict[tuple[str, str], list[tuple[float, float]]]  # (epc, room) -> (t, posterior of the room)


@dataclass(frozen=True)
class Exit:
    epc: str
    room: str
    t: float  # when it truly left
    latency: float | None  # until the engine's item_left from the room (None: never)
    worn: bool  # worn in that room during the stay
    reader_quiet: bool


def exits(
    truth: list[dict[str, Any]],
    events: list[dict[str, Any]],
    reports: dict[str, list[float]],
    reader_of: dict[str, str],
) -> list[Exit]:
    """Every true exit from a room with the engine's latency and its circumstances. ``reports``: per reader,
    the times it reported a tag (sorted); ``reader_of``: the reader covering each room."""
    end = truth[0]["end"]
    lefts: dict[tuple[str, str], list[float]] = {}
    for e in events:
        if e["type"] == "item_left" and "epc" in e:
            lefts.setdefault((e["epc"], e["room"]), []).append(e["t"])
    worn = [w for w in truth if w["kind"] == "worn"]
    stays = [s for s in truth if s["kind"] == "item_stay"]
    out: list[Exit] = []
    for s in stays:
        if s["exit"] >= end - _END_S or s["room"] not in reader_of:
            continue
        # A leave after the garment's next true entry belongs to that stay: this exit was never seen.
        back = min(
            (x["enter"] for x in stays if x["epc"] == s["epc"] and x["enter"] >= s["exit"]), default=end
        )
        seen = [t for t in lefts.get((s["epc"], s["room"]), []) if s["exit"] - TOGETHER_S <= t < back]
        times = reports.get(reader_of[s["room"]], [])
        i = bisect.bisect_right(times, s["exit"] + TOGETHER_S)
        quiet = (times[i] if i < len(times) else end) - (s["exit"] + TOGETHER_S) >= QUIET_S
        was_worn = any(
            w["epc"] == s["epc"] and w["room"] == s["room"] and s["enter"] <= w["start"] < s["exit"]
            for w in worn
        )
        out.append(
            Exit(s["epc"], s["room"], s["exit"], min(seen) - s["exit"] if seen else None, was_worn, quiet)
        )
    return out


def slow_reasons(found: list[Exit], slow_s: float) -> Counter[str]:
    """How many exits, how many slow, and the slow ones by circumstance."""
    count: Counter[str] = Counter(exits=len(found))
    for x in found:
        if x.latency is not None and x.latency <= slow_s:
            continue
        partners = [y for y in found if y is not x and y.room == x.room and abs(y.t - x.t) <= TOGETHER_S]
        fast = any(y.latency is not None and y.latency <= FAST_S for y in partners)
        found_here = {"slow": True, "together": bool(partners), "partner fast": fast}
        found_here |= {"worn": x.worn, "reader quiet": x.reader_quiet}
        count.update(k for k, v in found_here.items() if v)
    return count


class _Doubting(PresenceEngine):
    """The engine, noting after every tick the posterior of each placed garment's room."""

    def __init__(self, layout: Layout) -> None:
        super().__init__(layout)
        self.sure: Sure = {}

    def tick(self, now: float) -> list[PresenceEvent]:
        events = super().tick(now)
        for room in self.snapshot().values():
            for item in room.items:
                self.sure.setdefault((item.epc, room.room_id), []).append((now, item.confidence))
        return events


def doubted(found: list[Exit], sure: Sure) -> dict[float, list[float]]:
    """Per posterior in ``DOUBTS``: for each exit the engine saw, seconds from the true exit until the
    room's posterior first fell under it (its latency if it never did before ``item_left``)."""
    out: dict[float, list[float]] = {d: [] for d in DOUBTS}
    for x in found:
        if x.latency is None:
            continue
        seen = sure.get((x.epc, x.room), [])
        for d in DOUBTS:
            first = next((t - x.t for t, p in seen if t >= x.t and p < d), math.inf)
            out[d].append(min(first, x.latency))
    return out


def _scenario(truth_path: Path, slow_s: float, doubts: dict[str, list[float]] | None = None) -> Counter[str]:
    trace, layout = trace_of(truth_path)
    reader_of = {room: r.id for r in layout.readers for room in r.antenna_rooms().values()}
    reports: dict[str, list[float]] = {}
    for t, obs in decoded(layout, trace):
        if isinstance(obs, TagRead):
            reports.setdefault(obs.reader_id, []).append(t)
    truth = read_truth(truth_path)
    engine = _Doubting(layout) if doubts is not None else PresenceEngine(layout)
    found = exits(truth, replay_in_process(layout, trace, engine), reports, reader_of)
    if doubts is not None and isinstance(engine, _Doubting):
        doubts["item_left"] += [x.latency for x in found if x.latency is not None]
        for d, seconds in doubted(found, engine.sure).items():
            doubts[f"posterior < {d:g}"] += seconds
    return slow_reasons(found, slow_s)


_COLUMNS = ("exits", "slow", "together", "partner fast", "worn", "reader quiet")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("keep", type=Path, help="a directory bench/presence.py --keep wrote")
    ap.add_argument("--slow", type=float, default=30.0, help="an exit slower than this many seconds is slow")
    ap.add_argument("--doubt", action="store_true", help="also: how soon the room's posterior fell")
    args = ap.parse_args(argv)
    print(f"$ {' '.join(['.venv/bin/python', *sys.argv])}")
    logging.disable(logging.CRITICAL)
    legend = f"slow: over {args.slow:g} s to item_left; together: another garment left the room within 2 s"
    doubts: dict[str, list[float]] | None = defaultdict(list) if args.doubt else None
    if table(args.keep, _COLUMNS, lambda path: _scenario(path, args.slow, doubts), legend=legend) is None:
        return 2
    if doubts:
        print(f"seconds after the true exit, over the {len(doubts['item_left'])} exits the engine saw:")
        for what, seconds in doubts.items():
            figures = "  ".join(f"p{q} {percentile(seconds, q):5.1f}" for q in (50, 75, 90))
            print(f"  {what:<18} {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
