"""An edge app for mirror/associate API tests: the real edge (``build_edge``) with its
own SQLite file, the demo layout and catalog, and a broker address nobody listens on (no MQTT needed)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from cloud_sync.edge_hookup import CloudSync
from edge.catalog.model import Sku, Style
from edge.compose import build_edge
from edge.config import DEMO_CATALOG, EdgeSettings
from edge.credentials import add_associate, issue_mirror_token
from edge.epc import encode_sgtin96
from edge.presence.events import EventType, PresenceEvent
from edge.service import EdgeService
from edge.web.context import RoomsContext
from tests.broker import free_port
from tests.conftest import DEMO_LAYOUT

__all__ = ["MirrorEdge", "eventually", "mirror_edge", "served_edge", "settings_for"]


@dataclass
class MirrorEdge:
    service: EdgeService
    app: FastAPI
    client: TestClient
    ctx: RoomsContext
    db_path: Path
    sync: CloudSync

    def token(self, room_id: str) -> str:
        return issue_mirror_token(self.service.db, room_id)

    def mirror(self, room_id: str) -> dict[str, str]:
        """Headers of a mirror device of ``room_id``."""
        return {"Authorization": f"Bearer {self.token(room_id)}"}

    def associate(
        self, associate_id: str = "ana", first_name: str = "Ana", pin: str = "1234"
    ) -> dict[str, str]:
        """Create an associate and sign in; returns bearer headers."""
        add_associate(self.service.db, associate_id=associate_id, first_name=first_name, pin=pin)
        response = self.client.post("/api/associate/login", json={"associate_id": associate_id, "pin": pin})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def style(self, index: int = 0, *, category: str | None = None) -> Style:
        styles = [s for s in self.service.catalog.styles if category is None or s.category == category]
        return styles[index]

    def sku_in_stock(self, style: Style, *, skip: int = 0) -> Sku:
        stock = self.service.catalog.stock_of
        return [s for s in style.skus if stock(s.gtin).in_store > 0][skip]

    def put_in_room(self, room_id: str, sku: Sku, serial: int, *, t: float | None = None) -> str:
        """Apply an item_entered event as presence would; returns the EPC."""
        epc = encode_sgtin96(sku.gtin, serial)
        event = PresenceEvent(t or time.time(), EventType.ITEM_ENTERED, room_id, epc=epc, gtin=sku.gtin)
        self.ctx.manager.apply_presence([event])
        return epc

    def shopper_in(self, room_id: str, device: str, *, t: float | None = None) -> None:
        """A shopper's phone enters the room and stays there (presence's ``shopper_stayed``, which comes
        once it has been heard there longer than a passer-by is, told at once)."""
        at = t or time.time()
        kinds = (EventType.SHOPPER_ENTERED, EventType.SHOPPER_STAYED)
        self.ctx.manager.apply_presence([PresenceEvent(at, kind, room_id, device=device) for kind in kinds])

    def take_out(self, room_id: str, epc: str, *, t: float | None = None) -> None:
        self.ctx.manager.apply_presence(
            [PresenceEvent(t or time.time(), EventType.ITEM_LEFT, room_id, epc=epc)]
        )


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns a truthy value (returned) or the time is up (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def settings_for(db_path: Path, **overrides: Any) -> EdgeSettings:
    values: dict[str, Any] = {
        "layout": DEMO_LAYOUT,
        "db_url": f"sqlite:///{db_path}",
        "mqtt_url": f"mqtt://127.0.0.1:{free_port()}",
        "mqtt_client_id": f"test-mirror-{uuid.uuid4().hex[:8]}",
        "environment": "development",  # a test's central store is plain http on 127.0.0.1
    }
    values.update(overrides)
    return EdgeSettings(**values)


@contextmanager
def mirror_edge(db_path: Path, **overrides: Any) -> Iterator[MirrorEdge]:
    """A started edge app (lifespan run) on ``db_path``; stopped when the block ends."""
    edge = build_edge(settings_for(db_path, **overrides))
    with TestClient(edge.app) as client:
        yield MirrorEdge(edge.service, edge.app, client, edge.app.state.rooms, db_path, edge.sync)


@asynccontextmanager
async def served_edge(
    tmp_path: Path, central_url: str | None, store_key: str | None, **more: str
) -> AsyncIterator[tuple[str, RoomsContext, Engine]]:
    """The whole edge (``build_edge``) on a free port, syncing to ``central_url`` (with ``more`` settings);
    no MQTT broker needed."""
    settings = settings_for(
        tmp_path / "edge.db", catalog=DEMO_CATALOG, central_url=central_url, store_key=store_key, **more
    )
    edge = build_edge(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            edge.app, host="127.0.0.1", port=port, lifespan="on", log_config=None, access_log=False
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}", edge.app.state.rooms, edge.service.db
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)
