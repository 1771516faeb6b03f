"""The central store's app factory: no module-level engine or settings, so each test gets its own."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Literal

from fastapi import FastAPI, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from cloud_sync.central import (
    admin_page,
    routes_admin,
    routes_kpis,
    routes_offers,
    routes_reservations,
    routes_store,
    routes_work,
)
from cloud_sync.central.db import make_engine, migrate
from cloud_sync.central.errors import install_error_handlers
from cloud_sync.central.mailer import run_mailer
from cloud_sync.central.metrics import CentralMetrics
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.webhooks import run_webhooks

__all__ = ["Health", "create_app", "create_worker_app"]


class Health(BaseModel):
    status: Literal["ok"]


def create_app(
    settings: CentralSettings | None = None, *, engine: Engine | None = None, run_migrations: bool = True
) -> FastAPI:
    """Build the API. Migrates the schema to head unless told not to; starts the follow-up mailer when
    an SMTP host is configured."""
    settings = settings or CentralSettings()
    engine = engine or make_engine(settings.db_url)
    if run_migrations:
        migrate(engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mailer = asyncio.create_task(run_mailer(engine, settings, metrics)) if settings.smtp_host else None
        hooks = settings.order_webhook_url or settings.app_webhook_url
        webhooks = asyncio.create_task(run_webhooks(engine, settings)) if hooks else None
        try:
            yield
        finally:
            for task in (mailer, webhooks):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    app = FastAPI(title="fitroom central profile store", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.ingest_gate = threading.BoundedSemaphore(settings.max_concurrent_ingests)
    metrics = app.state.metrics = CentralMetrics()
    app.include_router(routes_store.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_offers.router)
    app.include_router(routes_reservations.router)
    app.include_router(routes_kpis.router)
    app.include_router(routes_work.router)
    app.include_router(admin_page.router)
    install_error_handlers(app)

    @app.get("/healthz", tags=["ops"], response_model=Health)
    def healthz() -> Health:
        return Health(status="ok")

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def prometheus() -> Response:
        """Prometheus text exposition."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return app


def create_worker_app() -> FastAPI:
    """The app of one of several server processes: settings from the environment, schema already
    migrated by the parent (concurrent migrations would race)."""
    return create_app(CentralSettings(), run_migrations=False)
