"""Presence under real RF, measured against the simulator's ground truth.

For each scenario (seeds x reader-side de-duplication x outages+junk x 6 and 10 rooms) this writes a
simulator trace and its truth, replays the trace through the real ``fitroom-edge replay`` command (a
subprocess) for our engine, runs the two baselines on the same trace through the edge's decoders, and
prints per scenario and overall: accuracy, entry and exit latency p50/p95, flicker per true stay and
false stays per item-hour (definitions in ``bench/presence_scoring.py``), with the issue's targets.

    .venv/bin/python bench/presence.py                 # the full set (a few minutes on 2 cores)
    .venv/bin/python bench/presence.py --seeds 1 --rooms 6 --duration 600   # a quick look
    .venv/bin/python bench/presence.py --seeds 4 5 --rooms 8 12 --busy 1.5 --radio harsh  # elsewhere
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence_baselines import FixedCycle, LastReadWins, replay_baseline
from presence_scoring import Score, blind_periods, percentile, read_events, score

from edge.layout import load_layout
from simulators.physics import RadioParams
from simulators.trace import Scenario, read_trace, write_trace
from simulators.truth import read_truth

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("engine", "last-read-30s", "ale-2s")
TARGETS = {"accuracy": 0.98, "flicker": 0.1, "false_per_item_hour": 1.0, "entry_p95": 5.0, "exit_p50": 20.0}


# A harder radio environment than the simulator's default, for checking that the engine is not tuned to
# one building: tags read less often at worst, neighbours' cross-reads stronger and more frequent (thin
# walls), worn garments less silent, orientations spread wider.
HARSH_RADIO = replace(
    RadioParams(),
    p_min=0.03,
    p_max=0.8,
    cross_attenuation_min_db=6.0,
    cross_attenuation_max_db=15.0,
    cross_factor_max=0.4,
    worn_factor=0.03,
    orientation_rssi_sd_db=5.0,
)
RADIOS = {"standard": RadioParams(), "harsh": HARSH_RADIO}


@dataclass(frozen=True)
class Case:
    rooms: int
    seed: int
    dedup: bool
    faults: bool
    duration_s: float
    busy: float = 1.0
    radio: str = "standard"

    @property
    def name(self) -> str:
        return (
            f"{self.rooms}r s{self.seed} {'dedup' if self.dedup else 'raw  '} "
            f"{'faults' if self.faults else 'clean '}"
        )


def layout_toml(rooms: int) -> str:
    """A store with ``rooms`` fitting rooms on one corridor: Impinj readers of 4 ports, a Zebra at the end."""
    parts = ['[store]\nid = "store-bench"\nname = "Bench"\n']
    parts.append('[[rooms]]\nid = "entrance"\nname = "Entrance"\nkind = "entrance"\n')
    parts.append('[[rooms]]\nid = "floor"\nname = "Sales floor"\nkind = "sales_floor"\n')
    for i in range(1, rooms + 1):
        parts.append(f'[[rooms]]\nid = "fr-{i}"\nname = "Fitting room {i}"\nkind = "fitting_room"\n')
    zebra = 2
    impinj_rooms = rooms - zebra
    for r in range(math.ceil(impinj_rooms / 4)):
        ports = range(r * 4 + 1, min(r * 4 + 4, impinj_rooms) + 1)
        rid = f"impinj-{chr(ord('a') + r)}"
        parts.append(
            f'[[readers]]\nid = "{rid}"\nformat = "impinj_iot"\ntopic = "stores/store-bench/rfid/{rid}"'
        )
        parts.append("[readers.antennas]\n" + "".join(f'"{p - r * 4}" = "fr-{p}"\n' for p in ports))
    parts.append(
        '[[readers]]\nid = "zebra-z"\nformat = "zebra_iotc"\ntopic = "stores/store-bench/rfid/zebra-z"'
    )
    parts.append(
        "[readers.antennas]\n" + "".join(f'"{k + 1}" = "fr-{impinj_rooms + k + 1}"\n' for k in range(zebra))
    )
    for i in range(1, rooms + 1):
        parts.append(f'[[ble_nodes]]\nid = "fr-{i}"\nformat = "espresense"\nroom = "fr-{i}"\n')
    parts.append('[[ble_nodes]]\nid = "omg-entrance"\nformat = "openmqttgateway"\nroom = "entrance"\n')
    return "\n".join(parts)


def fitroom_edge() -> str:
    local = Path(sys.executable).parent / "fitroom-edge"
    return str(local) if local.exists() else (shutil.which("fitroom-edge") or "fitroom-edge")


def run_case(case: Case, workdir: str) -> dict[str, Any]:
    """Simulate, replay and score one scenario; returns the scores per engine (picklable)."""
    logging.disable(logging.CRITICAL)  # the junk scenarios make the pipeline warn; the counts are enough
    work = Path(workdir)
    layout_path = work / f"layout-{case.rooms}.toml"  # written by main() before the workers start
    layout = load_layout(layout_path)
    stem = f"r{case.rooms}-s{case.seed}-{'d' if case.dedup else 'r'}-{'f' if case.faults else 'c'}"
    trace = work / f"{stem}.jsonl"
    scenario = Scenario(
        seed=case.seed,
        duration_s=case.duration_s,
        # About one shopper per room per 6 min, times --busy.
        shoppers=round(case.rooms * case.duration_s / 360 * case.busy),
        dedup=case.dedup,
        outages=case.faults,
        junk=case.faults,
        zebra_batching=case.seed % 2 == 0,
        radio=RADIOS[case.radio],
    )
    t0 = time.perf_counter()
    write_trace(layout, scenario, trace)
    t1 = time.perf_counter()
    cmd = [fitroom_edge(), "replay", "--layout", str(layout_path), "--trace", str(trace)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600)
    t2 = time.perf_counter()
    truth = read_truth(trace.with_name(f"{stem}.truth.jsonl"))
    lines = read_trace(trace)
    blind = blind_periods(truth, {r.id: sorted(set(r.antenna_rooms().values())) for r in layout.readers})
    results = {
        "engine": score(truth, read_events(done.stdout), blind=blind),
        "last-read-30s": score(truth, replay_baseline(layout, LastReadWins(), lines), blind=blind),
        "ale-2s": score(truth, replay_baseline(layout, FixedCycle(), lines), blind=blind),
    }
    return {
        "case": case,
        "scores": results,
        "messages": len(lines),
        "sim_s": t1 - t0,
        "replay_s": t2 - t1,
        "command": " ".join(cmd),
    }


def fmt(x: float, spec: str = ".2f") -> str:
    return "   -" if math.isnan(x) else format(x, spec)


def row(label: str, engine: str, s: Score) -> str:
    return (
        f"{label:<24} {engine:<14} {fmt(s.accuracy, '.3f'):>6} {fmt(s.strict_accuracy, '.3f'):>6} "
        f"{fmt(s.entry_pct(50), '.1f'):>6} "
        f"{fmt(s.entry_pct(95), '.1f'):>6} {fmt(s.exit_pct(50), '.1f'):>6} {fmt(s.exit_pct(95), '.1f'):>6} "
        f"{fmt(s.flicker):>6} {fmt(s.false_per_item_hour):>7} {s.missed:>4}/{s.true_stays:<4}"
    )


def misses(s: Score) -> list[str]:
    out = []
    # The issue's accuracy counts every sample (outside the grace after a true change), blind rooms
    # included: the target is checked on that (acc*), not on acc, which leaves blind rooms out.
    if not s.strict_accuracy >= TARGETS["accuracy"]:
        out.append("accuracy")
    if not s.flicker <= TARGETS["flicker"]:
        out.append("flicker")
    if not s.false_per_item_hour <= TARGETS["false_per_item_hour"]:
        out.append("false stays")
    # An entry never detected has no latency to list, but it is later than any: it counts as infinite.
    if not percentile(s.entry + [math.inf] * s.missed, 95) <= TARGETS["entry_p95"]:
        out.append("entry p95")
    if not s.exit_pct(50) <= TARGETS["exit_p50"]:
        out.append("exit p50")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--rooms", type=int, nargs="+", default=[6, 10])
    ap.add_argument("--duration", type=float, default=1200.0, help="seconds of store time per scenario")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", metavar="DIR", help="write traces, truth and layouts here and keep them")
    ap.add_argument("--busy", type=float, default=1.0, help="shoppers per room and hour, times this (1)")
    ap.add_argument(
        "--radio", choices=sorted(RADIOS), default="standard", help="the simulator's radio environment"
    )
    args = ap.parse_args(argv)
    cases = [
        Case(rooms, seed, dedup, faults, args.duration, args.busy, args.radio)
        for rooms in args.rooms
        for seed in args.seeds
        for dedup in (False, True)
        for faults in (False, True)
    ]
    work = args.keep or tempfile.mkdtemp(prefix="fitroom-bench-presence-")
    Path(work).mkdir(parents=True, exist_ok=True)
    try:
        return _run(args, cases, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)  # traces run to hundreds of MB


def _run(args: argparse.Namespace, cases: list[Case], work: str) -> int:
    for rooms in set(args.rooms):
        (Path(work) / f"layout-{rooms}.toml").write_text(layout_toml(rooms), encoding="utf-8")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(run_case, cases, [work] * len(cases)))
    elapsed = time.perf_counter() - started
    print("$ " + shlex.join([sys.executable, *sys.argv]))
    print(f"replay command per scenario, e.g.: {results[0]['command']}")
    print(
        f"{len(cases)} scenarios x {args.duration:.0f} s store time, "
        f"{sum(r['messages'] for r in results)} messages, {elapsed:.0f} s wall\n"
    )
    head = (
        f"{'scenario':<24} {'engine':<14} {'acc':>6} {'acc*':>6} {'in50':>6} {'in95':>6} {'out50':>6} "
        f"{'out95':>6} {'flick':>6} {'false/h':>7} {'miss/stays'}"
    )
    print(head)
    print("-" * len(head))
    totals = {e: Score() for e in ENGINES}
    failed: list[str] = []
    for r in results:
        case: Case = r["case"]
        for e in ENGINES:
            s = r["scores"][e]
            totals[e] = totals[e] + s
            print(row(case.name, e, s))
        bad = misses(r["scores"]["engine"])
        if bad:
            failed.append(f"{case.name}: {', '.join(bad)}")
    print("-" * len(head))
    for e in ENGINES:
        print(row("overall", e, totals[e]))
    print(
        f"\ntargets on every scenario (engine): accuracy (acc*, the issue's definition) >= "
        f"{TARGETS['accuracy']}, flicker <= "
        f"{TARGETS['flicker']}/stay, false stays <= {TARGETS['false_per_item_hour']}/item-hour, entry p95 <= "
        f"{TARGETS['entry_p95']} s, exit p50 <= {TARGETS['exit_p50']} s"
    )
    if failed:
        print("MISSED on:\n  " + "\n  ".join(failed))
    else:
        print("all targets met on every scenario")
    print(json.dumps({e: round(totals[e].accuracy, 4) for e in ENGINES}))
    print(json.dumps({f"{e} acc*": round(totals[e].strict_accuracy, 4) for e in ENGINES}))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
