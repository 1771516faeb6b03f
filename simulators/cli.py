"""``fitroom-sim``: run a simulated store live against a broker, or write a trace offline.

    fitroom-sim run --layout L --mqtt-url URL [--seed N] [--shoppers N] [--speed X] [--duration S]
                    [--trace OUT] [--dedup] [--outages] [--junk] [--zebra-batch]
    fitroom-sim trace --layout L --out T --duration S --seed N [--dedup] [--outages] [--junk]
                      [--shoppers N] [--zebra-batch] [--env shielded|open_plan|reflective|busy|random]

Both stop by themselves after ``--duration`` simulated seconds. ``run`` paces messages in real time
divided by ``--speed``; ``trace`` runs as fast as it can and writes ``T`` plus ``T``'s ``.truth.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from pydantic import ValidationError

from edge.layout import LayoutError, load_layout
from simulators.family import draw, preset_names
from simulators.live import LivePublisher, MqttConnectError
from simulators.trace import Scenario, Simulation, truth_path_for, write_trace
from simulators.truth import write_truth

__all__ = ["main"]

log = logging.getLogger("fitroom-sim")


def _scenario_args(p: argparse.ArgumentParser, *, duration_default: float | None) -> None:
    p.add_argument("--layout", required=True, help="store layout TOML (docs/formats.md §7)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same traffic)")
    p.add_argument("--shoppers", type=int, default=8, help="shoppers arriving during the run")
    p.add_argument(
        "--duration",
        type=float,
        required=duration_default is None,
        default=duration_default,
        help="simulated seconds to run",
    )
    p.add_argument("--dedup", action="store_true", help="Impinj reader-side de-duplication (1 s)")
    p.add_argument("--outages", action="store_true", help="antenna and reader drop-outs")
    p.add_argument("--junk", action="store_true", help="malformed and foreign messages")
    p.add_argument("--zebra-batch", action="store_true", help="Zebra readers batch events into arrays")
    p.add_argument("--catalog", type=Path, default=None, help="catalog JSON to pick garments from")
    p.add_argument(
        "--env",
        choices=preset_names(),
        default=None,
        help="a store drawn from the simulator's family (simulators/family.py), with --seed; "
        "default: the original store",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fitroom-sim",
        description="Run a simulated store live against a broker, or write a trace offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="publish a simulated store to a broker, live")
    _scenario_args(run, duration_default=600.0)
    run.add_argument("--mqtt-url", default="mqtt://127.0.0.1:1883", help="broker URL (mqtt:// or mqtts://)")
    run.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall second")
    run.add_argument("--trace", type=Path, default=None, help="also write what is published as a trace")
    trace = sub.add_parser("trace", help="write a trace and its ground truth, offline")
    _scenario_args(trace, duration_default=None)
    trace.add_argument("--out", type=Path, required=True, help="trace file (JSON Lines) to write")
    return parser


def _scenario(args: argparse.Namespace, start: float | None = None) -> Scenario:
    base = Scenario()
    make: Callable[..., Scenario] = Scenario if args.env is None else draw(args.env, args.seed).scenario
    return make(
        seed=args.seed,
        duration_s=args.duration,
        shoppers=args.shoppers,
        dedup=args.dedup,
        outages=args.outages,
        junk=args.junk,
        zebra_batching=args.zebra_batch,
        start=base.start if start is None else start,
    )


def _trace(args: argparse.Namespace) -> int:
    layout = load_layout(args.layout)
    summary = write_trace(layout, _scenario(args), args.out, catalog_path=args.catalog)
    print(
        json.dumps(
            {
                "trace": str(summary.trace),
                "truth": str(summary.truth),
                "messages": summary.messages,
                "items": summary.items,
                "item_stays": summary.item_stays,
            }
        )
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    layout = load_layout(args.layout)
    # Live, the simulated clock starts now so reader timestamps look current.
    sim = Simulation(layout, _scenario(args, start=round(time.time(), 3)), catalog_path=args.catalog)
    publisher = LivePublisher(layout, args.mqtt_url, client_prefix=f"fitroom-sim-{args.seed}")
    stop = threading.Event()

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        publisher.connect()
    except MqttConnectError as exc:
        print(f"fitroom-sim: {exc}", file=sys.stderr)
        return 1
    trace_fh = args.trace.open("w", encoding="utf-8") if args.trace else None
    if trace_fh is not None:
        # Each client said "online" as it connected; the trace records those statuses all the same.
        for msg in sim.store.opening_messages():
            trace_fh.write(json.dumps(msg.trace_line(), separators=(",", ":")) + "\n")
    wall0, sim0 = time.monotonic(), sim.scenario.start
    try:
        for msg in sim.messages(opening=False):
            delay = wall0 + (msg.t - sim0) / args.speed - time.monotonic()
            if delay > 0 and stop.wait(delay):
                break
            publisher.publish(msg)
            if trace_fh is not None:
                # The simulated receive time, so the trace lines up with its ground truth at any speed.
                trace_fh.write(json.dumps(msg.trace_line(), separators=(",", ":")) + "\n")
    finally:
        publisher.wait_idle()
        publisher.close()
        if trace_fh is not None:
            trace_fh.close()
            write_truth(sim.truth(), truth_path_for(args.trace))
    log.info("published %d messages", publisher.published)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.duration <= 0:
        parser.error("--duration must be positive")
    if args.shoppers < 0:
        parser.error("--shoppers cannot be negative")
    if args.command == "run" and args.speed <= 0:
        parser.error("--speed must be positive")
    try:
        if args.command == "trace":
            return _trace(args)
        return _run(args)
    except LayoutError as exc:
        print(f"fitroom-sim: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # only the catalog is validated by pydantic here
        print(f"fitroom-sim: --catalog {args.catalog}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a catalog that cannot be read, a trace that cannot be written
        said = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
        print(f"fitroom-sim: {said}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
