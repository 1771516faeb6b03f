"""Ablation for ``bench/presence.py --ablation``: what each presence parameter does on holdout traces.

For every field of ``edge.presence.params.PresenceParams`` (whatever fields it has: nothing here names
one) with a numeric default, the value at 0.5 and 1.5 times the default is written into the layout's
``[presence]`` table, the layout is loaded as a store would load it, and the holdout traces already
written by the bench are replayed in-process through the engine. A probability whose 0.5 or 1.5 times
its default falls outside its bounds (a risk level near 1, such as a decision threshold) is varied by
its complement instead: the risk 1 - value at 0.5 and 1.5 times, marked ``1-x``. Any other value the
parameter's own constraints reject is reported as such, not clipped. A parameter whose figures barely
move at x0.5 and x1.5 on holdout matters little there, whatever it did on the tune split.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presence_scenarios import Case, layout_path, trace_path
from presence_scoring import Score, blind_periods, percentile, score
from pydantic import ValidationError

from edge.layout import Layout, load_layout
from edge.presence import PresenceEngine
from edge.presence.params import PresenceParams
from edge.replay import replay_trace
from simulators.truth import read_truth

__all__ = ["FACTORS", "Variant", "figures", "print_ablation", "replay_in_process", "run_ablation", "variants"]

FACTORS = (0.5, 1.5)


@dataclass(frozen=True)
class Variant:
    """One parameter at one factor of its default; ``value`` None is the defaults themselves."""

    field: str | None
    factor: float
    value: float | int | None
    error: str | None = None
    complement: bool = False  # the factor applies to 1 - value (a risk), not to the value


def replay_in_process(
    layout: Layout, trace: Path, engine: PresenceEngine | None = None
) -> list[dict[str, Any]]:
    """The engine's events on a trace, replayed in this process (as ``fitroom-edge replay`` does), by a
    fresh engine or ``engine``."""
    events: list[dict[str, Any]] = []
    with trace.open(encoding="utf-8", errors="surrogateescape") as fh:
        summary = replay_trace(layout, fh, emit=lambda e: events.append(e.to_json()), engine=engine)
    if summary.internal_errors:
        raise RuntimeError(f"{trace}: the engine raised on {summary.internal_errors} messages or ticks")
    return events


def variants() -> Iterator[Variant]:
    """Every numeric parameter at each factor, in the order ``PresenceParams`` declares them."""
    defaults = PresenceParams()
    for name in type(defaults).model_fields:
        default = getattr(defaults, name)
        if isinstance(default, bool) or not isinstance(default, int | float):
            continue  # switches and non-numbers have no "half" or "one and a half"
        for factor in FACTORS:
            value: float | int = round(default * factor) if isinstance(default, int) else default * factor
            error = _rejects(name, value)
            if error is not None and isinstance(default, float) and 0.0 < default < 1.0:
                risk = 1.0 - (1.0 - default) * factor
                if _rejects(name, risk) is None:
                    yield Variant(name, factor, risk, complement=True)
                    continue
            yield Variant(name, factor, value, error)


def _rejects(name: str, value: float | int) -> str | None:
    """Why ``PresenceParams`` refuses ``value`` for ``name``, or None."""
    try:
        PresenceParams(**{name: value})
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])
    return None


def _toml_value(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text if math.isfinite(value) else "nan"


def _run_one(case: Case, variant: Variant, workdir: str) -> Score:
    logging.disable(logging.CRITICAL)
    work = Path(workdir)
    text = layout_path(work, case).read_text(encoding="utf-8")
    if variant.field is not None:
        text += f"\n[presence]\n{variant.field} = {_toml_value(variant.value or 0)}\n"
    ablated = work / f"ablation-{case.stem}-{variant.field}-{variant.factor}.toml"
    ablated.write_text(text, encoding="utf-8")
    layout = load_layout(ablated)
    trace = trace_path(work, case)
    truth = read_truth(trace.with_name(f"{case.stem}.truth.jsonl"))
    blind = blind_periods(truth, {r.id: sorted(set(r.antenna_rooms().values())) for r in layout.readers})
    return score(truth, replay_in_process(layout, trace), blind=blind)


def run_ablation(cases: list[Case], work: Path, *, jobs: int = 2) -> list[tuple[Variant, Score]]:
    """Figures per variant, summed over ``cases`` (whose traces and layouts are already in ``work``)."""
    every = [Variant(None, 1.0, None), *variants()]
    todo = [v for v in every if v.error is None]
    tasks = [(c, v) for v in todo for c in cases]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        scores = list(
            pool.map(_run_one, [t[0] for t in tasks], [t[1] for t in tasks], [str(work)] * len(tasks))
        )
    totals: dict[Variant, Score] = {}
    for (_, v), s in zip(tasks, scores, strict=True):
        totals[v] = totals.get(v, Score()) + s
    return [(v, totals.get(v, Score())) for v in every]


def _fmt(x: float, spec: str) -> str:
    if math.isnan(x):
        return "-"
    return "inf" if math.isinf(x) else format(x, spec)


def figures(s: Score) -> str:
    entry95 = percentile(s.entry + [math.inf] * s.missed, 95)
    return (
        f"{_fmt(s.strict_accuracy, '.4f'):>7} {_fmt(s.flicker, '.3f'):>6} "
        f"{_fmt(s.false_per_item_hour, '.2f'):>7} "
        f"{_fmt(entry95, '.1f'):>6} {_fmt(s.exit_pct(50), '.1f'):>6}"
    )


def print_ablation(table: list[tuple[Variant, Score]], cases: list[Case], seconds: float) -> None:
    print(
        f"\n== ablation on holdout: {len(cases)} scenarios ({', '.join(c.name for c in cases)}), "
        f"{seconds:.0f} s wall =="
    )
    print(
        "each parameter of edge.presence.params.PresenceParams at x0.5 and x1.5 of its default, written "
        "into the layout's [presence] table; figures over those scenarios together"
    )
    head = (
        f"{'parameter':<28} {'x':>8} {'value':>10}  {'acc*':>7} {'flick':>6} {'false/h':>7} {'in95':>6} "
        f"{'out50':>6}"
    )
    print(head)
    print("-" * len(head))
    for v, s in table:
        if v.field is None:
            print(f"{'(defaults)':<28} {'':>8} {'':>10}  {figures(s)}")
            continue
        value = _fmt(float(v.value or 0), ".4g")
        factor = f"1-x {v.factor}" if v.complement else str(v.factor)
        if v.error is not None:
            print(f"{v.field:<28} {factor:>8} {value:>10}  rejected by the parameter's bounds: {v.error}")
        else:
            print(f"{v.field:<28} {factor:>8} {value:>10}  {figures(s)}")
