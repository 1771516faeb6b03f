"""Presence on stores it was not tuned on, measured against the simulator's ground truth.

Scenarios come in two splits (``bench/presence_scenarios.py``): ``tune`` for working on the engine, and
``holdout``, other seeds of the simulator's family of radio environments (``simulators.family``) with a
preset the tune split never uses. The verdict line and the closing note quote holdout only.

For each scenario this draws the store's environment, writes a simulator trace and its truth, replays the
trace through the real ``fitroom-edge replay`` command (a subprocess) for our engine (``edge/presence``),
runs three baselines on the same trace through the edge's decoders (last read wins, ALE-style 2 s
cycles, EdgeX's ``app-rfid-llrp-inventory`` location rule), and prints per scenario and overall:
accuracy, entry and exit latency p50/p95, flicker per true stay and false stays per item-hour
(definitions in ``bench/presence_scoring.py``), the physical floors beside them (a ``floor`` row:
entries cannot be seen before the room's second read of the garment), and the targets.

    .venv/bin/python bench/presence.py          # holdout: ~180 CPU s, under 2 min on 2 idle cores
    .venv/bin/python bench/presence.py --split tune            # work on the engine here
    .venv/bin/python bench/presence.py --split both --scenarios 3 --duration 600   # a quick look
    .venv/bin/python bench/presence.py --ablation              # holdout, then each parameter x0.5, x1.5
    .venv/bin/python bench/presence.py --seed-offset 100   # fresh seeds of the holdout family (no verdict)
    .venv/bin/python bench/presence.py --radio harsh --seeds 4 5   # the old fixed grid (legacy split)
    .venv/bin/python bench/presence.py --hint floor   # layouts name each store's true neighbours (a hint)

``--ablation`` replays the first ``--ablation-scenarios`` holdout scenarios in-process once per
presence parameter (every field of ``edge.presence.params.PresenceParams``) at 0.5 and 1.5 times its
default, written into the layout's ``[presence]`` table, and prints what each does to the figures.
"""

from __future__ import annotations

import argparse
import io
import logging
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence_ablation import print_ablation, replay_in_process, run_ablation
from presence_baselines import EdgexMobility, FixedCycle, LastReadWins, ReadLog, replay_many
from presence_report import verdict_table
from presence_scenarios import (
    HOLDOUT,
    HOLDOUT_ONLY_PRESET,
    TUNE,
    TUNE_PRESETS,
    Case,
    layout_path,
    layout_toml,
    seed_range,
    trace_path,
)
from presence_scoring import blind_periods, floors, read_events, score

from edge.layout import load_layout
from simulators.family import draw
from simulators.physics import RadioParams
from simulators.trace import Scenario, read_trace, write_trace
from simulators.truth import read_truth

ROOT = Path(__file__).resolve().parent.parent

# The old fixed grid's radio environments (``--radio``): the simulator's original store, and a harder one.
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


def scenario_for(case: Case) -> Scenario:
    """The simulator scenario of a case: its environment drawn from the family (or a legacy radio)."""
    fields: dict[str, Any] = {
        "seed": case.seed,
        "duration_s": case.duration_s,
        # About one shopper per room per 6 min, times --busy.
        "shoppers": round(case.rooms * case.duration_s / 360 * case.busy),
        "dedup": case.dedup,
        "outages": case.faults,
        "junk": case.faults,
        "zebra_batching": case.seed % 2 == 0,
    }
    if case.env.startswith("legacy-"):
        return Scenario(radio=RADIOS[case.env.removeprefix("legacy-")], **fields)
    return draw(case.env, case.seed).scenario(**fields)


def fitroom_edge() -> str:
    local = Path(sys.executable).parent / "fitroom-edge"
    return str(local) if local.exists() else (shutil.which("fitroom-edge") or "fitroom-edge")


def run_case(case: Case, workdir: str, inprocess: bool = False, hint: str = "none") -> dict[str, Any]:
    """Simulate, replay and score one scenario; returns the scores per engine and its floors. ``hint``:
    which rooms the engine's layout says are neighbours (``--hint``)."""
    logging.disable(logging.CRITICAL)  # the junk scenarios make the pipeline warn; the counts are enough
    work = Path(workdir)
    lpath = layout_path(work, case)  # written by main() before the workers start
    layout = engine_layout = load_layout(lpath)
    trace = trace_path(work, case)
    t0 = _cpu()
    write_trace(layout, scenario_for(case), trace)
    t1 = _cpu()
    if hint != "none":
        floor = read_truth(trace.with_name(f"{case.stem}.truth.jsonl"))[0]["rooms"]
        floor = floor if hint == "floor" else [f"fr-{i}" for i in range(1, case.rooms + 1)]
        lpath = trace.with_name(f"{case.stem}.layout.toml")
        lpath.write_text(layout_toml(case.rooms, case.readers, floor), encoding="utf-8")
        engine_layout = load_layout(lpath)
    cmd = [fitroom_edge(), "replay", "--layout", str(lpath), "--trace", str(trace)]
    if inprocess:
        events = replay_in_process(engine_layout, trace)
    else:
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=900)
        events = read_events(done.stdout)
    t2 = _cpu()
    truth = read_truth(trace.with_name(f"{case.stem}.truth.jsonl"))
    lines = read_trace(trace)
    blind = blind_periods(truth, {r.id: sorted(set(r.antenna_rooms().values())) for r in layout.readers})
    log = ReadLog()
    last, ale, edgex, _ = replay_many(layout, [LastReadWins(), FixedCycle(), EdgexMobility(), log], lines)
    results = {
        "engine": score(truth, events, blind=blind),
        "last-read-30s": score(truth, last, blind=blind),
        "ale-2s": score(truth, ale, blind=blind),
        "edgex": score(truth, edgex, blind=blind),
    }
    return {
        "case": case,
        "scores": results,
        "floors": floors(truth, log.reads, blind=blind),
        "messages": len(lines),
        "sim_s": t1 - t0,
        "replay_s": t2 - t1,
        "baselines_s": _cpu() - t2,
        "command": "(in-process replay)" if inprocess else shlex.join(cmd),
        "rooms_floor": truth[0]["rooms"],
    }


def _cpu() -> float:
    """CPU seconds this process and the replays it ran have used (what a run costs on idle cores)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def select_cases(args: argparse.Namespace) -> list[Case]:
    if args.radio is not None or args.seeds is not None:
        return [
            Case(
                "legacy",
                rooms,
                seed,
                f"legacy-{args.radio or 'standard'}",
                readers,
                faults,
                args.duration,
                args.busy,
            )
            for rooms in (args.rooms or [6, 10])
            for seed in (args.seeds or [1, 2, 3])
            for readers in ("mixed-raw", "mixed-dedup")
            for faults in (False, True)
        ]
    splits = {"tune": [TUNE], "holdout": [HOLDOUT], "both": [TUNE, HOLDOUT]}[args.split]
    out = []
    for cases in splits:
        chosen = [c for c in cases if not args.rooms or c.rooms in args.rooms]
        if args.scenarios is not None:
            chosen = chosen[: args.scenarios]
        out += [
            replace(c.with_duration(args.duration, args.busy), seed=c.seed + args.seed_offset) for c in chosen
        ]
    for c in out:
        if c.seed not in seed_range(c.split):
            raise SystemExit(
                f"--seed-offset {args.seed_offset}: seed {c.seed} is outside the {c.split} split's seeds"
            )
    return out


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--split",
        choices=("tune", "holdout", "both"),
        default="holdout",
        help="which scenarios to run (holdout); the verdict quotes holdout only",
    )
    ap.add_argument("--scenarios", type=int, metavar="N", help="only the first N scenarios of each split")
    ap.add_argument("--rooms", type=int, nargs="+", help="only scenarios with these many fitting rooms")
    ap.add_argument("--duration", type=float, default=1200.0, help="seconds of store time per scenario")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", metavar="DIR", help="write traces, truth and layouts here and keep them")
    ap.add_argument(
        "--seed-offset",
        type=int,
        default=0,
        metavar="K",
        help="draw every scenario from its seed + K, within its split's seeds: a fresh look at the same "
        "family that nothing was chosen on (0; not the verdict of record)",
    )
    ap.add_argument(
        "--hint",
        choices=("none", "floor", "listing"),
        default="none",
        help="the engine's layout names each room's neighbours: none (as scored), the simulated store's "
        "own floor plan, or the layout's listing (rooms numbered along the corridor: mostly wrong, as the "
        "simulator shuffles them)",
    )
    ap.add_argument("--busy", type=float, default=1.0, help="shoppers per room and hour, times this (1)")
    ap.add_argument(
        "--inprocess",
        action="store_true",
        help="replay the engine in this process instead of through `fitroom-edge replay`",
    )
    ap.add_argument(
        "--ablation",
        action="store_true",
        help="also: each presence parameter x0.5 and x1.5 on the first holdout scenarios",
    )
    ap.add_argument(
        "--ablation-scenarios",
        type=int,
        default=2,
        metavar="N",
        help="the first N holdout scenarios are the ablation's (2)",
    )
    ap.add_argument(
        "--radio",
        choices=sorted(RADIOS),
        default=None,
        help="legacy: the old fixed grid in this radio (no family, no split, no verdict)",
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=None, help="legacy: the old grid's seeds")
    return ap


def main(argv: list[str] | None = None) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # each table shows as soon as it is done
    args = parser().parse_args(argv)
    cases = select_cases(args)
    if args.ablation:
        wanted = [c.with_duration(args.duration, args.busy) for c in HOLDOUT[: args.ablation_scenarios]]
        cases += [c for c in wanted if c not in cases]
    work = args.keep or tempfile.mkdtemp(prefix="fitroom-bench-presence-")
    Path(work).mkdir(parents=True, exist_ok=True)
    try:
        return _run(args, cases, Path(work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)  # traces run to hundreds of MB


def _run(args: argparse.Namespace, cases: list[Case], work: Path) -> int:
    for case in cases:
        layout_path(work, case).write_text(layout_toml(case.rooms, case.readers), encoding="utf-8")
    started = time.perf_counter()
    # Biggest first, so the pool does not end on one long scenario.
    order = sorted(cases, key=lambda c: -c.rooms)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        n = len(order)
        done = list(pool.map(run_case, order, [str(work)] * n, [args.inprocess] * n, [args.hint] * n))
    by_case = {r["case"]: r for r in done}
    results = [by_case[c] for c in cases]
    elapsed = time.perf_counter() - started
    print("$ " + shlex.join([sys.executable, *sys.argv]))
    print(f"engine replayed per scenario by, e.g.: {results[0]['command']}")
    print(
        f"{len(cases)} scenarios x {args.duration:.0f} s store time, "
        f"{sum(r['messages'] for r in results)} messages, {elapsed:.0f} s wall (CPU seconds: simulate "
        f"{sum(r['sim_s'] for r in results):.0f}, engine replay {sum(r['replay_s'] for r in results):.0f}, "
        f"baselines and scoring {sum(r['baselines_s'] for r in results):.0f})"
    )
    print(
        f"splits: tune = {len(TUNE)} scenarios, seeds {TUNE[0].seed}..{TUNE[-1].seed}, presets "
        f"{', '.join(TUNE_PRESETS)}; holdout = {len(HOLDOUT)} scenarios, seeds {HOLDOUT[0].seed}.."
        f"{HOLDOUT[-1].seed}, adds the preset {HOLDOUT_ONLY_PRESET!r} (never used while tuning) and 8/12 "
        "rooms"
    )
    verdict = 0
    # Scenarios run only for the ablation are not part of a split's table or verdict.
    selected = set(select_cases(args))
    for split in ("legacy", "tune", "holdout"):
        mine = [r for r in results if r["case"].split == split and r["case"] in selected]
        if mine:
            verdict = max(verdict, verdict_table(split, mine, args.seed_offset))
    if args.ablation:
        ablated = [c.with_duration(args.duration, args.busy) for c in HOLDOUT[: args.ablation_scenarios]]
        t = time.perf_counter()
        table = run_ablation(ablated, work, jobs=args.jobs)
        print_ablation(table, ablated, time.perf_counter() - t)
    return verdict


if __name__ == "__main__":
    sys.exit(main())
