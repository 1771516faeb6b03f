"""The app factory: ``create_app(service)`` builds the edge's FastAPI app around one ``EdgeService``.

No module-level app or service: tests build as many as they like, each with its own broker and database.
The app's lifespan starts the service and stops it (uvicorn runs the lifespan on start and on SIGINT /
SIGTERM). Other parts of the edge add their routers here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from cloud_sync import edge_hookup as cloud_sync_hookup
from edge.web import errors, fitting_rooms, ops, pages, rooms

if TYPE_CHECKING:
    from edge.service import EdgeService

__all__ = ["create_app"]


def create_app(service: EdgeService) -> FastAPI:
    """The edge's web app. Its lifespan calls ``service.start()`` and ``service.stop()``."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
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
    errors.install(app)  # domain errors (edge.errors) -> HTTP status and message
    app.include_router(ops.router)
    app.include_router(rooms.router)
    app.include_router(pages.router)
    fitting_rooms.register(app, service)  # mirror, associate, live and media routes; session wiring
    cloud_sync_hookup.register(app, service)  # /api/sync/status
    return app
