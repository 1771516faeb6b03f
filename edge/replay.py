"""``fitroom-edge replay``: run a recorded trace (docs/formats.md §8) through the live decode and presence
code.

The trace's ``t`` is the clock. Before each message the engine is ticked on a fixed grid of trace time
(every ``--tick`` seconds, at whole multiples of it), so leaves come out on time even when the trace is
quiet; across a gap longer than an hour the grid jumps ahead after the first hour (nothing in presence
waits that long). Events are printed to stdout as JSON Lines, deterministically: the same layout and
trace give byte-identical output. Bad trace lines are counted and reported on stderr, never fatal; a
summary of counts ends the run on stderr. Exit status: 0 after a replay, 2 for a bad layout, an
unreadable trace or ``--radio`` file.

``--radio FILE`` starts the engine from what a store's edge had learned of its radio (the JSON
``fitroom-edge radio --json`` prints there), as that edge starts after a restart, instead of learning it
afresh from the trace's first minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from edge.decoders.beacons import DEFAULT_APP_BEACON_UUID, normal_uuid
from edge.decoders.errors import ErrorKind
from edge.ingest.deadletter import MemoryDeadLetterSink
from edge.ingest.pipeline import IngestPipeline
from edge.layout import LayoutError, load_layout
from edge.metrics import MESSAGE_KINDS, EdgeMetrics
from edge.presence import PresenceEngine

if TYPE_CHECKING:
    from edge.layout import Layout
    from edge.presence.events import PresenceEvent

__all__ = ["ReplaySummary", "add_arguments", "main", "replay_trace"]

MAX_CATCH_UP_S = 3600.0
_BAD_LINES_SHOWN = 20


@dataclass
class ReplaySummary:
    """What a replay did. ``metrics`` holds the pipeline's own counts (errors by kind, ...)."""

    metrics: EdgeMetrics
    lines: int = 0
    messages: int = 0
    bad_lines: int = 0
    out_of_order: int = 0
    events: Counter[str] = field(default_factory=Counter)
    first_t: float | None = None
    last_t: float | None = None

    @property
    def internal_errors(self) -> int:
        """Messages (or ticks) on which the decoders or the engine raised: the events are incomplete."""
        return int(self.metrics.value("fitroom_decode_errors_total", kind=ErrorKind.INTERNAL_ERROR.value))

    def describe(self) -> list[str]:
        """Human-readable summary lines (for stderr)."""
        m = self.metrics
        kinds = ", ".join(f"{k} {_n(m.value('fitroom_mqtt_messages_total', kind=k))}" for k in MESSAGE_KINDS)
        out = [
            f"replay: {self.lines} lines, {self.messages} messages ({kinds}), "
            f"{self.bad_lines} bad lines, {self.out_of_order} out of order",
        ]
        if self.first_t is not None and self.last_t is not None:
            span = self.last_t - self.first_t
            out.append(f"replay: trace time {self.first_t:.3f} .. {self.last_t:.3f} ({span:.1f} s)")
        out.append("replay: events: " + _pairs(self.events))
        out.append("replay: decode errors: " + _pairs(m.samples("fitroom_decode_errors_total")))
        out.append("replay: ignored: " + _pairs(m.samples("fitroom_ingest_ignored_total")))
        out.append(f"replay: non-merchandise tag reports: {_n(m.value('fitroom_non_merchandise_total'))}")
        return out


def replay_trace(
    layout: Layout,
    lines: Iterable[str],
    *,
    emit: Callable[[PresenceEvent], None],
    tick_s: float = 0.5,
    drain_s: float = 0.0,
    on_bad_line: Callable[[int, str], None] | None = None,
    app_beacon_uuid: str = DEFAULT_APP_BEACON_UUID,
    engine: PresenceEngine | None = None,
) -> ReplaySummary:
    """Replay trace ``lines`` through a fresh engine (or ``engine``) and pipeline; ``emit`` gets each event
    in order.

    ``drain_s`` keeps ticking that many seconds of trace time after the last message (so items whose
    silence would make them leave are reported); 0 stops at the last message.
    """
    if not (tick_s > 0 and math.isfinite(tick_s)):
        raise ValueError("tick_s must be a positive number of seconds")
    metrics = EdgeMetrics()
    pipeline = IngestPipeline(
        layout,
        engine if engine is not None else PresenceEngine(layout),
        metrics=metrics,
        dead_letters=MemoryDeadLetterSink(capacity=100),
        app_beacon_uuid=app_beacon_uuid,
    )
    summary = ReplaySummary(metrics)
    clock = _TickClock(pipeline, tick_s, lambda events: _emit_all(events, emit, summary))
    for number, line in enumerate(lines, 1):
        summary.lines += 1
        if not line.strip():
            continue
        parsed = _parse_line(line)
        if isinstance(parsed, str):
            summary.bad_lines += 1
            if on_bad_line is not None:
                on_bad_line(number, parsed)
            continue
        t, topic, payload = parsed
        if summary.last_t is not None and t < summary.last_t:
            # Receive order is the truth; the clock never runs backwards.
            summary.out_of_order += 1
            t = summary.last_t
        if summary.first_t is None:
            summary.first_t = t
        summary.last_t = t
        clock.advance(t)
        summary.messages += 1
        _emit_all(pipeline.handle(topic, payload, t), emit, summary)
    if summary.last_t is not None and drain_s > 0:
        clock.advance(summary.last_t + drain_s)
    pipeline.flush()
    return summary


class _TickClock:
    """Ticks the pipeline at every multiple of ``tick_s`` up to a time, catching up over gaps."""

    def __init__(self, pipeline: IngestPipeline, tick_s: float, sink: Callable[[list[PresenceEvent]], None]):
        self._pipeline = pipeline
        self._tick_s = tick_s
        self._sink = sink
        self._k: int | None = None
        self._max_steps = max(1, math.ceil(MAX_CATCH_UP_S / tick_s))

    def advance(self, to: float) -> None:
        if self._k is None:
            self._k = math.floor(to / self._tick_s) + 1  # the first tick after the first message
            return
        steps = 0
        while self._k * self._tick_s <= to:
            self._sink(self._pipeline.tick(self._k * self._tick_s))
            self._k += 1
            steps += 1
            if steps == self._max_steps and self._k * self._tick_s <= to:
                self._k = math.floor(to / self._tick_s)


def _emit_all(events: list[PresenceEvent], emit: Callable[[PresenceEvent], None], s: ReplaySummary) -> None:
    for event in events:
        s.events[str(event.type)] += 1
        emit(event)


def _parse_line(line: str) -> tuple[float, str, bytes] | str:
    """(t, topic, payload bytes), or a reason the line is unusable."""
    try:
        doc: Any = json.loads(line)
    except (ValueError, RecursionError):
        return "not a JSON object"
    if type(doc) is not dict:
        return "not a JSON object"
    t: Any = doc.get("t")
    topic, payload = doc.get("topic"), doc.get("payload")
    if type(t) not in (int, float) or not math.isfinite(t):
        return "'t' must be a finite number of Unix seconds"
    if type(topic) is not str or not topic:
        return "'topic' must be a non-empty string"
    if type(payload) is not str:
        return "'payload' must be a string"
    try:
        # surrogateescape restores payload bytes a recorder kept that way; anything else is UTF-8.
        raw = payload.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = payload.encode("utf-8", "replace")
    return float(t), topic, raw


def _pairs(counts: dict[str, float] | Counter[str]) -> str:
    shown = [f"{k} {_n(v)}" for k, v in sorted(counts.items()) if v]
    return ", ".join(shown) if shown else "none"


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layout", required=True, help="store layout TOML (docs/formats.md §7)")
    parser.add_argument(
        "--trace", required=True, help="trace file, JSON Lines (docs/formats.md §8); '-' for stdin"
    )
    parser.add_argument(
        "--tick", type=float, default=0.5, metavar="SECONDS", help="engine tick cadence in trace time (0.5)"
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="keep ticking this long after the last message so pending leaves are reported (0)",
    )
    parser.add_argument(
        "--app-beacon-uuid",
        default=os.environ.get("FITROOM_APP_BEACON_UUID", DEFAULT_APP_BEACON_UUID),
        metavar="UUID",
        help="the chain's app iBeacon UUID (FITROOM_APP_BEACON_UUID, as the live edge)",
    )
    parser.add_argument(
        "--radio",
        metavar="FILE",
        help="start from what a store's edge learned of its radio (JSON of `fitroom-edge radio --json`), "
        "as that edge does after a restart; default: learn it afresh from the trace",
    )


def main(args: argparse.Namespace) -> int:
    try:
        layout = load_layout(args.layout)
    except LayoutError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        app_uuid = normal_uuid(args.app_beacon_uuid)
    except ValueError as exc:
        print(f"replay: FITROOM_APP_BEACON_UUID (--app-beacon-uuid): {exc}", file=sys.stderr)
        return 2
    tick_ok = args.tick > 0 and math.isfinite(args.tick)
    if not tick_ok or not (args.drain >= 0 and math.isfinite(args.drain)):
        print("replay: --tick must be > 0 and --drain >= 0", file=sys.stderr)
        return 2
    engine = _engine(layout, args.radio)
    if engine is None:
        return 2
    try:
        trace: TextIO = (
            sys.stdin if args.trace == "-" else open(args.trace, encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
        )
    except OSError as exc:
        print(f"replay: cannot read trace {args.trace}: {exc.strerror}", file=sys.stderr)
        return 2
    out = sys.stdout
    shown = 0

    def emit(event: PresenceEvent) -> None:
        out.write(json.dumps(event.to_json()) + "\n")

    def bad_line(number: int, reason: str) -> None:
        nonlocal shown
        shown += 1
        if shown <= _BAD_LINES_SHOWN:
            print(f"replay: {args.trace}:{number}: skipped: {reason}", file=sys.stderr)

    try:
        with trace:
            summary = replay_trace(
                layout,
                trace,
                emit=emit,
                tick_s=args.tick,
                engine=engine,
                drain_s=args.drain,
                on_bad_line=bad_line,
                app_beacon_uuid=app_uuid,
            )
    except OSError as exc:
        print(f"replay: error reading trace {args.trace}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    out.flush()
    if shown > _BAD_LINES_SHOWN:
        print(f"replay: ... {shown - _BAD_LINES_SHOWN} more bad lines not shown", file=sys.stderr)
    for text in summary.describe():
        print(text, file=sys.stderr)
    if summary.internal_errors:
        # The live edge counts a bug and goes on; a replay judges an engine, so it must not pass one by.
        print(f"replay: the engine raised on {summary.internal_errors} messages or ticks", file=sys.stderr)
        return 3
    return 0


def _engine(layout: Layout, radio: str | None) -> PresenceEngine | None:
    """A fresh engine, with a store's radio taken back from the file ``radio`` if given; None, said on
    stderr, when that file is unreadable."""
    engine = PresenceEngine(layout)
    if radio is None:
        return engine
    from edge.radio_memory import restore  # the database layer only when asked for

    try:
        with open(radio, encoding="utf-8") as fh:
            restore(engine.radio, json.load(fh))
    except OSError as exc:
        print(f"replay: cannot read --radio {radio}: {exc.strerror}", file=sys.stderr)
        return None
    except ValueError as exc:  # json.JSONDecodeError is one
        print(f"replay: --radio {radio}: {exc}", file=sys.stderr)
        return None
    return engine
