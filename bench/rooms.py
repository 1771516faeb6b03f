"""Fitting-room latencies on a real edge app (``build_edge`` with the demo layout and catalog, SQLite file
in a temp dir, a broker address nobody listens on).

Measures: presence events applied to sessions (one per transaction, and a burst of 200 in one), the
mirror's room view build with every room stocked, and ``GET /api/mirror/{room}`` end to end.

    .venv/bin/python bench/rooms.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient

from edge.compose import build_edge
from edge.config import EdgeSettings
from edge.credentials import issue_mirror_token
from edge.epc import encode_sgtin96
from edge.presence.events import EventType, PresenceEvent
from edge.service import EdgeService
from edge.topics import PRESENCE
from edge.web.context import RoomsContext, build_room_view
from simulators.demo_broker import free_port

DEMO_LAYOUT = Path(__file__).resolve().parent.parent / "deploy" / "layouts" / "demo.toml"

ROOMS = ["fr-1", "fr-2", "fr-3", "fr-4", "fr-5", "fr-6"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = EdgeSettings(
            layout=DEMO_LAYOUT,
            db_url=f"sqlite:///{Path(tmp) / 'edge.db'}",
            mqtt_url=f"mqtt://127.0.0.1:{free_port()}",
        )
        edge = build_edge(settings)
        with TestClient(edge.app) as client:
            measure(edge.app.state.rooms, client, edge.service)
    return 0


def measure(ctx: RoomsContext, client: TestClient, service: EdgeService) -> None:
    catalog = service.catalog
    skus = [k for s in catalog.styles for k in s.skus if catalog.stock_of(k.gtin).in_store > 0]
    manager = ctx.manager

    single: list[float] = []
    for n in range(48):  # 8 items into each of 6 rooms, one transaction each
        sku = skus[(n * 97) % len(skus)]
        event = PresenceEvent(
            time.time(),
            EventType.ITEM_ENTERED,
            ROOMS[n % 6],
            epc=encode_sgtin96(sku.gtin, n),
            gtin=sku.gtin,
        )
        start = time.perf_counter()
        manager.apply_presence([event])
        single.append(time.perf_counter() - start)
    print(
        f"presence -> session, 1 event per transaction: median {ms(statistics.median(single))}, "
        f"max {ms(max(single))} (n={len(single)})"
    )

    burst = [
        PresenceEvent(
            time.time(),
            EventType.ITEM_ENTERED,
            ROOMS[k % 6],
            epc=encode_sgtin96(skus[(k * 31) % len(skus)].gtin, 10_000 + k),
            gtin=skus[(k * 31) % len(skus)].gtin,
        )
        for k in range(200)
    ]
    start = time.perf_counter()
    manager.apply_presence(burst)
    took = time.perf_counter() - start
    print(f"presence -> session, burst of 200 in one transaction: {ms(took)} ({200 / took:.0f} events/s)")

    views: list[float] = []
    items = 0
    for i in range(60):
        start = time.perf_counter()
        items = len(build_room_view(ctx, ROOMS[i % 6]).items)
        views.append(time.perf_counter() - start)
    views.sort()
    print(
        f"room view ({items} items in the room): median {ms(statistics.median(views))}, "
        f"p95 {ms(views[int(len(views) * 0.95) - 1])}"
    )

    # Presence event published on the bus -> the mirror's WebSocket carries the item.
    pushes: list[float] = []
    portal = client.portal
    assert portal is not None
    with client.websocket_connect(f"/ws/mirror/fr-6?token={issue_mirror_token(service.db, 'fr-6')}") as ws:
        ws.receive_json()
        for k in range(20):
            sku = skus[(k * 53) % len(skus)]
            epc = encode_sgtin96(sku.gtin, 50_000 + k)
            event = PresenceEvent(time.time(), EventType.ITEM_ENTERED, "fr-6", epc=epc, gtin=sku.gtin)
            start = time.perf_counter()
            portal.call(service.bus.publish, PRESENCE, event)
            while epc not in {i["epc"] for i in ws.receive_json()["data"]["items"]}:
                pass
            pushes.append(time.perf_counter() - start)
    pushes.sort()
    print(
        f"presence event -> mirror WebSocket push: median {ms(statistics.median(pushes))}, "
        f"max {ms(pushes[-1])} (n={len(pushes)})"
    )

    headers = {"Authorization": f"Bearer {issue_mirror_token(service.db, 'fr-1')}"}
    gets: list[float] = []
    for _ in range(30):
        start = time.perf_counter()
        client.get("/api/mirror/fr-1", headers=headers).raise_for_status()
        gets.append(time.perf_counter() - start)
    print(f"GET /api/mirror/fr-1 (in-process client): median {ms(statistics.median(gets))}")


if __name__ == "__main__":
    raise SystemExit(main())
