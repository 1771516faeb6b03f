"""What presence costs per observation and per tracked garment, beside a baseline measured in the same run.

One simulated store (``--rooms`` fitting rooms, ``--duration`` seconds, a draw of the simulator's radio
family) is written as a trace and decoded once through the edge's decoders; the decoded observations and
the tick grid are then fed, in this process, to:

- ``engine``: the edge's presence engine (``edge.presence.PresenceEngine``);
- ``last-read``: the cheapest sensible rule (a garment is where it was last read; out after 30 s
  unread), the same loop with next to no work, so the difference is what the model costs.

Each is run ``--repeat`` times and the fastest run is kept (CPU time of this process). Memory is what
``tracemalloc`` sees the engine holding after the run, divided by the garments it tracks.

    .venv/bin/python bench/presence_cost.py                 # 10 rooms, 1200 s: about a minute
    .venv/bin/python bench/presence_cost.py --rooms 6 --duration 600
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence_baselines import LastReadWins, Rule, replay_baseline

from edge.layout import Layout, load_layout
from edge.presence import PresenceEngine
from edge.presence.events import PresenceEvent
from edge.reads import Observation
from simulators.family import draw
from simulators.trace import read_trace, write_trace

Step = tuple[float, Observation | None]  # an observation at t, or a tick at t (None)


class _Recorder:
    """Records the decoded stream (observations and ticks) as the pipeline hands it to an engine."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        self.steps.append((now, obs))
        return []

    def tick(self, now: float) -> list[PresenceEvent]:
        self.steps.append((now, None))
        return []


def decoded(layout: Layout, trace: Path) -> list[Step]:
    recorder = _Recorder()
    replay_baseline(layout, recorder, read_trace(trace))
    return recorder.steps


def feed(rule: Rule, steps: list[Step]) -> int:
    events = 0
    for t, obs in steps:
        events += len(rule.tick(t) if obs is None else rule.observe(obs, t))
    return events


def cpu_per_observation(make: Callable[[], Rule], steps: list[Step], repeat: int) -> tuple[float, int]:
    """Fastest of ``repeat`` runs: (CPU µs per observation, events)."""
    observations = sum(1 for _, obs in steps if obs is not None)
    best = float("inf")
    events = 0
    for _ in range(repeat):
        rule = make()
        t0 = time.process_time()
        events = feed(rule, steps)
        best = min(best, time.process_time() - t0)
    return best / observations * 1e6, events


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rooms", type=int, default=10)
    ap.add_argument("--duration", type=float, default=1200.0, help="store seconds simulated")
    ap.add_argument("--env", default="random", help="a preset of simulators.family, or random")
    ap.add_argument("--seed", type=int, default=2001, help="not a tune or holdout seed of bench/presence.py")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)
    from presence_scenarios import layout_toml

    with tempfile.TemporaryDirectory(prefix="fitroom-bench-presence-cost-") as tmp:
        work = Path(tmp)
        (work / "layout.toml").write_text(layout_toml(args.rooms, "mixed-raw"), encoding="utf-8")
        layout = load_layout(work / "layout.toml")
        scenario = draw(args.env, args.seed).scenario(
            seed=args.seed,
            duration_s=args.duration,
            shoppers=round(args.rooms * args.duration / 360),
            outages=True,
            junk=False,
        )
        write_trace(layout, scenario, work / "trace.jsonl")
        steps = decoded(layout, work / "trace.jsonl")
    observations = sum(1 for _, obs in steps if obs is not None)
    print(f"$ {' '.join(['.venv/bin/python', *sys.argv])}")
    print(
        f"{args.rooms} rooms, {args.duration:.0f} s of store time ({args.env}, seed {args.seed}): "
        f"{observations} observations, {len(steps) - observations} ticks; fastest of {args.repeat} runs"
    )
    base_us, _ = cpu_per_observation(LastReadWins, steps, args.repeat)
    engine_us, events = cpu_per_observation(lambda: PresenceEngine(layout), steps, args.repeat)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    engine = PresenceEngine(layout)
    feed(engine, steps)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    garments = engine.tracked_garments()
    print(f"{'rule':<12}{'µs/observation':>16}")
    print(f"{'last-read':<12}{base_us:>16.1f}")
    print(f"{'engine':<12}{engine_us:>16.1f}   ({events} events; {engine_us / base_us:.1f}x the baseline)")
    rate = observations / args.duration
    print(
        f"at this store's {rate:.0f} observations per second the engine needs {rate * engine_us / 1e4:.2f} % "
        f"of one core (last-read {rate * base_us / 1e4:.3f} %)"
    )
    each = held / max(garments, 1)
    print(f"engine memory: {held / 1024:.0f} KiB for {garments} tracked garments: {each:.0f} B each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
