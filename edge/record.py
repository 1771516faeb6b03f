"""``fitroom-edge record``: record a live store's traffic as a trace (docs/formats.md §8) for ``replay``.

It subscribes to every topic filter the layout implies (each reader's event and last-will topics, the BLE
prefixes: exactly what the edge subscribes to) and writes each message as one JSON line
``{"t": <receive time, Unix seconds>, "topic": ..., "payload": <the payload as a string>}`` in receive
order, flushed as it goes. Payload bytes that are not UTF-8 are kept with ``surrogateescape`` (JSON
``\\udcXX`` escapes), which ``replay`` turns back into the same bytes.

Readers the edge drives over LLRP publish nothing to MQTT: unless ``--no-llrp``, the recorder drives them
itself (the same client as the edge, edge/ingest/llrp.py) and records each tag report, antenna event and
connection change on the reader's internal channel ``llrp/<reader-id>`` (and ``llrp/<reader-id>/status``)
with the JSON payload ``replay`` decodes back into the same reads (edge/decoders/llrp.py). An LLRP reader
takes one client at a time: record it while the edge is stopped, or pass ``--no-llrp``.

Stops after ``--duration`` seconds or on Ctrl-C / SIGTERM, and prints what it recorded on stderr. The
recorder connects with its own client id and a clean session, so it never takes over the edge's session.
Exit status: 0 after a recording, 1 when the broker cannot be reached within ``--connect-timeout``, 2 for
a bad layout, settings or output file, or LLRP readers without the LLRP library.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, TextIO

from edge.config import SettingsError, load_settings
from edge.decoders.router import TopicRouter
from edge.ingest.llrp import LlrpIngest, LlrpUnavailable
from edge.ingest.mqtt import MqttIngest
from edge.layout import LayoutError, load_layout
from edge.metrics import EdgeMetrics

if TYPE_CHECKING:
    from edge.config import EdgeSettings
    from edge.layout import Layout

__all__ = ["TraceWriter", "add_arguments", "main", "record"]


class TraceWriter:
    """Writes messages as trace lines (docs/formats.md §8); counts them per topic kind."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.lines = 0
        self.kinds: Counter[str] = Counter()

    def write(self, topic: str, payload: bytes, received: float) -> None:
        line = {
            "t": round(received, 6),
            "topic": topic,
            "payload": payload.decode("utf-8", "surrogateescape"),
        }
        self._out.write(json.dumps(line, separators=(", ", ": ")) + "\n")
        self.lines += 1
        self.kinds[topic.split("/", 1)[0]] += 1

    def flush(self) -> None:
        self._out.flush()


async def record(
    layout: Layout,
    settings: EdgeSettings,
    writer: TraceWriter,
    *,
    duration_s: float | None,
    stop: asyncio.Event,
    llrp: bool = True,
    connect_timeout_s: float = 10.0,
) -> bool:
    """Record until ``duration_s`` passed (None: until ``stop`` is set). False if the broker was never
    reached within ``connect_timeout_s``."""
    endpoint = settings.mqtt_endpoint()
    mqtt = MqttIngest(
        host=endpoint.host,
        port=endpoint.port,
        client_id=f"fitroom-record-{layout.store.id}-{os.getpid()}",
        subscriptions=TopicRouter(layout).subscriptions(),
        queue_size=settings.queue_size,
        username=endpoint.username,
        password=endpoint.password,
        tls=endpoint.tls,
        ca_file=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None,
        keepalive_s=settings.mqtt_keepalive_s,
        clean_session=True,
    )
    llrp_ingest = None
    if llrp and any(r.is_llrp for r in layout.readers):
        llrp_ingest = LlrpIngest.for_layout(layout, metrics=EdgeMetrics(), queue_size=settings.queue_size)
    deadline = None if duration_s is None else time.monotonic() + duration_s
    await mqtt.start()
    try:
        if not await mqtt.wait_connected(connect_timeout_s):
            return False
        llrp_task = None
        if llrp_ingest is not None:
            await llrp_ingest.start()
            llrp_task = asyncio.create_task(llrp_ingest.run_consumer(writer.write), name="record-llrp")
        stopped = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                batch_task = asyncio.create_task(mqtt.next_batch(512))
                done, _ = await asyncio.wait(
                    {batch_task, stopped}, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                if batch_task not in done:
                    batch_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await batch_task
                    continue
                for topic, payload, received in batch_task.result():
                    writer.write(topic, payload, received)
                writer.flush()
        finally:
            stopped.cancel()
            if llrp_ingest is not None:
                await llrp_ingest.stop()
            if llrp_task is not None:
                await llrp_task  # drains what the readers handed off before they stopped
    finally:
        await mqtt.stop()
        # Whatever paho handed off before the disconnect is part of the recording.
        while mqtt.queue_depth:
            for topic, payload, received in await mqtt.next_batch(4096):
                writer.write(topic, payload, received)
        writer.flush()
    return True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layout", help="store layout TOML (docs/formats.md §7); FITROOM_LAYOUT")
    parser.add_argument("--out", required=True, help="trace file to write (JSON Lines); '-' for stdout")
    parser.add_argument(
        "--duration", type=float, metavar="SECONDS", help="stop after this long (default: until Ctrl-C)"
    )
    parser.add_argument("--mqtt-url", dest="mqtt_url", help="broker URL (FITROOM_MQTT_URL)")
    parser.add_argument(
        "--connect-timeout", type=float, default=10.0, metavar="SECONDS", help="give up if no broker (10)"
    )
    parser.add_argument(
        "--no-llrp", action="store_true", help="do not drive the layout's LLRP readers (the edge has them)"
    )


def main(args: argparse.Namespace) -> int:
    if args.duration is not None and not (args.duration > 0 and math.isfinite(args.duration)):
        print("record: --duration must be a positive number of seconds", file=sys.stderr)
        return 2
    try:
        settings = load_settings({"layout": args.layout, "mqtt_url": args.mqtt_url})
    except SettingsError as exc:
        print(f"record: {exc}", file=sys.stderr)
        return 2
    if settings.layout is None:
        print("record: FITROOM_LAYOUT (--layout): a store layout is required", file=sys.stderr)
        return 2
    try:
        layout = load_layout(settings.layout)
    except LayoutError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        out: TextIO = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        print(f"record: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    writer = TraceWriter(out)
    started = time.monotonic()
    try:
        reached = asyncio.run(_run(layout, settings, writer, args))
    except LlrpUnavailable as exc:
        print(f"record: {exc}", file=sys.stderr)
        return 2
    finally:
        if out is not sys.stdout:
            out.close()
    if not reached:
        print(
            f"record: no broker at {settings.mqtt_endpoint()!r} within {args.connect_timeout:g} s",
            file=sys.stderr,
        )
        return 1
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(writer.kinds.items())) or "none"
    print(
        f"record: {writer.lines} messages in {time.monotonic() - started:.1f} s to {args.out} ({kinds})",
        file=sys.stderr,
    )
    return 0


async def _run(layout: Layout, settings: EdgeSettings, writer: TraceWriter, args: argparse.Namespace) -> bool:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return await record(
        layout,
        settings,
        writer,
        duration_s=args.duration,
        stop=stop,
        llrp=not args.no_llrp,
        connect_timeout_s=args.connect_timeout,
    )
