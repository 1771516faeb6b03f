"""How cloud sync plugs into the edge: ``attach(service)`` in the composition root, ``register(app,
service)`` in the web app factory.

With ``FITROOM_CENTRAL_URL`` and ``FITROOM_STORE_KEY`` set, the sync worker runs as one of the service's
background tasks; without them the edge runs exactly as before and ``/api/sync/status`` says
``"enabled": false`` while still counting the backlog. Nothing here waits for the central store.

Other parts of the edge may use ``service.cloud_sync.profiles`` (a ``ProfileLookup`` for suggestions and
the console) and the bus topics this publishes: ``"profile"`` (a device id whose profile just arrived)
and ``"member_erased"`` (a member id: drop whatever you hold of them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request

from cloud_sync.profiles import ProfileDirectory
from cloud_sync.status import SyncStatus, WorkerState
from cloud_sync.sync_metrics import SyncCollector
from cloud_sync.worker import SyncConfig, SyncWorker, ledger_status
from edge.catalog.model import Catalog

if TYPE_CHECKING:
    from edge.service import EdgeService

__all__ = ["CloudSync", "attach", "register"]

log = logging.getLogger(__name__)

PROFILE_TOPIC = "profile"
ERASED_TOPIC = "member_erased"


class CloudSync:
    """The edge's side of cloud sync: the worker (when configured) and the shopper profile directory."""

    def __init__(self, service: EdgeService) -> None:
        self._service = service
        self.profiles = ProfileDirectory()
        settings = service.settings
        key = settings.store_key.get_secret_value() if settings.store_key else ""
        self.worker: SyncWorker | None = None
        if settings.central_url and key:
            self.worker = SyncWorker(
                service.db,
                SyncConfig(central_url=settings.central_url, store_key=key, store_id=service.layout.store.id),
                profiles=self.profiles,
                catalog_get=self._get_catalog,
                catalog_set=self._set_catalog,
                on_erased=[self._publish_erased],
                on_profile=lambda device: service.bus.publish(PROFILE_TOPIC, device),
            )
        elif settings.central_url:
            log.warning("FITROOM_CENTRAL_URL is set but FITROOM_STORE_KEY is not: cloud sync is off")

    def _get_catalog(self) -> Catalog:
        return self._service.catalog

    def _set_catalog(self, catalog: Catalog) -> None:
        self._service.catalog = catalog

    def _publish_erased(self, member_id: str) -> None:
        self._service.bus.publish(ERASED_TOPIC, member_id)

    async def on_startup(self) -> None:
        # The ledger's tables are the edge's migrations' (the service migrates before its start-up hooks).
        if self.worker is not None:
            # Subscribed at each start: the bus drops its subscribers when the service stops.
            self._service.bus.subscribe("presence", self.worker.on_presence)

    def notify(self) -> None:
        """Call after committing outbox rows to send them now instead of at the next poll."""
        if self.worker is not None:
            self.worker.notify()

    def status(self) -> dict[str, Any]:
        """Blocking (reads the database): ``sync_status()`` as JSON."""
        return self.sync_status().model_dump(mode="json")

    def sync_status(self) -> SyncStatus:
        """Blocking (reads the database): what ``GET /api/sync/status`` answers."""
        if self.worker is not None:
            return self.worker.sync_status()
        return ledger_status(self._service.db, now=time.time(), state=WorkerState.DISABLED)


def attach(service: EdgeService) -> CloudSync:
    """Build cloud sync for ``service`` and hook it into the service's start-up and background tasks."""
    sync = CloudSync(service)
    service.metrics.registry.register(SyncCollector(sync.status))
    service.on_startup(sync.on_startup)
    if sync.worker is not None:
        service.add_task("cloud-sync", sync.worker.run)
    return sync


router = APIRouter(tags=["sync"])


@router.get("/api/sync/status", response_model=SyncStatus)
async def sync_status(request: Request) -> SyncStatus:
    """Outbox backlog, its oldest event's age, events ever acknowledged (``sent_total``, persisted),
    ``last_success`` (Unix time of the last acknowledgement), and the worker's live state."""
    sync: CloudSync = request.app.state.cloud_sync
    return await asyncio.to_thread(sync.sync_status)


def register(app: FastAPI, service: EdgeService) -> None:
    """Serve ``/api/sync/status``; attaches cloud sync if the composition root has not already."""
    sync = getattr(service, "cloud_sync", None)
    if not isinstance(sync, CloudSync):
        sync = attach(service)
    app.state.cloud_sync = sync
    app.include_router(router)
