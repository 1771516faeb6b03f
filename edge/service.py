"""The running edge: ``EdgeService`` starts and stops one store's edge and runs its ingest.

It is handed its parts by the composition root (``edge.compose.build_edge``): layout, catalog, database
engine, presence engine, ingest pipeline, event bus, metrics and the MQTT adapter. Nothing is a
module-level singleton, so a test can build as many edges as it likes, each with its own broker and
database.

Running, the service has three tasks of its own on the event loop:

- *consume*: takes messages off the MQTT hand-off in batches, runs each through ``pipeline.handle`` with
  its receive time, and publishes every ``PresenceEvent`` on the bus topic ``edge.topics.PRESENCE``;
- *tick*: every ``tick_interval_s`` (wall clock) runs ``pipeline.tick`` and publishes its events, so
  silence counts (an item left) even when no message arrives;
- *dead letters*: writes sampled bad messages to the database in batches, off the event loop.

Other parts of the edge (sessions, cloud sync) hook in from the composition root: ``on_startup`` /
``on_shutdown`` register coroutines run at start and stop, ``add_task`` a background task that lives as
long as the service runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from edge import clock
from edge.bus import EventBus
from edge.catalog.model import Catalog
from edge.catalog.source import FixedCatalog
from edge.config import EdgeSettings
from edge.ingest.deadletter import SqlDeadLetterSink
from edge.ingest.llrp import LlrpIngest
from edge.ingest.mqtt import MqttIngest
from edge.ingest.pipeline import IngestPipeline
from edge.layout import Layout
from edge.metrics import EdgeMetrics
from edge.presence import PresenceEngine, PresenceEvent
from edge.storage.migrations import upgrade as upgrade_edge_db
from edge.topics import PRESENCE

__all__ = ["EdgeHealth", "EdgeService", "OffLoopDeadLetters"]

log = logging.getLogger(__name__)

BATCH_SIZE = 512
# After a batch that did not fill up, let messages gather this long before waking again. Without it a
# busy consumer wakes for every few messages, and each wake (self-pipe write, epoll, task step, a GIL
# hand-over between paho's thread and the loop) costs more than decoding the messages; 5 ms is nothing
# next to presence's seconds.
LINGER_S = 0.005
DEAD_LETTER_FLUSH_S = 2.0
# Above this fill ratio of the hand-off the edge reports itself degraded: it is falling behind.
QUEUE_DEGRADED_RATIO = 0.8

Hook = Callable[[], Awaitable[None]]
TaskFactory = Callable[[], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class EdgeHealth:
    """What ``/healthz`` reports."""

    status: str  # "ok" | "degraded"
    mqtt_connected: bool
    queue_depth: int
    queue_size: int
    dropped: int
    problems: tuple[str, ...]


class EdgeService:
    """One store's edge. Build it, then ``await start()`` / ``await stop()`` (the web app's lifespan does)."""

    def __init__(
        self,
        *,
        settings: EdgeSettings,
        layout: Layout,
        catalog: FixedCatalog,
        db: Engine,
        metrics: EdgeMetrics,
        engine: PresenceEngine,
        bus: EventBus,
        dead_letters: SqlDeadLetterSink,
        pipeline: IngestPipeline,
        mqtt: MqttIngest,
        llrp: LlrpIngest,
    ) -> None:
        """Keep the parts (built by ``edge.compose``); nothing starts before ``start()``."""
        self.settings = settings
        self.layout = layout
        self.catalogs = catalog
        self.db = db
        self.metrics = metrics
        self.engine = engine
        self.bus = bus
        self.dead_letters = dead_letters
        self.pipeline = pipeline
        self.mqtt = mqtt
        self.llrp = llrp
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._task_factories: list[tuple[str, TaskFactory]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._consumer: asyncio.Task[None] | None = None
        self._running = False
        self._connects_counted = 0

    @property
    def catalog(self) -> Catalog:
        """The catalog in use now (cloud sync's pulls may replace it while the edge runs)."""
        return self.catalogs.current()

    # -- hooks for the rest of the edge ------------------------------------------------------------

    def on_startup(self, hook: Hook) -> None:
        """Run ``await hook()`` at start, after the tables exist and before MQTT connects (in order)."""
        self._startup.append(hook)

    def on_shutdown(self, hook: Hook) -> None:
        """Run ``await hook()`` at stop, after ingest has stopped (in reverse registration order)."""
        self._shutdown.append(hook)

    def add_task(self, name: str, factory: TaskFactory) -> None:
        """Run ``factory()`` as a background task from start until stop (cancelled at stop)."""
        self._task_factories.append((name, factory))
        if self._running:
            self._spawn(name, factory)

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    async def start(self) -> None:
        """Migrate the database, run start-up hooks, connect MQTT and start the tasks. Idempotent."""
        if self._running:
            return
        # Alembic owns the schema: nothing else creates tables.
        await asyncio.to_thread(upgrade_edge_db, self.db)
        for hook in self._startup:
            await hook()
        self._running = True
        await self.mqtt.start()
        self._consumer = asyncio.create_task(self._consume(), name="edge-consume")
        await self.llrp.start()
        self._spawn("edge-consume-llrp", lambda: self.llrp.run_consumer(self._handle_llrp))
        self._spawn("edge-tick", self._tick_forever)
        self._spawn("edge-dead-letters", self._flush_dead_letters_forever)
        for name, factory in self._task_factories:
            self._spawn(name, factory)
        log.info(
            "edge for store %s running: %d rooms, %d readers, %d BLE nodes, %d catalog styles",
            self.layout.store.id,
            len(self.layout.rooms),
            len(self.layout.readers),
            len(self.layout.ble_nodes),
            len(self.catalog.styles),
        )

    async def stop(self) -> None:
        """Stop ingest (processing what was already handed off), the tasks and the hooks; dispose the db."""
        if not self._running:
            return
        self._running = False
        await self.mqtt.stop()
        await self.llrp.stop()
        if self._consumer is not None:
            try:
                await asyncio.wait_for(self._consumer, timeout=5)
            except TimeoutError:
                log.warning("edge: ingest consumer did not drain in 5 s; cancelled")
            self._consumer = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await asyncio.to_thread(self.dead_letters.flush)
        for hook in reversed(self._shutdown):
            try:
                await hook()
            except Exception:
                log.exception("edge: a shutdown hook failed")
        self.bus.stop()
        await asyncio.to_thread(self.db.dispose)
        log.info("edge for store %s stopped", self.layout.store.id)

    # -- what the web layer shows ------------------------------------------------------------------

    def health(self) -> EdgeHealth:
        problems: list[str] = []
        error = self.mqtt.last_error
        if not self.mqtt.connected:
            problems.append(f"mqtt: not connected{f' ({error})' if error else ''}")
        elif error is not None:  # connected, but e.g. a subscription was refused: traffic is missing
            problems.append(f"mqtt: {error}")
        problems.extend(self.llrp.problems())
        depth = self.mqtt.queue_depth
        if depth >= self.mqtt.queue_size * QUEUE_DEGRADED_RATIO:
            problems.append(f"ingest: hand-off {depth}/{self.mqtt.queue_size} full, falling behind")
        return EdgeHealth(
            status="degraded" if problems else "ok",
            mqtt_connected=self.mqtt.connected,
            queue_depth=depth,
            queue_size=self.mqtt.queue_size,
            dropped=self.mqtt.dropped,
            problems=tuple(problems),
        )

    def render_metrics(self) -> bytes:
        """Prometheus text exposition of this edge's registry, with the hand-off depth as of now."""
        self.metrics.set_queue_depth(self.mqtt.queue_depth)
        self.metrics.mqtt_connected.set(1 if self.mqtt.connected else 0)
        connects = self.mqtt.connects
        if connects > self._connects_counted:
            self.metrics.mqtt_connects.inc(connects - self._connects_counted)
            self._connects_counted = connects
        return self.metrics.render()

    # -- the tasks ---------------------------------------------------------------------------------

    def _spawn(self, name: str, factory: TaskFactory) -> None:
        task = asyncio.create_task(factory(), name=name)
        task.add_done_callback(_log_task_end)
        self._tasks.append(task)

    def _publish(self, events: list[PresenceEvent]) -> None:
        for event in events:
            self.bus.publish(PRESENCE, event)

    async def _consume(self) -> None:
        handle = self.pipeline.handle
        while True:
            batch = await self.mqtt.next_batch(BATCH_SIZE)
            if not batch:
                return  # stopped and drained
            for topic, payload, received in batch:  # unpacking beats three attribute lookups
                events = handle(topic, payload, received)
                if events:
                    self._publish(events)
            self.metrics.set_queue_depth(self.mqtt.queue_depth)
            # Let HTTP requests and WebSocket pushes run between batches under a flood of reads.
            await asyncio.sleep(0 if len(batch) == BATCH_SIZE else LINGER_S)

    def _handle_llrp(self, topic: str, payload: bytes, received: float) -> None:
        events = self.pipeline.handle(topic, payload, received)
        if events:
            self._publish(events)

    async def _tick_forever(self) -> None:
        interval = self.settings.tick_interval_s
        while True:
            await asyncio.sleep(interval)
            self._publish(self.pipeline.tick(clock.now()))

    async def _flush_dead_letters_forever(self) -> None:
        while True:
            await asyncio.sleep(DEAD_LETTER_FLUSH_S)
            if self.dead_letters.pending:
                await asyncio.to_thread(self.dead_letters.flush)


class OffLoopDeadLetters:
    """Hands the pipeline a sink whose ``flush`` does nothing on the event loop: our task writes."""

    def __init__(self, sink: SqlDeadLetterSink) -> None:
        self._sink = sink

    def offer(self, *, t: float, kind: str, topic: str, payload: bytes, error: str) -> bool:
        return self._sink.offer(t=t, kind=kind, topic=topic, payload=payload, error=error)

    def flush(self) -> None:
        return None


def _log_task_end(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("edge: background task %s failed", task.get_name(), exc_info=exc)
