"""What each parameter of the presence v2 research model does on holdout traces (issue 14's ablation).

For every numeric field of ``presence_model.params.ModelParams``, the model is replayed at 0.5 and 1.5
times the default on the first ``--scenarios`` holdout scenarios of ``bench/presence.py`` (drawn and
written here, the same traces the bench writes) and its figures are printed beside the defaults'. A
parameter that barely moves the figures matters little on stores it was not tuned on.

    .venv/bin/python bench/presence_model_ablation.py                 # 3 holdout scenarios, ~4 min
    .venv/bin/python bench/presence_model_ablation.py --scenarios 6
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence import scenario_for
from presence_ablation import FACTORS, figures
from presence_baselines import replay_many
from presence_model.engine import ModelEngine
from presence_model.params import ModelParams
from presence_scenarios import HOLDOUT, Case, layout_path, layout_toml, trace_path
from presence_scoring import Score, blind_periods, score
from pydantic import ValidationError

from edge.layout import load_layout
from simulators.trace import read_trace, write_trace
from simulators.truth import read_truth

Variant = tuple[str | None, float, float | None]  # field, factor, value


def variants() -> list[Variant]:
    """The defaults, then every numeric parameter at each factor the model's constraints accept."""
    defaults = ModelParams()
    out: list[Variant] = [(None, 1.0, None)]
    for name in type(defaults).model_fields:
        default = getattr(defaults, name)
        for factor in FACTORS:
            value = default * factor
            try:
                ModelParams(**{name: value})
            except ValidationError:
                continue  # outside what the parameter allows (a share above 1, say): not a store's choice
            out.append((name, factor, value))
    return out


def _write(case: Case, workdir: str) -> None:
    logging.disable(logging.CRITICAL)
    work = Path(workdir)
    write_trace(load_layout(layout_path(work, case)), scenario_for(case), trace_path(work, case))


def _run(case: Case, variant: Variant, workdir: str) -> Score:
    logging.disable(logging.CRITICAL)
    work = Path(workdir)
    layout = load_layout(layout_path(work, case))
    field, _, value = variant
    params = ModelParams(**({field: value} if field is not None else {}))
    trace = trace_path(work, case)
    truth = read_truth(trace.with_name(f"{case.stem}.truth.jsonl"))
    blind = blind_periods(truth, {r.id: sorted(set(r.antenna_rooms().values())) for r in layout.readers})
    events = replay_many(layout, [ModelEngine(layout, params)], read_trace(trace))[0]
    return score(truth, events, blind=blind)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", type=int, default=3, help="the first N holdout scenarios (3)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    cases = HOLDOUT[: args.scenarios]
    work = Path(tempfile.mkdtemp(prefix="fitroom-bench-model-ablation-"))
    started = time.perf_counter()
    try:
        for case in cases:
            layout_path(work, case).write_text(layout_toml(case.rooms, case.readers), encoding="utf-8")
        every = variants()
        tasks = [(c, v) for v in every for c in cases]
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(_write, cases, [str(work)] * len(cases)))
            jobs = ([t[0] for t in tasks], [t[1] for t in tasks], [str(work)] * len(tasks))
            scores = list(pool.map(_run, *jobs))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    totals: dict[Variant, Score] = {}
    for (_, v), s in zip(tasks, scores, strict=True):
        totals[v] = totals.get(v, Score()) + s
    print("$ " + " ".join([sys.executable, *sys.argv]))
    print(
        f"== the research model's parameters on holdout: {len(cases)} scenarios "
        f"({', '.join(c.name for c in cases)}), {time.perf_counter() - started:.0f} s wall =="
    )
    head = (
        f"{'parameter':<16} {'x':>4} {'value':>9}  {'acc*':>7} {'flick':>6} {'false/h':>7} {'in95':>6} "
        f"{'out50':>6}"
    )
    print(head)
    print("-" * len(head))
    for v in every:
        field, factor, value = v
        label = "(defaults)" if field is None else field
        shown = "" if value is None else f"{value:g}"
        print(f"{label:<16} {'' if field is None else factor:>4} {shown:>9}  {figures(totals[v])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
