"""Cloud sync inside the real edge (``EdgeService`` + ``create_app``): ``/api/sync/status``, mirror
purchases reaching a real central store, catalog pulled into the edge, a walking-in shopper's profile,
and an erasure that the edge applies."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG
from edge.presence.events import EventType, PresenceEvent
from edge.topics import PRESENCE
from tests.broker import free_port
from tests.central_support import CentralServer, central_for_edge
from tests.mirror_support import eventually, mirror_edge

STORE = "store-042"  # the demo layout's store
APP_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
PHONE = f"iBeacon:{APP_UUID}-100-77"


@pytest.fixture(params=["postgresql", "sqlite"])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[CentralServer, str]]:
    yield from central_for_edge(request.param, tmp_path, STORE)


def test_sync_status_without_a_central_store_still_counts_the_backlog(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db") as edge:
        epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(5)), 3)
        bought = edge.client.post(
            "/api/mirror/fr-1/purchases", headers=edge.mirror("fr-1"), json={"epcs": [epc]}
        )
        assert bought.status_code == 201
        status = edge.client.get("/api/sync/status").json()
    assert status["enabled"] is False and status["state"] == "disabled"
    assert status["backlog"] == 1 and status["sent_total"] == 0 and status["last_success"] is None
    assert status["oldest_age_s"] >= 0


def test_the_edge_starts_and_serves_with_the_centre_unreachable(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with mirror_edge(tmp_path / "edge.db", central_url=nowhere, store_key="frs_unused") as edge:
        assert len(edge.service.catalog.styles) > 0  # its own catalog, the centre never answered
        epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(5)), 3)
        bought = edge.client.post(
            "/api/mirror/fr-1/purchases", headers=edge.mirror("fr-1"), json={"epcs": [epc]}
        )
        assert bought.status_code == 201
        status = eventually(
            lambda: (s := edge.client.get("/api/sync/status").json())["state"] == "retrying" and s, timeout=30
        )
    assert status["enabled"] is True and status["backlog"] == 1 and status["sent_total"] == 0
    assert status["last_error"] == "ConnectError" and status["retry_in_s"] is not None


def test_the_edge_and_the_centre_exchange_events_catalog_profiles_and_erasures(
    central: tuple[CentralServer, str], tmp_path: Path
) -> None:
    server, key = central
    demo = load_catalog(DEMO_CATALOG)
    renamed = demo.styles[5].model_copy(update={"name": "Named by the central store"})
    assert (
        server.admin(
            "PUT", "/v1/admin/catalog", json={"styles": [renamed.model_dump(mode="json")]}
        ).status_code
        == 200
    )
    enrol = {"preferred_sizes": {"tops": "M"}, "beacons": [{"uuid": APP_UUID, "major": 100, "minor": 77}]}
    assert server.admin("PUT", "/v1/admin/profiles/m-77", json=enrol).status_code == 200

    with mirror_edge(tmp_path / "edge.db", central_url=server.url, store_key=key) as edge:
        service = edge.service
        # Central -> edge: the catalog change arrives without a restart.
        eventually(lambda: service.catalog.by_style[renamed.id].name == renamed.name, timeout=60)

        # Edge -> central: a mirror purchase is sent and acknowledged.
        epc = edge.put_in_room("fr-1", edge.sku_in_stock(service.catalog.by_style[renamed.id]), 3)
        edge.client.post("/api/mirror/fr-1/purchases", headers=edge.mirror("fr-1"), json={"epcs": [epc]})
        # Sent and acknowledged: the count of sent events can move a moment before the backlog does.
        status = eventually(
            lambda: (
                (s := edge.client.get("/api/sync/status").json())["sent_total"] >= 1
                and s["backlog"] == 0
                and s
            ),
            timeout=60,
        )
        assert status["enabled"] is True and status["last_success"] > 0
        assert server.stats()["events"] == {"purchase": 1}
        metrics = edge.client.get("/metrics").text
        assert "fitroom_sync_sent_total 1.0" in metrics and "fitroom_sync_backlog 0.0" in metrics

        # A shopper with the app walks in: the edge fetches their profile before any fitting room.
        # Published on the service's event loop, as the presence pipeline does.
        entered = PresenceEvent(time.time(), EventType.SHOPPER_ENTERED, "entrance", device=PHONE)
        edge.client.portal.call(service.bus.publish, PRESENCE, entered)  # type: ignore[union-attr]
        profile = eventually(lambda: edge.sync.profiles.profile_for_device(PHONE), timeout=30)
        assert profile.member_id == "m-77" and dict(profile.preferred_sizes) == {"tops": "M"}

        # Erasure: the edge drops its copy.
        assert server.admin("DELETE", "/v1/profiles/m-77").status_code == 204
        worker = edge.sync.worker
        assert worker is not None
        edge.client.portal.call(worker.erasures_once)  # type: ignore[union-attr]  # instead of the 15 s poll
        assert edge.sync.profiles.profile_for_device(PHONE) is None
