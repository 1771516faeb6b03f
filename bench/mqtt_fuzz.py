"""Bad input over MQTT: garbage on every topic the layout subscribes to while a simulated store runs.

    .venv/bin/python bench/mqtt_fuzz.py [--garbage 100000] [--seconds 600] [--seed 21]

Two runs of the edge's own ingest pipeline (``IngestPipeline`` + ``PresenceEngine``, dead letters into a
real SQLite file through ``SqlDeadLetterSink``), fed the same simulated store (``simulators.trace``, the demo
layout) on the same clock:

1. the store with the still-valid mutations only (the baseline);
2. the store with ``--garbage`` messages mixed in at random times: payloads mutated from the real device
   payloads in ``tests/data/devices/`` (fields replaced, deleted, wrapped; then truncated, bit-flipped or
   prefixed) sent to the demo layout's topic for that device, and random bytes and mutated payloads on any
   topic the layout subscribes to (wildcards filled in).

It checks and prints: nothing escaped the pipeline (no ``internal_error``), the presence events for the
simulated store's garments and shoppers are identical in both runs, and the counters add up: every garbage
message is counted once in ``fitroom_mqtt_messages_total``, ``fitroom_decode_errors_total`` grew by exactly
the errors a fresh decoder finds in the garbage, ``fitroom_ingest_rejected_messages_total`` by exactly the
garbage messages that must be rejected (no observation), and the ``dead_letter`` rows equal
``fitroom_dead_letters_total``. Mutations that remain valid (they still yield an observation: a tag or a
phone the store does not know, a reader status) are counted as valid, not as errors; they are traffic, so
the baseline run has them too and the comparison isolates what the rejected messages did.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from mqtt_fuzz_live import live_run, mqtt_only_layout  # noqa: E402
from mqtt_garbage import Garbage, garbage_messages  # noqa: E402

from edge.ingest import IngestPipeline, SqlDeadLetterSink  # noqa: E402
from edge.layout import Layout, load_layout  # noqa: E402
from edge.metrics import EdgeMetrics  # noqa: E402
from edge.presence import PresenceEngine  # noqa: E402
from edge.presence.events import PresenceEvent  # noqa: E402
from edge.storage.db import make_engine  # noqa: E402
from edge.storage.dead_letters import DeadLetter  # noqa: E402
from edge.storage.migrations import upgrade  # noqa: E402
from simulators.trace import Scenario, Simulation  # noqa: E402

DEMO_LAYOUT = ROOT / "deploy" / "layouts" / "demo.toml"
TICK_S = 1.0

__all__ = ["FuzzResult", "live_run", "run", "store_messages"]


@dataclass
class FuzzResult:
    garbage: int
    must_reject: int
    still_valid: int
    expected_errors: int
    sim_messages: int
    events_baseline: int
    events_fuzzed: int
    counted: dict[str, float] = field(default_factory=dict)
    dead_letter_rows: int = 0
    seconds: float = 0.0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        c = self.counted
        return (
            not self.differences
            and c["messages"] == self.garbage
            and c["errors"] == self.expected_errors
            and c["rejected"] == self.must_reject
            and c["internal_error"] == 0
            and c["dead_letters"] == self.dead_letter_rows
        )


# -- the two runs --------------------------------------------------------------------------------------


def store_messages(layout: Layout, seconds: float, seed: int) -> list[tuple[float, str, bytes]]:
    sim = Simulation(layout, Scenario(seed=seed, duration_s=seconds, shoppers=6))
    return [(m.t, m.topic, m.payload.encode()) for m in sim.messages()]


def feed(
    layout: Layout,
    store: list[tuple[float, str, bytes]],
    garbage: list[Garbage],
    seed: int,
    db_path: Path | None,
    *,
    only_valid: bool = False,
) -> tuple[list[PresenceEvent], EdgeMetrics, int]:
    """Run the pipeline over the store's messages with ``garbage`` mixed in; (events, metrics, rows)."""
    metrics = EdgeMetrics()
    engine = make_engine(f"sqlite:///{db_path}") if db_path else None
    if engine is not None:
        upgrade(engine)
    sink = SqlDeadLetterSink(engine) if engine is not None else None
    pipeline = IngestPipeline(layout, PresenceEngine(layout), metrics=metrics, dead_letters=sink)
    rng = random.Random(seed)
    start, end = store[0][0], store[-1][0]
    timed = sorted(
        [(t, 0, i, topic, payload) for i, (t, topic, payload) in enumerate(store)]
        + [
            (t, 1, i, g.topic, g.payload)
            for i, (t, g) in enumerate((rng.uniform(start, end), g) for g in garbage)
            if g.valid or not only_valid
        ],
        key=lambda m: (m[0], m[1], m[2]),
    )
    events: list[PresenceEvent] = []
    next_tick = start + TICK_S
    for t, _, _, topic, payload in timed:
        while next_tick <= t:
            events += pipeline.tick(next_tick)
            next_tick += TICK_S
        events += pipeline.handle(topic, payload, t)
    for _ in range(120):  # let silence count after the last message
        events += pipeline.tick(next_tick)
        next_tick += TICK_S
    pipeline.flush()
    rows = 0
    if engine is not None:
        with engine.connect() as conn:
            rows = len(conn.execute(DeadLetter.__table__.select()).all())  # type: ignore[attr-defined]
        engine.dispose()
    return events, metrics, rows


def key(event: PresenceEvent) -> tuple[Any, ...]:
    return (round(event.t, 6), str(event.type), event.room, event.epc, event.device, event.confidence)


def totals(metrics: EdgeMetrics) -> dict[str, float]:
    return {
        "messages": sum(metrics.samples("fitroom_mqtt_messages_total").values()),
        "errors": sum(metrics.samples("fitroom_decode_errors_total").values()),
        "rejected": metrics.value("fitroom_ingest_rejected_messages_total"),
        "internal_error": metrics.value("fitroom_decode_errors_total", kind="internal_error"),
        "dead_letters": metrics.value("fitroom_dead_letters_total"),
    }


def run(garbage_count: int, seconds: float, seed: int, workdir: Path) -> FuzzResult:
    layout = load_layout(DEMO_LAYOUT)
    store = store_messages(layout, seconds, seed)
    _, alone, _ = feed(layout, store, [], seed, None)
    garbage = garbage_messages(layout, garbage_count, seed)
    # Mutations that stay valid are traffic (a phone or a tag the store does not know, seen in a room):
    # the baseline has them too, so the comparison isolates what the rejected ones did.
    baseline, _, _ = feed(layout, store, garbage, seed, None, only_valid=True)
    started = time.perf_counter()
    fuzzed, metrics, rows = feed(layout, store, garbage, seed, workdir / "edge.db")
    seconds_taken = time.perf_counter() - started
    expected, got = [key(e) for e in baseline], [key(e) for e in fuzzed]
    differences = [f"baseline {a} / with garbage {b}" for a, b in zip(expected, got, strict=False) if a != b]
    if len(got) != len(expected):
        differences.append(f"{len(expected)} events in the baseline, {len(got)} with garbage")
    base, after = totals(alone), totals(metrics)
    counted = {k: after[k] - base[k] for k in after}
    counted["internal_error"] = after["internal_error"]
    counted["dead_letters"] = after["dead_letters"]
    return FuzzResult(
        garbage=len(garbage),
        must_reject=sum(g.rejected for g in garbage),
        still_valid=sum(g.valid for g in garbage),
        expected_errors=sum(g.errors for g in garbage),
        sim_messages=len(store),
        events_baseline=len(baseline),
        events_fuzzed=len(fuzzed),
        counted=counted,
        dead_letter_rows=rows,
        seconds=seconds_taken,
        differences=differences[:10],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--garbage", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=600.0, help="simulated store time")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument(
        "--live", action="store_true", help="also publish it all through Mosquitto to `fitroom-edge run`"
    )
    args = parser.parse_args(argv)
    logging.getLogger("edge.ingest").setLevel(logging.ERROR)  # each kind is warned about, rate-limited
    print(
        f"command: .venv/bin/python bench/mqtt_fuzz.py --garbage {args.garbage} --seconds {args.seconds:g} "
        f"--seed {args.seed}{' --live' if args.live else ''}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        r = run(args.garbage, args.seconds, args.seed, Path(tmp))
        ok = report(r, args.seconds)
        if args.live:
            layout = mqtt_only_layout(DEMO_LAYOUT, Path(tmp) / "layout.toml")
            store = store_messages(load_layout(layout), args.seconds, args.seed)
            (Path(tmp) / "live").mkdir()
            live = live_run(store, args.garbage, args.seed, layout, Path(tmp) / "live")
            print(
                f"live: {live.sent} messages ({live.garbage} garbage) through Mosquitto to fitroom-edge run "
                f"in {live.seconds:.1f} s ({live.sent / live.seconds:.0f}/s, paced so nothing is dropped)"
            )
            print(f"live: counted {live.counted}")
            print(f"live: expected {live.expected}; dead_letter rows {live.dead_letter_rows}")
            print(
                f"live: same process throughout {live.same_process}, healthy {live.healthy}, "
                f"exit code at SIGTERM {live.exit_code}"
            )
            ok = ok and live.ok
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def report(r: FuzzResult, seconds: float) -> bool:
    c = r.counted
    print(
        f"simulated store: {r.sim_messages} messages over {seconds:g} s, {r.events_baseline} presence events"
    )
    print(
        f"garbage sent: {r.garbage} ({r.must_reject} must be rejected, {r.still_valid} still valid; "
        "the valid ones are in the baseline too)"
    )
    print(
        f"counted: messages +{c['messages']:.0f}, "
        f"decode errors +{c['errors']:.0f} (expected {r.expected_errors}), "
        f"rejected messages +{c['rejected']:.0f} (expected {r.must_reject}), "
        f"internal errors {c['internal_error']:.0f}"
    )
    print(
        f"dead letters: {c['dead_letters']:.0f} counted, {r.dead_letter_rows} rows in SQLite "
        "(sampled per kind and minute)"
    )
    print(
        f"presence for the simulated store: {'identical' if not r.differences else 'DIFFERENT'} "
        f"({r.events_baseline} events in the baseline, {r.events_fuzzed} with the rejected garbage added)"
    )
    for line in r.differences:
        print("  ", line)
    print(
        f"garbage run: {r.seconds:.1f} s, {(r.garbage + r.sim_messages) / r.seconds:.0f} messages/s "
        f"(noisy on a shared machine)"
    )
    return r.ok


if __name__ == "__main__":
    raise SystemExit(main())
