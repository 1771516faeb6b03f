"""The fitting rooms at work: feeds the session manager from the bus and lets time count, off the loop.

While the edge runs (``start`` .. ``stop``):

- the open sessions of the previous run are resumed;
- presence events (bus ``PRESENCE``) are gathered per loop iteration and applied, in order, on one worker
  thread, so the loop never waits for SQLite and a burst becomes one transaction;
- ``tick_forever`` lets time count every ``TICK_S`` (sessions end when idle);
- a shopper profile arriving (``PROFILE_ARRIVED``) refreshes the rooms that shopper is in; an erasure
  (``MEMBER_ERASED``) drops what the fitting-room tables hold of the member;
- the manager's notifications hop back onto the loop as bus ``ROOM_CHANGED`` / ``TASKS_CHANGED``.

Nothing here knows of the web: the mirror and console follow the bus topics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from edge import clock
from edge.bus import EventBus, Topic
from edge.fitting_rooms.manager import SessionManager
from edge.presence.events import PresenceEvent
from edge.topics import MEMBER_ERASED, PRESENCE, PROFILE_ARRIVED, ROOM_CHANGED

__all__ = ["TICK_S", "SessionWorker"]

log = logging.getLogger(__name__)

TICK_S = 1.0

T = TypeVar("T")


class SessionWorker:
    """Runs one ``SessionManager`` on a single worker thread while the edge runs.

    ``start`` / ``stop`` may be repeated (the edge can be started again); ``tick_forever`` is a task
    that lives from start to stop.
    """

    def __init__(self, manager: SessionManager, bus: EventBus, *, tick_s: float = TICK_S) -> None:
        self.manager = manager
        self._bus = bus
        self._tick_s = tick_s
        self._executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[PresenceEvent] = []
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Resume the previous run's open sessions and follow the bus (call on the event loop)."""
        self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fitting-rooms")
        self.manager.notify = self._notify
        await self._loop.run_in_executor(self._executor, self.manager.resume, clock.now())
        self._unsubscribe += [
            self._bus.subscribe(PRESENCE, self._on_presence),
            self._bus.subscribe(PROFILE_ARRIVED, self._on_profile),
            self._bus.subscribe(MEMBER_ERASED, self._on_erased),
        ]

    async def stop(self) -> None:
        """Stop following the bus, apply what was gathered, and wait for the worker thread to finish."""
        for off in self._unsubscribe:
            off()
        self._unsubscribe.clear()
        executor, self._executor = self._executor, None
        if executor is not None:
            self._flush_into(executor)
            await asyncio.to_thread(executor.shutdown, wait=True)

    async def tick_forever(self) -> None:
        """Let time count every ``tick_s`` until cancelled; a failed tick is logged and the next one runs."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._tick_s)
            executor = self._executor
            if executor is not None:
                try:
                    await loop.run_in_executor(executor, self.manager.tick, clock.now())
                except Exception:
                    log.exception("fitting rooms: session tick failed")

    # -- on the event loop ----------------------------------------------------------------------------

    def _notify(self, topic: Topic[T], payload: T, /) -> None:
        """The manager's ``Notify``: called on the worker or request threads, published on the loop."""
        loop = self._loop
        if loop is None:
            return
        # RuntimeError: the loop is closing, nobody is listening any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._bus.publish, topic, payload)

    def _on_presence(self, _topic: Topic[PresenceEvent], event: PresenceEvent) -> None:
        self._pending.append(event)
        if len(self._pending) == 1 and self._loop is not None:
            self._loop.call_soon(self._flush)  # gather the rest of this burst into one transaction

    def _flush(self) -> None:
        self._flush_into(self._executor)

    def _flush_into(self, executor: ThreadPoolExecutor | None) -> None:
        batch = self._pending[:]
        self._pending.clear()
        if batch and executor is not None:
            executor.submit(self.manager.apply_presence, batch).add_done_callback(_log_failure)

    def _on_profile(self, _topic: Topic[str], device: str) -> None:
        # A shopper's profile just arrived: their room's mirror can greet them and re-rank suggestions.
        if self._executor is not None:  # the manager's lock is taken off the loop
            self._executor.submit(self._rooms_of, device).add_done_callback(_log_failure)

    def _on_erased(self, _topic: Topic[str], member_id: str) -> None:
        if self._executor is not None:
            self._executor.submit(self.manager.forget_member, member_id).add_done_callback(_log_failure)

    # -- on the worker thread -------------------------------------------------------------------------

    def _rooms_of(self, device: str) -> None:
        self.manager.link_member(device)
        for room_id in self.manager.rooms_with_device(device):
            self.manager.notify(ROOM_CHANGED, room_id)


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("fitting rooms: background database work failed", exc_info=exc)
