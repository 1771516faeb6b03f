"""Wiring of the fitting rooms into the edge: ``register(app, service)`` adds the mirror, associate,
live and media routes and hooks the session manager into the service's start-up and shutdown.

At start: the open sessions of the previous run are resumed; the manager subscribes to the bus topic
``presence`` (events are batched per loop iteration and applied, in order, on one worker thread so the
loop never waits for SQLite); a task lets time count every ``TICK_S`` (sessions end when idle); the
manager's notifications hop back onto the loop as bus ``room_changed`` / ``tasks_changed`` events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from edge.catalog.model import Catalog
from edge.payments import PayAtBagDesk, PaymentProvider
from edge.presence.events import PresenceEvent
from edge.sessions.changes import SessionEnded
from edge.sessions.machine import FittingRooms
from edge.sessions.manager import ROOM_CHANGED, SessionManager
from edge.suggest.profile import NoProfiles, ProfileLookup, ShopperProfile
from edge.web import associate_api, live, media, mirror_api
from edge.web.context import RoomsContext
from edge.web.room_metrics import RoomMetrics

if TYPE_CHECKING:
    from edge.service import EdgeService

__all__ = ["TICK_S", "ServiceCatalog", "ServiceProfiles", "register"]

log = logging.getLogger(__name__)

TICK_S = 1.0
PRESENCE_TOPIC = "presence"
PROFILE_TOPIC = "profile"  # cloud sync: a device id whose profile just arrived
ERASED_TOPIC = "member_erased"  # cloud sync: a member id to forget


class ServiceCatalog:
    """The service's catalog as a ``CatalogSource``: whatever ``service.catalog`` is now (a sync worker
    may replace it while the edge runs)."""

    def __init__(self, service: EdgeService) -> None:
        self._service = service

    def current(self) -> Catalog:
        return self._service.catalog


class ServiceProfiles:
    """The service's shopper profiles as a ``ProfileLookup``: cloud sync's directory when it is attached
    (``service.cloud_sync.profiles``), else nobody is known. Looked up per call, so attaching cloud sync
    after the web app is built still counts."""

    def __init__(self, service: EdgeService) -> None:
        self._service = service
        self._nobody = NoProfiles()

    def profile_for_device(self, device: str) -> ShopperProfile | None:
        # Explicit None checks: a profile directory with no entries yet is falsy (it has a length).
        lookup: Any = getattr(getattr(self._service, "cloud_sync", None), "profiles", None)
        if lookup is None:
            lookup = getattr(self._service, "profiles", None)
        if lookup is None:
            lookup = self._nobody
        profile: ShopperProfile | None = lookup.profile_for_device(device)
        return profile


def register(
    app: FastAPI,
    service: EdgeService,
    *,
    payments: PaymentProvider | None = None,
    profiles: ProfileLookup | None = None,
) -> RoomsContext:
    """Add the fitting-room routes to ``app`` and their start/stop to ``service``; returns the context
    (also on ``app.state.rooms``)."""
    idle = service.settings.session_idle_s
    grace = max(30.0, 1.5 * service.layout.presence.exit_timeout_s)
    lookup: ProfileLookup = profiles or ServiceProfiles(service)

    def member_of(device: str) -> str | None:
        profile = lookup.profile_for_device(device)
        return profile.member_id if profile is not None else None

    manager = SessionManager(
        machine=FittingRooms(
            [r.id for r in service.layout.fitting_rooms],
            idle_timeout_s=idle,
            abandoned_after_s=service.settings.session_abandoned_s,
            resume_grace_s=grace,
        ),
        engine=service.db,
        catalog=ServiceCatalog(service),
        store_id=service.layout.store.id,
        member_of=member_of,
    )
    hub = live.LiveHub()
    ctx = RoomsContext(
        layout=service.layout,
        db=service.db,
        catalog=ServiceCatalog(service),
        manager=manager,
        profiles=lookup,
        payments=payments or PayAtBagDesk(),
        presence=service.engine.snapshot,
    )
    metrics = _room_metrics(service, hub)
    ctx.metrics = metrics
    manager.on_session_ended = lambda ended: _count_end(metrics, ended)
    app.state.rooms = ctx
    app.state.live = hub
    for router in (mirror_api.router, associate_api.router, live.router, media.router):
        app.include_router(router)
    _start_with(service, manager, hub)
    return ctx


def _start_with(service: EdgeService, manager: SessionManager, hub: live.LiveHub) -> None:
    executor: ThreadPoolExecutor | None = None
    pending: list[PresenceEvent] = []
    unsubscribe: list[Callable[[], None]] = []

    async def on_start() -> None:
        nonlocal executor
        loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fitting-rooms")
        bus = service.bus

        def notify(topic: str, payload: Any) -> None:
            # RuntimeError: the loop is closing, nobody is listening any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(bus.publish, topic, payload)

        manager.notify = notify
        unsubscribe.append(hub.attach(bus))
        await loop.run_in_executor(executor, manager.resume, time.time())

        def flush() -> None:
            batch = pending[:]
            pending.clear()
            if batch and executor is not None:
                executor.submit(manager.apply_presence, batch).add_done_callback(_log_failure)

        def on_presence(_topic: str, event: Any) -> None:
            if isinstance(event, PresenceEvent):
                pending.append(event)
                if len(pending) == 1:
                    loop.call_soon(flush)  # gather the rest of this burst into one transaction

        unsubscribe.append(bus.subscribe(PRESENCE_TOPIC, on_presence))

        def rooms_of(device: str) -> None:
            for room_id in manager.rooms_with_device(device):
                manager.notify(ROOM_CHANGED, room_id)

        def on_profile(_topic: str, device: Any) -> None:
            # A shopper's profile just arrived: their room's mirror can greet them and re-rank suggestions.
            if executor is not None:  # the manager's lock is taken off the loop
                executor.submit(rooms_of, str(device)).add_done_callback(_log_failure)

        unsubscribe.append(bus.subscribe(PROFILE_TOPIC, on_profile))

        def on_erased(_topic: str, member_id: Any) -> None:
            if executor is not None:
                executor.submit(manager.forget_member, str(member_id)).add_done_callback(_log_failure)

        unsubscribe.append(bus.subscribe(ERASED_TOPIC, on_erased))

    async def tick_forever() -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(TICK_S)
            if executor is not None:
                try:
                    await loop.run_in_executor(executor, manager.tick, time.time())
                except Exception:
                    log.exception("fitting rooms: session tick failed")

    async def on_stop() -> None:
        nonlocal executor
        for off in unsubscribe:
            off()
        unsubscribe.clear()
        if executor is not None:
            if pending:
                batch = pending[:]
                pending.clear()
                executor.submit(manager.apply_presence, batch).add_done_callback(_log_failure)
            await asyncio.to_thread(executor.shutdown, wait=True)
            executor = None

    service.on_startup(on_start)
    service.on_shutdown(on_stop)
    service.add_task("fitting-rooms-tick", tick_forever)  # runs from start to stop, each time


_METRICS: weakref.WeakKeyDictionary[CollectorRegistry, RoomMetrics] = weakref.WeakKeyDictionary()


def _room_metrics(service: EdgeService, hub: live.LiveHub) -> RoomMetrics:
    """One set per registry: building a second app around the same service reuses them."""
    registry = service.metrics.registry
    metrics = _METRICS.get(registry)
    if metrics is None:
        metrics = RoomMetrics(registry, live_connections=lambda: hub.connections)
        _METRICS[registry] = metrics
    return metrics


def _count_end(metrics: RoomMetrics, ended: SessionEnded) -> None:
    metrics.sessions_ended.inc()
    metrics.go_back_items.inc(len(ended.leftovers))


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("fitting rooms: background database work failed", exc_info=exc)
