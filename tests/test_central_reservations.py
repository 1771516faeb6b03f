"""Reserve to try at the central store, on the real PostgreSQL and on SQLite: the chain's back end reserves
(admin bearer), bad requests are 422 with a message, the edge pulls its store's list and reports statuses,
cancel, and erasure removes the member's reservations."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cloud_sync.central.app import create_app
from cloud_sync.central.settings import CentralSettings
from tests.central_support import ADMIN_TOKEN, add_store, database_url

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SHIRT_M, SCARF = "04012345000016", "04012345000030"
CATALOG = {
    "styles": [
        {
            "id": "ST-1",
            "name": "Linen shirt",
            "brand": "Northwind",
            "category": "tops",
            "price_cents": 3999,
            "skus": [
                {"gtin": SHIRT_M, "size": "M", "colour": "Blue", "colour_hex": "#336699"},
                {"gtin": SCARF, "size": "One size", "colour": "Red", "colour_hex": "#aa3333"},
            ],
        }
    ]
}


@pytest.fixture(params=["sqlite", "postgresql"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with database_url(request.param, tmp_path / "central.db") as url:
        keys = {"s1": add_store(url, "s1", "Flagship"), "s2": add_store(url, "s2", "Outlet")}
        app = create_app(CentralSettings(db_url=url, admin_token=ADMIN_TOKEN))
        with TestClient(app) as client:
            assert client.put("/v1/admin/catalog", headers=ADMIN, json=CATALOG).status_code == 200
            client.put("/v1/admin/profiles/m-1", headers=ADMIN, json={"first_name": "Maya"})
            yield client, keys
        app.state.engine.dispose()


def iso(offset_s: float) -> str:
    return datetime.fromtimestamp(time.time() + offset_s, UTC).isoformat()


def body(**over: Any) -> dict[str, Any]:
    base = {
        "member_id": "m-1",
        "store_id": "s1",
        "gtins": [SHIRT_M, SCARF],
        "arrive_from": iso(600),
        "arrive_until": iso(4200),
        "note": "after work",
    }
    return {**base, **over}


def report(client: TestClient, key: str, store: str, rid: str, status: str, room: str | None) -> None:
    """What an edge's outbox sends when sensing moves a reservation on."""
    event = {
        "event_id": f"rs-{store}-{status}-{time.monotonic_ns()}",
        "type": "reservation_status",
        "store_id": store,
        "created_at": time.time(),
        "payload": {"reservation_id": rid, "status": status, "room_id": room},
    }
    sent = client.post(
        f"/v1/stores/{store}/events", headers={"Authorization": f"Bearer {key}"}, json={"events": [event]}
    )
    assert sent.status_code == 200 and sent.json()["accepted"] == 1


def test_a_reservation_is_made_read_pulled_reported_and_cancelled(
    setup: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = setup
    made = client.post("/v1/reservations", headers=ADMIN, json=body())
    assert made.status_code == 201
    assert made.json()["status"] == "requested" and set(made.json()) == {"id", "status"}
    rid = made.json()["id"]
    got = client.get(f"/v1/reservations/{rid}", headers=ADMIN).json()
    assert got["gtins"] == [SHIRT_M, SCARF] and got["note"] == "after work" and got["room_id"] is None

    s1 = {"Authorization": f"Bearer {keys['s1']}"}
    s2 = {"Authorization": f"Bearer {keys['s2']}"}
    assert [r["id"] for r in client.get("/v1/stores/s1/reservations", headers=s1).json()] == [rid]
    assert client.get("/v1/stores/s2/reservations", headers=s2).json() == []
    assert client.get("/v1/stores/s1/reservations", headers=s2).status_code == 403
    report(client, keys["s2"], "s2", rid, "ready", "fr-9")  # another store's edge: ignored
    assert client.get(f"/v1/reservations/{rid}", headers=ADMIN).json()["status"] == "requested"

    report(client, keys["s1"], "s1", rid, "ready", "fr-2")
    got = client.get(f"/v1/reservations/{rid}", headers=ADMIN).json()
    assert (got["status"], got["room_id"]) == ("ready", "fr-2")

    assert client.delete(f"/v1/reservations/{rid}", headers=ADMIN).json()["status"] == "cancelled"
    report(client, keys["s1"], "s1", rid, "arrived", None)
    assert client.get(f"/v1/reservations/{rid}", headers=ADMIN).json()["status"] == "cancelled"
    assert client.get("/v1/reservations/nope", headers=ADMIN).status_code == 404


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"member_id": "m-404"}, "unknown member"),
        ({"store_id": "s9"}, "unknown store"),
        ({"gtins": [SHIRT_M, "09999999999999"]}, "unknown GTIN 09999999999999"),
        ({"arrive_from": iso(-7200), "arrive_until": iso(-3600)}, "in the past"),
        ({"arrive_from": iso(13 * 86400), "arrive_until": iso(15 * 86400)}, "14 days"),
        ({"arrive_from": iso(3600), "arrive_until": iso(600)}, "after arrive_from"),
    ],
)
def test_bad_reservations_are_422_with_a_message(
    setup: tuple[TestClient, dict[str, str]], over: dict[str, Any], message: str
) -> None:
    client, _ = setup
    refused = client.post("/v1/reservations", headers=ADMIN, json=body(**over))
    assert refused.status_code == 422
    assert message in refused.json()["detail"]


def test_reserving_needs_the_admin_token(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = setup
    assert client.post("/v1/reservations", json=body()).status_code == 401
    store_key = {"Authorization": f"Bearer {keys['s1']}"}
    assert client.post("/v1/reservations", headers=store_key, json=body()).status_code == 403


def test_erasure_removes_the_members_reservations(setup: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = setup
    rid = client.post("/v1/reservations", headers=ADMIN, json=body()).json()["id"]
    assert client.delete("/v1/profiles/m-1", headers=ADMIN).status_code == 204
    assert client.get(f"/v1/reservations/{rid}", headers=ADMIN).status_code == 404
    s1 = {"Authorization": f"Bearer {keys['s1']}"}
    assert client.get("/v1/stores/s1/reservations", headers=s1).json() == []
