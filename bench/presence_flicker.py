"""Why stays flicker: every true stay the engine split in two or more, and what the garment was doing.

Reads a directory written by ``bench/presence.py --keep DIR`` (traces, their truth and the layouts),
replays each trace through the engine in this process, and for every gap between two of the engine's
stays that overlap one true stay in the same room (what ``bench/presence.py`` counts as flicker) says,
from the ground truth, what the garment was doing in the gap:

- ``worn``: it was being worn in that room (the engine took its silence for a garment carried out);
- ``blind``: its room could not hear (an antenna or reader down, or just back) at either end of the gap;
- ``hung``: neither (it hung there and the engine lost it);

and, beside those, ``elsewhere``: how many of the gaps the engine placed it in another room meanwhile.
The last lines give the gaps' lengths (p50 / p90) and, for the worn ones, how far into the try-on the
engine took the garment out (p50 / p90 seconds after it was put on; below 0 if before).

    .venv/bin/python bench/presence.py --split tune --keep /tmp/tune   # any split or seeds
    .venv/bin/python bench/presence_flicker.py /tmp/tune
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence_ablation import replay_in_process
from presence_kept import table, trace_of
from presence_scoring import Stay, blind_at, blind_periods, percentile, predicted_stays, true_stays

from simulators.truth import read_truth

KINDS = ("worn", "blind", "hung")


@dataclass(frozen=True)
class Gap:
    epc: str
    room: str
    start: float  # the engine's item_left
    end: float  # its item_entered back in the same room
    kind: str  # one of KINDS
    elsewhere: bool  # placed in another room meanwhile
    into_wear: float | None  # worn: seconds from putting it on to the engine's item_left


def gaps(
    truth: list[dict[str, Any]], events: list[dict[str, Any]], blind: dict[str, list[Stay]]
) -> list[Gap]:
    """Every gap that splits a true stay, with what the garment was doing then (``KINDS``)."""
    header, _, truths = true_stays(truth)
    believed = predicted_stays(events, float(header["end"]))
    worn = defaultdict(list)
    for w in truth:
        if w["kind"] == "worn":
            worn[(w["epc"], w["room"])].append((float(w["start"]), float(w["end"])))
    out: list[Gap] = []
    for epc, stays in truths.items():
        mine = believed.get(epc, [])
        for stay in stays:
            over = [p for p in mine if p.room == stay.room and p.start < stay.end and p.end > stay.start]
            for a, b in itertools.pairwise(over):
                wears = [w for w in worn[(epc, stay.room)] if w[0] < b.start and w[1] > a.end]
                dark = blind_at(blind, stay.room, a.end) or blind_at(blind, stay.room, b.start)
                kind = "worn" if wears else "blind" if dark else "hung"
                moved = any(p.room != stay.room and a.end <= p.start < b.start for p in mine)
                into = a.end - wears[0][0] if wears else None
                out.append(Gap(epc, stay.room, a.end, b.start, kind, moved, into))
    return out


def counts(found: list[Gap]) -> Counter[str]:
    out: Counter[str] = Counter(gaps=len(found))
    out.update(g.kind for g in found)
    out["elsewhere"] = sum(g.elsewhere for g in found)
    return out


def _scenario(truth_path: Path, every: list[Gap]) -> Counter[str]:
    trace, layout = trace_of(truth_path)
    truth = read_truth(truth_path)
    blind = blind_periods(truth, {r.id: sorted(set(r.antenna_rooms().values())) for r in layout.readers})
    found = gaps(truth, replay_in_process(layout, trace), blind)
    every += found
    return counts(found)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("keep", type=Path, help="a directory bench/presence.py --keep wrote")
    args = ap.parse_args(argv)
    print(f"$ {' '.join(['.venv/bin/python', *sys.argv])}")
    logging.disable(logging.CRITICAL)
    every: list[Gap] = []
    legend = "gaps splitting a true stay (flicker), by what the garment was doing in its room meanwhile"
    columns = ("gaps", *KINDS, "elsewhere")
    if table(args.keep, columns, lambda path: _scenario(path, every), legend=legend) is None:
        return 2
    if every:
        lengths = [g.end - g.start for g in every]
        into = [g.into_wear for g in every if g.into_wear is not None]
        print(f"gap length p50 {percentile(lengths, 50):.1f} s, p90 {percentile(lengths, 90):.1f} s")
        if into:
            print(
                f"worn gaps: taken out p50 {percentile(into, 50):.1f} s, p90 {percentile(into, 90):.1f} s "
                "after it was put on"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
