"""What an edge gains by keeping, across a restart, what presence learned of the store's radio.

Reads a directory written by ``bench/presence.py --keep DIR`` (traces, their truth and the layouts) and
replays each trace twice in this process: by a fresh engine (a store's first minutes, or a restart that
forgets: how ``bench/presence.py`` runs) and by one that first took back (``edge.radio_memory``) what the
fresh engine had learned of the store's radio by the end of the trace, as a restarted edge takes it back
from its database. Only the store's radio is carried over (rooms' levels, how each room hears the
others' garments, how doors hear passers-by): no garment's level or belief.

The radio is learned from the very trace the restored engine is then judged on, so this is an upper
bound of the gain for a store open as long as the trace; the same store's traffic on another day would
teach the same radio, not the same garments.

    .venv/bin/python bench/presence.py --keep /tmp/hold          # any split or seeds
    .venv/bin/python bench/presence_restart.py /tmp/hold
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence_ablation import replay_in_process
from presence_kept import trace_of
from presence_scoring import Score, blind_periods, score

from edge.presence import PresenceEngine
from edge.radio_memory import restore, snapshot
from simulators.truth import read_truth


def compare(truth_path: Path) -> tuple[Score, Score]:
    """(fresh, restored) scores of one kept trace."""
    trace, layout = trace_of(truth_path)
    truth = read_truth(truth_path)
    blind = blind_periods(truth, {r.id: sorted(set(r.antenna_rooms().values())) for r in layout.readers})
    fresh = PresenceEngine(layout)
    cold = score(truth, replay_in_process(layout, trace, fresh), blind=blind)
    kept = json.loads(json.dumps(snapshot(fresh.radio), allow_nan=False))  # as the database holds it
    restarted = PresenceEngine(layout)
    restore(restarted.radio, kept)
    return cold, score(truth, replay_in_process(layout, trace, restarted), blind=blind)


def _row(label: str, s: Score) -> str:
    return (
        f"{label:<52}{s.strict_accuracy:>7.4f}{s.entry_pct(50):>7.1f}{s.entry_pct(95):>7.1f}"
        f"{s.exit_pct(50):>7.1f}{s.exit_pct(95):>7.1f}{s.flicker:>7.2f}{s.false_per_item_hour:>8.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("keep", type=Path, help="a directory bench/presence.py --keep wrote")
    args = ap.parse_args(argv)
    found = sorted(args.keep.glob("*.truth.jsonl"))
    if not found:
        print(f"{args.keep}: no traces (run bench/presence.py --keep {args.keep} first)", file=sys.stderr)
        return 2
    print(f"$ {' '.join(['.venv/bin/python', *sys.argv])}")
    logging.disable(logging.CRITICAL)
    heads = ("acc*", "in50", "in95", "out50", "out95", "flick")
    print(f"{'scenario / engine':<52}" + "".join(f"{h:>7}" for h in heads) + f"{'false/h':>8}")
    totals = [Score(), Score()]
    for path in found:
        name = path.name.removesuffix(".truth.jsonl")
        for i, (label, s) in enumerate(zip(("fresh", "radio kept"), compare(path), strict=True)):
            totals[i] += s
            print(_row(f"{name} {label}", s))
    print(_row("overall fresh", totals[0]))
    print(_row("overall radio kept", totals[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
