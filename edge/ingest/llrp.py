"""The LLRP boundary: the edge drives each ``format = "llrp"`` reader of the layout as its LLRP client.

What callers may rely on:

- One asyncio task per LLRP reader runs continuous inventory on the antennas the layout maps
  (edge/ingest/llrp_client.py, the only module that touches the LLRP library). Each tag report becomes a
  ``Message`` on the reader's internal channel (``Reader.topic``, payload per edge/decoders/llrp.py) and
  its connection state one on ``Reader.status_topic`` (``online`` / ``offline``), appended to a bounded
  hand-off; a full hand-off drops the report, counts it (``on_dropped``) and logs, rate-limited. The
  consumer (``run_consumer``) drains it in batches through the same ``IngestPipeline.handle`` as MQTT
  traffic, with the receive time, so presence cannot tell LLRP reads from MQTT ones.
- A lost or unreachable reader is ``offline`` (its rooms become unknown); we reconnect with exponential
  backoff, jittered and capped (``reconnect_min_s`` .. ``reconnect_max_s``), reset once a connection
  has run inventory. A reader that answers with an LLRP error status is logged by name with the status,
  is ``offline`` too, and is retried on the same backoff (a store may fix the reader or the layout).
- ``fitroom_reader_up{reader}`` is 1 while a reader's inventory runs and 0 otherwise; ``problems()``
  names every reader that is not up and why, for ``/healthz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from edge import clock
from edge.decoders.llrp import antenna_event_payload, tag_report_payload
from edge.ingest.llrp_client import (
    LlrpConnectionLost,
    LlrpReaderError,
    LlrpUnavailable,
    TagReport,
    require_library,
    run_inventory,
)
from edge.ingest.mqtt import Message
from edge.ingest.overflow import Overflow

if TYPE_CHECKING:
    from edge.layout import Layout, Reader
    from edge.metrics import EdgeMetrics

__all__ = ["LlrpIngest", "LlrpUnavailable", "ReaderState", "backoff_delay"]

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes, float], None]


def backoff_delay(attempt: int, low: float, high: float, rng: random.Random) -> float:
    """Seconds to wait before reconnect ``attempt`` (0-based): doubling from ``low``, capped at ``high``,
    with the upper half jittered so readers that dropped together do not come back in lockstep."""
    ceiling = min(high, low * 2.0 ** min(attempt, 30))
    return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


@dataclass(slots=True)
class ReaderState:
    """What the edge knows about one LLRP reader's conversation."""

    reader_id: str
    address: str
    up: bool = False
    error: str | None = None  # the reader's last LLRP error status, until inventory runs again
    lost: str | None = None  # why the connection is down (unreachable, dropped)
    connects: int = 0


class LlrpIngest:
    """The layout's LLRP readers: ``await start()``, ``run_consumer(handle)`` as a task, ``await stop()``."""

    def __init__(
        self,
        readers: Sequence[Reader],
        *,
        metrics: EdgeMetrics,
        queue_size: int,
        reconnect_min_s: float = 1.0,
        reconnect_max_s: float = 30.0,
        probe_interval_s: float = 5.0,
        connect_timeout_s: float = 10.0,
        seed: int | None = None,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.readers = [r for r in readers if r.is_llrp]
        if self.readers:
            try:
                require_library()
            except LlrpUnavailable as exc:
                names = ", ".join(repr(r.id) for r in self.readers)
                which = "reader" if len(self.readers) == 1 else "readers"
                raise LlrpUnavailable(f"{which} {names} (format llrp): {exc}") from None
        self.queue_size = queue_size
        self._metrics = metrics
        #: Reconnect backoff bounds (seconds); may be changed while running.
        self.reconnect_min_s = reconnect_min_s
        self.reconnect_max_s = reconnect_max_s
        self._probe = probe_interval_s
        self._connect_timeout = connect_timeout_s
        self._rng = random.Random(seed)
        self._buf: deque[Message] = deque()
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._overflow = Overflow("LLRP", log, metrics.count_dropped)
        self.states = {r.id: ReaderState(r.id, f"{r.host}:{r.port}") for r in self.readers}
        self._up = {r.id: metrics.reader_up.labels(reader=r.id) for r in self.readers}
        for gauge in self._up.values():
            gauge.set(0)

    @classmethod
    def for_layout(cls, layout: Layout, *, metrics: EdgeMetrics, queue_size: int) -> LlrpIngest:
        """The layout's LLRP readers; raises ``LlrpUnavailable`` naming them when the library is missing."""
        return cls(layout.readers, metrics=metrics, queue_size=queue_size)

    # -- public surface ----------------------------------------------------------------------------

    @property
    def queue_depth(self) -> int:
        return len(self._buf)

    @property
    def dropped(self) -> int:
        return self._overflow.total

    def problems(self) -> list[str]:
        """One line per LLRP reader that is not running inventory, naming it and saying why."""
        out = []
        for state in self.states.values():
            if state.up:
                continue
            if state.error is not None:
                out.append(f"llrp reader {state.reader_id} ({state.address}): {state.error}")
            else:
                why = state.lost or "connecting"
                out.append(f"llrp reader {state.reader_id} ({state.address}): not connected ({why})")
        return out

    async def start(self) -> None:
        """Start one task per reader; returns at once (connecting goes on in the background)."""
        if self._tasks or not self.readers:
            return
        self._stopping = False
        for reader in self.readers:
            self._tasks.append(asyncio.create_task(self._drive(reader), name=f"llrp-{reader.id}"))

    async def stop(self) -> None:
        """Stop every reader's inventory and close the connections; what was handed off stays readable."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._wakeup.set()

    async def next_batch(self, max_items: int = 512) -> list[Message]:
        """Wait for at least one message, then take up to ``max_items``; [] once stopped and drained."""
        while not self._buf:
            if self._stopping:
                return []
            self._wakeup.clear()
            await self._wakeup.wait()
        n = min(len(self._buf), max_items)
        return [self._buf.popleft() for _ in range(n)]

    async def run_consumer(self, handle: Handler, *, batch_size: int = 512) -> None:
        """Feed every handed-off message to ``handle(topic, payload, received)`` until stopped."""
        while True:
            batch = await self.next_batch(batch_size)
            if not batch:
                return
            for topic, payload, received in batch:
                handle(topic, payload, received)
            # Let the web side run between batches under a flood of reads.
            await asyncio.sleep(0)

    # -- one reader --------------------------------------------------------------------------------

    async def _drive(self, reader: Reader) -> None:
        state = self.states[reader.id]
        antennas = sorted(reader.antenna_rooms())
        attempt = 0
        assert reader.host is not None  # the layout requires it for llrp readers

        def on_connected() -> None:
            nonlocal attempt
            attempt = 0
            state.connects += 1
            state.up, state.error, state.lost = True, None, None
            self._up[reader.id].set(1)
            log.info("LLRP reader %s (%s): inventory on antennas %s", reader.id, state.address, antennas)
            self._status(reader, online=True)

        def on_report(tag: TagReport) -> None:
            payload = tag_report_payload(tag.antenna, tag.epc_hex, tag.rssi_dbm, tag.first_seen_us)
            self._offer(Message(reader.topic, payload, clock.now()))

        def on_antenna(antenna: int, connected: bool) -> None:
            # Past the bound, as statuses are: a lost one would leave a room unknown (or believed) for good.
            self._buf.append(Message(reader.topic, antenna_event_payload(antenna, connected), clock.now()))
            self._wakeup.set()

        offline_said = False
        while True:
            try:
                await run_inventory(
                    reader.host,
                    reader.port,
                    antennas,
                    on_connected=on_connected,
                    on_report=on_report,
                    on_antenna=on_antenna,
                    connect_timeout_s=self._connect_timeout,
                    probe_interval_s=self._probe,
                )
            except LlrpReaderError as exc:
                state.error = str(exc)
                log.error("LLRP reader %s (%s) answered with an error: %s", reader.id, state.address, exc)
            except LlrpConnectionLost as exc:
                if state.up:
                    log.warning("LLRP reader %s (%s): connection lost: %s", reader.id, state.address, exc)
                elif attempt == 0:
                    log.warning("LLRP reader %s (%s): cannot connect: %s", reader.id, state.address, exc)
                state.lost = str(exc)
            except Exception:  # a bug below must not end the reader's task: log, back off, try again
                log.exception("LLRP reader %s: unexpected failure", reader.id)
                state.lost = "internal error"
            was_up = state.up
            state.up = False
            self._up[reader.id].set(0)
            if was_up or not offline_said:
                self._status(reader, online=False)
                offline_said = True
            delay = backoff_delay(attempt, self.reconnect_min_s, self.reconnect_max_s, self._rng)
            attempt += 1
            await asyncio.sleep(delay)

    def _status(self, reader: Reader, *, online: bool) -> None:
        # Past the bound on purpose: a lost status would leave rooms believed (or unknown) for good.
        self._buf.append(Message(reader.status_topic, b"online" if online else b"offline", clock.now()))
        self._wakeup.set()

    def _offer(self, message: Message) -> None:
        if len(self._buf) >= self.queue_size:
            self._overflow.drop(self.queue_size)
            return
        self._buf.append(message)
        self._wakeup.set()
