"""Where accuracy is lost: every misjudged sample of a kept bench run, by kind.

Reads a directory written by ``bench/presence.py --keep DIR`` (traces, their truth and the layouts),
replays each trace through the engine in this process, and counts the samples strict accuracy (acc*)
judges and the misjudged ones by kind (``presence_scoring.mistakes``): placed in a room the garment has
left (late exit), is about to enter (early entry) or never entered in that stay (phantom); not placed in
the room it is in, yet (late entry) or any more (early exit); placed in another room (wrong room). The
last line gives the share of samples misjudged (one minus acc*) and each kind's part of it.
``--blind seen`` keeps only the samples accuracy (acc) judges, where neither the true nor the believed
room was blind (an antenna or reader covering it down, and the grace after); ``--blind only`` the others.

    .venv/bin/python bench/presence.py --split tune --keep /tmp/tune   # any split or seeds
    .venv/bin/python bench/presence_errors.py /tmp/tune
    .venv/bin/python bench/presence_errors.py /tmp/tune --blind seen   # what acc counts
    .venv/bin/python bench/presence_errors.py /tmp/tune --by-time 300  # misjudged per 5 min of store time

``--by-time S`` counts instead, per window of S seconds from the store's opening, the samples and the
misjudged ones (of every kind): how much of what is lost falls in the minutes the store's radio is still
being learned (``bench/presence_restart.py`` measures what keeping it across a restart is worth).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections import Counter
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence_ablation import replay_in_process
from presence_kept import table, trace_of
from presence_scoring import MISTAKES, blind_periods, mistakes, predicted_stays, samples, true_stays

from simulators.truth import read_truth

# --blind: which samples count (``mistakes``' ``seen``), and how the table's legend says so.
SEEN = {
    "all": (None, "as acc* judges them"),
    "seen": (True, "as acc judges them"),
    "only": (False, "acc leaves out as blind"),
}


def _by_time(truth_path: Path, window: float) -> Counter[str]:
    """Per window of store time (its label), the misjudged samples; per ``n <label>``, all samples."""
    trace, layout = trace_of(truth_path)
    header, items, truths = true_stays(read_truth(truth_path))
    opened, end = float(header["start"]), float(header["end"])
    believed = predicted_stays(replay_in_process(layout, trace), end)
    out: Counter[str] = Counter()
    for epc, (born, gone) in items.items():
        for t, true_room, room in samples(truths.get(epc, []), believed.get(epc, []), born, gone):
            label = _window(t - opened, window)
            out[f"n {label}"] += 1
            out[label] += true_room != room
    return out


def _window(t: float, window: float) -> str:
    lo = int(t // window * window)
    return f"{lo}-{lo + int(window)} s"


def _scenario(truth_path: Path, seen: bool | None) -> Counter[str]:
    trace, layout = trace_of(truth_path)
    truth = read_truth(truth_path)
    blind = blind_periods(truth, {r.id: sorted(set(r.antenna_rooms().values())) for r in layout.readers})
    return mistakes(truth, replay_in_process(layout, trace), blind=blind, seen=seen)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("keep", type=Path, help="a directory bench/presence.py --keep wrote")
    ap.add_argument(
        "--blind",
        choices=sorted(SEEN),
        default="all",
        help="all samples (acc*), those accuracy judges (seen: neither room blind) or only the blind ones",
    )
    ap.add_argument("--by-time", type=float, metavar="S", help="misjudged samples per S s of store time")
    args = ap.parse_args(argv)
    print(f"$ {' '.join(['.venv/bin/python', *sys.argv])}")
    logging.disable(logging.CRITICAL)
    if args.by_time is not None:
        return _print_by_time(args.keep, args.by_time)
    seen, which = SEEN[args.blind]
    legend = f"misjudged samples (every 0.5 s of each garment's life, {which}) by kind"
    total = table(args.keep, ("samples", *MISTAKES), partial(_scenario, seen=seen), legend=legend, width=12)
    if total is None:
        return 2
    wrong = sum(total[k] for k in MISTAKES)
    shares = ", ".join(f"{k} {total[k] / wrong:.0%}" for k in MISTAKES) if wrong else "none"
    share = wrong / max(total["samples"], 1)
    print(f"misjudged {wrong} of {total['samples']} samples ({share:.2%}): {shares}")
    return 0


def _print_by_time(keep: Path, window: float) -> int:
    found = sorted(keep.glob("*.truth.jsonl"))
    if not (window > 0 and found):
        print(f"{keep}: --by-time must be above 0, and the directory hold kept traces", file=sys.stderr)
        return 2
    heads = [read_truth(p)[0] for p in found]
    duration = max(float(h["end"]) - float(h["start"]) for h in heads)
    labels = [_window(k * window, window) for k in range(math.ceil(duration / window))]
    legend = f"misjudged samples (every 0.5 s of each garment's life, as acc* judges them) per {window:g} s"
    total = table(keep, labels, partial(_by_time, window=window), legend=legend, width=12)
    if total is None:
        return 2
    shares = ", ".join(f"{k} {total[k] / max(total[f'n {k}'], 1):.2%}" for k in labels)
    print(f"share misjudged per window: {shares}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
