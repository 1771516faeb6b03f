"""How cloud sync plugs into the edge: the composition root (``edge.compose``) builds one ``CloudSync``
from the parts it hands over, and wires it in. Cloud sync meets the edge only through ``edge.ports``
and the bus topics of ``edge.topics``:

- ``profiles`` is a ``ProfileLookup`` (suggestions, the mirror's greeting, the console);
- the ``CloudSync`` itself is a ``SyncStatusSource`` (``GET /api/sync/status``, ``fitroom_sync_*`` metrics);
- the catalog pulls replace the edge's ``ReplaceableCatalog``;
- it publishes ``PROFILE_ARRIVED`` (a device whose profile just arrived) and ``MEMBER_ERASED`` (a member
  to forget), and follows ``PRESENCE`` to fetch the profiles of shoppers walking in.

The worker runs only when a central store is configured (``config``); without one the profile directory
stays empty and the status reads the ledger with the state ``disabled``.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.engine import Engine

from cloud_sync.profiles import ProfileDirectory
from cloud_sync.worker import SyncConfig, SyncWorker, ledger_status
from edge.bus import EventBus
from edge.ports import ReplaceableCatalog, SyncStatus, WorkerState
from edge.topics import MEMBER_ERASED, PRESENCE, PROFILE_ARRIVED

__all__ = ["CloudSync"]


class CloudSync:
    """The edge's side of cloud sync: the worker (when configured) and the shopper profile directory."""

    def __init__(
        self,
        *,
        db: Engine,
        bus: EventBus,
        catalog: ReplaceableCatalog,
        config: SyncConfig | None,
    ) -> None:
        self._db = db
        self._bus = bus
        self.profiles = ProfileDirectory()
        self.worker: SyncWorker | None = None
        if config is not None:
            self.worker = SyncWorker(
                db,
                config,
                profiles=self.profiles,
                catalog_get=catalog.current,
                catalog_set=catalog.replace,
                on_erased=[lambda member_id: bus.publish(MEMBER_ERASED, member_id)],
                on_profile=lambda device: bus.publish(PROFILE_ARRIVED, device),
            )

    async def on_startup(self) -> None:
        """Follow the shoppers walking in (each start: the bus drops its subscribers when the edge stops)."""
        if self.worker is not None:
            self._bus.subscribe(PRESENCE, self.worker.on_presence)

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
        return ledger_status(self._db, now=time.time(), state=WorkerState.DISABLED)
