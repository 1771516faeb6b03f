"""The composition root: ``build_edge(settings)`` builds one store's whole edge, and ``fitroom-edge run``
serves it.

This is the one place that knows every part and connects them: storage (the database engine), ingest
(MQTT adapter, decoders, pipeline), presence, the fitting-room sessions and their worker, cloud sync (its
worker runs when ``FITROOM_CENTRAL_URL`` and ``FITROOM_STORE_KEY`` are set) and the web app. Parts meet
through the bus (``edge.topics``) and the ports (``edge.ports``); none of them builds another.
``build_headless`` builds the same edge without the web app: sessions, ingest and sync run all the same.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from cloud_sync.edge_hookup import CloudSync
from cloud_sync.offers_pull import pull_offers_forever
from cloud_sync.reservations_pull import ReservationPull
from cloud_sync.sync_metrics import SyncCollector
from cloud_sync.worker import SyncConfig
from edge.bus import EventBus
from edge.catalog.model import Catalog, load_catalog
from edge.catalog.source import CatalogSource, FixedCatalog
from edge.checkout_http import HostedCheckout
from edge.config import FLAGS, EdgeSettings, SettingsError, load_settings
from edge.fitting_rooms.lights import RoomLights
from edge.fitting_rooms.manager import SessionManager
from edge.fitting_rooms.metrics import RoomMetrics
from edge.fitting_rooms.worker import SessionWorker
from edge.ingest.deadletter import SqlDeadLetterSink
from edge.ingest.llrp import LlrpIngest, LlrpUnavailable
from edge.ingest.mqtt import MqttIngest
from edge.ingest.pipeline import IngestPipeline
from edge.layout import Layout, LayoutError, load_layout
from edge.metrics import EdgeMetrics
from edge.offers_nearby import OffersNearby
from edge.payments import CheckoutProvider, PaymentProvider
from edge.presence import PresenceEngine
from edge.queue.line import QueueLine
from edge.radio_memory import RadioMemory
from edge.reservations.desk import ReservationDesk
from edge.reservations.sensing import ReservationSensing
from edge.service import EdgeService, OffLoopDeadLetters
from edge.sessions.changes import SessionEnded
from edge.sessions.machine import FittingRooms
from edge.storage.db import make_engine
from edge.storage.health import StorageHealth
from edge.storage.queue_tickets import RecordedQueue
from edge.topics import ROOM_CHANGED, TASKS_CHANGED
from edge.web.app import create_app

__all__ = [
    "Edge",
    "HeadlessEdge",
    "StartupError",
    "add_arguments",
    "build_edge",
    "build_headless",
    "main",
    "session_manager",
]

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The edge cannot start with this configuration; the message says which setting and why."""


@dataclass(frozen=True, slots=True)
class HeadlessEdge:
    """One store's edge without its web app. ``await service.start()`` / ``stop()`` run all of it."""

    service: EdgeService
    sessions: SessionWorker
    room_metrics: RoomMetrics
    sync: CloudSync
    reservations: ReservationSensing
    queue: QueueLine
    lights: RoomLights


@dataclass(frozen=True, slots=True)
class Edge(HeadlessEdge):
    """One store's whole edge; serving ``app`` (its lifespan) starts and stops ``service``."""

    app: FastAPI


def session_manager(
    settings: EdgeSettings,
    layout: Layout,
    db: Engine,
    catalogs: CatalogSource,
    member_of: Callable[[str], str | None],
) -> SessionManager:
    """The store's fitting-room sessions on ``db`` (the edge's; also the demo's history writer)."""
    return SessionManager(
        machine=FittingRooms(
            [r.id for r in layout.fitting_rooms],
            idle_timeout_s=settings.session_idle_s,
            abandoned_after_s=settings.session_abandoned_s,
            # A garment worn when the edge restarted is silent about worn_s before presence reads it again.
            resume_grace_s=max(30.0, layout.presence.worn_s),
        ),
        engine=db,
        catalog=catalogs,
        store_id=layout.store.id,
        member_of=member_of,
        # What head office needs to draw the store's figures as the store does (each session_ended).
        store_facts={
            "timezone": layout.store.timezone,
            "fitting_rooms": len(layout.fitting_rooms),
            "request_target_s": layout.store.request_target_s,
        },
    )


def build_headless(
    settings: EdgeSettings,
    *,
    layout: Layout | None = None,
    catalog: Catalog | None = None,
) -> HeadlessEdge:
    """Every part but the web app; raises ``StartupError`` naming the setting when the layout or catalog is
    bad. Nothing runs until ``service.start()``."""
    layout = layout if layout is not None else _load_layout(settings)
    catalogs = FixedCatalog(catalog if catalog is not None else _load_catalog(settings))
    db = make_engine(settings.db_url)
    metrics = EdgeMetrics()
    StorageHealth(metrics.registry).watch(db)  # fitroom_disk_full, fitroom_storage_write_errors_total
    engine = PresenceEngine(layout)
    bus = EventBus()
    # Sampled (a few per kind per minute), buffered in memory and written by the service's task in a thread.
    dead_letters = SqlDeadLetterSink(db, batch_size=1_000_000)
    pipeline = IngestPipeline(
        layout,
        engine,
        metrics=metrics,
        dead_letters=OffLoopDeadLetters(dead_letters),
        app_beacon_uuid=settings.app_beacon_uuid,
    )
    endpoint = settings.mqtt_endpoint()
    mqtt = MqttIngest(
        host=endpoint.host,
        port=endpoint.port,
        tls=endpoint.tls,
        username=endpoint.username,
        password=endpoint.password,
        ca_file=str(settings.mqtt_ca_file) if settings.mqtt_ca_file else None,
        client_id=settings.client_id_for(layout.store.id),
        subscriptions=pipeline.subscriptions(),
        queue_size=settings.queue_size,
        on_dropped=metrics.count_dropped,
        keepalive_s=settings.mqtt_keepalive_s,
    )
    # Readers that speak only LLRP: the edge drives them; their reads join the same pipeline.
    try:
        llrp = LlrpIngest.for_layout(layout, metrics=metrics, queue_size=settings.queue_size)
    except LlrpUnavailable as exc:
        raise StartupError(f"FITROOM_LAYOUT (--layout): {exc}") from None
    service = EdgeService(
        settings=settings,
        layout=layout,
        catalog=catalogs,
        db=db,
        metrics=metrics,
        engine=engine,
        bus=bus,
        dead_letters=dead_letters,
        pipeline=pipeline,
        mqtt=mqtt,
        llrp=llrp,
    )
    # What presence learned of the store's radio survives a restart (taken back before the first read).
    radio = RadioMemory(db, engine.radio)
    service.on_startup(radio.recall)
    service.on_shutdown(radio.keep)
    service.add_task("presence-radio", radio.keep_forever)

    # Cloud sync first: it follows presence before the sessions do, as it always has.
    sync = CloudSync(db=db, bus=bus, catalog=catalogs, config=_sync_config(settings, layout))
    metrics.registry.register(SyncCollector(sync.status))
    service.on_startup(sync.on_startup)
    if sync.worker is not None:
        service.add_task("cloud-sync", sync.worker.run)

    room_metrics = RoomMetrics(metrics.registry)
    profiles = sync.profiles

    def member_of(device: str) -> str | None:
        profile = profiles.profile_for_device(device)
        return profile.member_id if profile is not None else None

    manager = session_manager(settings, layout, db, catalogs, member_of)
    # Offers: pulled like the catalog (mirrors refresh when they change), and sent to members' phones.
    nearby = OffersNearby(db=db, bus=bus, layout=layout, profiles=profiles)
    service.on_startup(nearby.start)
    sync_config = _sync_config(settings, layout)
    if sync_config is not None:

        def offers_changed() -> None:
            for room in layout.fitting_rooms:
                bus.publish(ROOM_CHANGED, room.id)

        service.add_task(
            "offers-pull", lambda: pull_offers_forever(db, sync_config, on_change=offers_changed)
        )
    sessions = SessionWorker(manager, bus)
    service.on_startup(sessions.start)
    service.on_shutdown(sessions.stop)
    service.add_task("fitting-rooms-tick", sessions.tick_forever)
    reservations = _reservations(service, sync, manager, member_of)
    queue = RecordedQueue(len(layout.fitting_rooms), db=db, store_id=layout.store.id)
    service.on_startup(queue.load)

    def session_ended(ended: SessionEnded) -> None:
        room_metrics.session_ended(ended)
        reservations.session_ended(ended)
        # The room is released by sensing: the next walk-in ticket is called to it, unless a reservation
        # is ready there (a prepared room is held for its member).
        held = reservations.desk.held_room(ended.room_id)
        if held is not None and held.status == "ready":
            queue.measure(started_at=ended.started_at, ended_at=ended.t)
        elif queue.room_released(ended.room_id, started_at=ended.started_at, ended_at=ended.t) is not None:
            sessions.manager.notify(TASKS_CHANGED, None)

    manager.on_session_ended = session_ended
    # Lights: welcome when a session starts, idle when it ends (edge/fitting_rooms/lights.py).
    lights = RoomLights(layout, mqtt.publish)

    def light_follows(_topic: object, room_id: str) -> None:
        if lights.has_light(room_id):
            lights.session_seen(room_id, manager.snapshot(room_id).session_id)

    bus.subscribe(ROOM_CHANGED, light_follows)
    return HeadlessEdge(
        service=service,
        sessions=sessions,
        room_metrics=room_metrics,
        sync=sync,
        reservations=reservations,
        queue=queue,
        lights=lights,
    )


def _reservations(
    service: EdgeService, sync: CloudSync, manager: SessionManager, member_of: Callable[[str], str | None]
) -> ReservationSensing:
    """Reserve to try: the desk, pulled from the centre (when sync runs) and moved on by sensing."""
    desk = ReservationDesk()
    sensing = ReservationSensing(
        desk=desk, manager=manager, bus=service.bus, db=service.db, member_of=member_of, on_outbox=sync.notify
    )
    service.on_startup(sensing.start)
    service.add_task("reservations-tick", sensing.tick_forever)
    worker = sync.worker
    if worker is not None:
        pull = ReservationPull(
            client=lambda: worker.client,
            store_id=service.layout.store.id,
            desk=desk,
            on_changed=sensing.pulled,
        )
        service.add_task("reservations-pull", pull.run)
    return sensing


def build_edge(
    settings: EdgeSettings,
    *,
    layout: Layout | None = None,
    catalog: Catalog | None = None,
    payments: PaymentProvider | None = None,
) -> Edge:
    """The whole edge: ``build_headless`` and the web app around it (``payments`` defaults to paying at
    the bag desk). Raises ``StartupError`` like ``build_headless``."""
    headless = build_headless(settings, layout=layout, catalog=catalog)
    app = create_app(
        headless.service,
        manager=headless.sessions.manager,
        room_metrics=headless.room_metrics,
        profiles=headless.sync.profiles,
        sync_status=headless.sync,
        payments=payments,
        checkout=_checkout(settings),
        reservations=headless.reservations.desk,
        queue=headless.queue,
        lights=headless.lights,
    )
    return Edge(
        service=headless.service,
        sessions=headless.sessions,
        room_metrics=headless.room_metrics,
        sync=headless.sync,
        reservations=headless.reservations,
        queue=headless.queue,
        lights=headless.lights,
        app=app,
    )


def _checkout(settings: EdgeSettings) -> CheckoutProvider | None:
    """The payment provider's hosted checkout for ship-to-home orders, when one is configured."""
    if not settings.payment_url or settings.payment_secret is None:
        return None
    return HostedCheckout(settings.payment_url, settings.payment_secret.get_secret_value())


def _sync_config(settings: EdgeSettings, layout: Layout) -> SyncConfig | None:
    key = settings.store_key.get_secret_value() if settings.store_key else ""
    if settings.central_url and key:
        return SyncConfig(central_url=settings.central_url, store_key=key, store_id=layout.store.id)
    if settings.central_url:
        log.warning("FITROOM_CENTRAL_URL is set but FITROOM_STORE_KEY is not: cloud sync is off")
    return None


def _load_layout(settings: EdgeSettings) -> Layout:
    if settings.layout is None:
        raise StartupError("FITROOM_LAYOUT (--layout): a store layout is required")
    try:
        return load_layout(settings.layout)
    except LayoutError as exc:
        raise StartupError(f"FITROOM_LAYOUT (--layout): {exc}") from None


def _load_catalog(settings: EdgeSettings) -> Catalog:
    if settings.catalog is None:
        log.warning("no catalog configured (FITROOM_CATALOG): rooms will show EPC and GTIN only")
        return Catalog()
    try:
        return load_catalog(settings.catalog)
    except (OSError, ValidationError) as exc:
        raise StartupError(f"FITROOM_CATALOG (--catalog): {settings.catalog}: {exc}") from None


# -- fitroom-edge run ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``fitroom-edge run``; each overrides its ``FITROOM_*`` environment variable."""
    parser.add_argument("--layout", help="store layout TOML (FITROOM_LAYOUT)")
    parser.add_argument("--host", help="address to serve on (FITROOM_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to serve on (FITROOM_PORT, default 8000)")
    parser.add_argument("--mqtt-url", dest="mqtt_url", help="broker URL (FITROOM_MQTT_URL)")
    parser.add_argument("--db-url", dest="db_url", help="database URL (FITROOM_DB_URL)")
    parser.add_argument("--catalog", help="catalog JSON (FITROOM_CATALOG)")


def build(args: argparse.Namespace) -> Edge:
    """Settings from the environment and flags, then the edge; raises SettingsError / StartupError."""
    settings = load_settings({key: getattr(args, key, None) for key in FLAGS})
    return build_edge(settings)


def main(args: argparse.Namespace) -> int:
    """``fitroom-edge run``: serve until SIGINT/SIGTERM. Exit 2 on bad settings, before anything starts."""
    import uvicorn

    try:
        edge = build(args)
    except (SettingsError, StartupError) as exc:
        print(f"fitroom-edge: {exc}", file=sys.stderr)
        return 2
    settings = edge.service.settings
    config = uvicorn.Config(
        edge.app,
        host=settings.host,
        port=settings.port,
        lifespan="on",
        log_config=None,  # keep our logging set-up
        access_log=False,
    )
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to whatever handler was
    # there before it. Installing a no-op one first makes a signalled, clean stop exit 0.
    previous = {sig: signal.signal(sig, _ignore_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    except SystemExit as exc:  # uvicorn exits this way when it cannot bind
        return exc.code if isinstance(exc.code, int) else 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if server.started else 1


def _ignore_signal(_sig: int, _frame: FrameType | None) -> None:
    return None
