"""The app factory: ``create_app(...)`` builds the edge's FastAPI app around the parts the composition
root (``edge.compose``) hands it.

No module-level app or service: tests build as many as they like, each with its own broker and database.
The app's lifespan starts the edge and stops it (uvicorn runs the lifespan on start and on SIGINT /
SIGTERM); while it runs, the live hub follows the bus so mirrors and the console are pushed each change.
The web layer runs nothing of the edge itself: sessions, ingest and cloud sync run without it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from edge.fitting_rooms.lights import RoomLights
from edge.fitting_rooms.manager import SessionManager
from edge.fitting_rooms.metrics import RoomMetrics
from edge.payments import CheckoutProvider, PayAtBagDesk, PaymentProvider
from edge.ports import ProfileLookup, SyncStatusSource
from edge.queue.line import QueueLine
from edge.reservations.desk import ReservationDesk
from edge.service import EdgeService
from edge.web import (
    arrivals,
    associate_api,
    errors,
    lighting_api,
    live,
    manager_api,
    manager_page,
    manager_tables,
    media,
    mirror_api,
    ops,
    orders_api,
    pages,
    queue_api,
    queue_screen,
    replies_api,
    reservations_api,
    rooms,
    sync,
)
from edge.web.context import RoomsContext

__all__ = ["create_app"]


def create_app(
    service: EdgeService,
    *,
    manager: SessionManager,
    room_metrics: RoomMetrics,
    profiles: ProfileLookup,
    sync_status: SyncStatusSource,
    payments: PaymentProvider | None = None,
    checkout: CheckoutProvider | None = None,
    reservations: ReservationDesk | None = None,
    queue: QueueLine | None = None,
    lights: RoomLights | None = None,
) -> FastAPI:
    """The edge's web app. Its lifespan calls ``service.start()`` and ``service.stop()``; the mirror and
    associate routes share one ``RoomsContext`` (``app.state.rooms``)."""
    hub = live.LiveHub()
    room_metrics.count_live_connections(lambda: hub.connections)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        detach = hub.attach(service.bus)
        try:
            yield
        finally:
            detach()
            await service.stop()

    # The schema stays at /openapi.json; FastAPI's /docs and /redoc pages load their scripts from a CDN,
    # which a store network (and the mirror's CSP) does not allow.
    app = FastAPI(
        title=f"fitroom edge · {service.layout.store.id}",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    desk = reservations or ReservationDesk()
    app.state.rooms = RoomsContext(
        layout=service.layout,
        db=service.db,
        catalog=service.catalogs,
        manager=manager,
        profiles=profiles,
        payments=payments or PayAtBagDesk(),
        presence=service.engine.snapshot,
        metrics=room_metrics,
        reservations=desk,  # the mirror of a reserved room greets its member
        checkout=checkout,
    )
    app.state.live = hub
    app.state.sync_status = sync_status
    app.state.reservations = desk
    app.state.queue = queue or QueueLine(len(service.layout.fitting_rooms))
    app.state.lights = lights
    errors.install(app)  # domain errors (edge.errors) -> HTTP status and message
    for router in (
        ops.router,
        rooms.router,
        pages.router,
        mirror_api.router,
        orders_api.router,
        orders_api.associate_router,
        orders_api.payments_router,
        lighting_api.router,
        associate_api.router,
        replies_api.associate_router,
        replies_api.mirror_router,
        reservations_api.router,
        arrivals.router,
        queue_api.router,
        queue_screen.router,
        manager_api.router,
        manager_tables.router,
        manager_page.router,
        live.router,
        media.router,
        sync.router,
    ):
        app.include_router(router)
    return app
