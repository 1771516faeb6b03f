"""The central profile store's API, on the real PostgreSQL and on SQLite: store keys, cross-store 403,
idempotent ingest, profiles, incremental catalog/stock pulls, erasure, admin stats and the schema."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cloud_sync.central.app import create_app
from cloud_sync.central.db import make_engine
from cloud_sync.central.models import CentralModel, Store
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from tests.central_support import ADMIN_TOKEN, add_store, database_url

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BEACON_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
SHIRT_M, SHIRT_L, SCARF = "04012345000016", "04012345000023", "04012345000030"


def style(
    style_id: str, name: str, skus: list[tuple[str, str, str]], category: str = "tops", price: int = 3999
) -> dict[str, Any]:
    return {
        "id": style_id,
        "name": name,
        "brand": "Northwind",
        "category": category,
        "price_cents": price,
        "skus": [{"gtin": g, "size": s, "colour": c, "colour_hex": "#336699"} for g, s, c in skus],
    }


CATALOG = {
    "styles": [
        style("ST-1", "Linen shirt", [(SHIRT_M, "M", "Blue"), (SHIRT_L, "L", "Blue")]),
        style("ST-2", "Silk scarf", [(SCARF, "One size", "Red")], category="accessories", price=2500),
    ],
    "co_purchases": [["ST-1", "ST-2", 12]],
    "online": [{"gtin": SHIRT_M, "online": 40}, {"gtin": SHIRT_L, "online": 0}],
}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path / "central.db") as url:
        yield url


@pytest.fixture
def keys(db_url: str) -> dict[str, str]:
    """Two stores: the first registered through the real CLI, the second directly (faster)."""
    first = add_store(db_url, "s1", "Flagship")
    engine = make_engine(db_url)
    with Session(engine) as session:
        second = create_store(session, store_id="s2", name="Outlet", now=time.time())
        session.commit()
    engine.dispose()
    return {"s1": first, "s2": second}


@pytest.fixture
def client(db_url: str, keys: dict[str, str]) -> Iterator[TestClient]:
    app = create_app(CentralSettings(db_url=db_url, admin_token=ADMIN_TOKEN))
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def event(
    event_id: str, kind: str = "purchase", store: str = "s1", member: str | None = "m-1", **payload: Any
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": kind,
        "store_id": store,
        "created_at": time.time(),
        "member_id": member,
        "payload": payload,
    }


def test_add_store_prints_a_key_that_is_stored_only_hashed(db_url: str, keys: dict[str, str]) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        stores = {s.id: s for s in session.exec(select(Store)).all()}
    engine.dispose()
    assert set(stores) == {"s1", "s2"}
    assert stores["s1"].key_hash == hashlib.sha256(keys["s1"].encode()).hexdigest()
    assert keys["s1"] not in {s.key_hash for s in stores.values()}
    assert keys["s1"] != keys["s2"]


def test_a_store_key_cannot_touch_another_stores_data(client: TestClient, keys: dict[str, str]) -> None:
    k1 = auth(keys["s1"])
    assert client.get("/v1/stores/s1", headers=k1).status_code == 200
    assert client.get("/v1/stores/s2", headers=k1).status_code == 403
    assert client.get("/v1/stores/s2/stock", headers=k1).status_code == 403
    assert (
        client.post(
            "/v1/stores/s2/events", headers=k1, json={"events": [event("x1", store="s2")]}
        ).status_code
        == 403
    )
    # Writing into one's own path an event that claims another store is refused whole.
    mixed = {"events": [event("x2"), event("x3", store="s2")]}
    assert client.post("/v1/stores/s1/events", headers=k1, json=mixed).status_code == 403
    assert client.get("/v1/admin/stats", headers=ADMIN).json()["events"] == {}


def test_no_key_or_an_unknown_key_is_401(client: TestClient) -> None:
    assert client.get("/v1/stores/s1").status_code == 401
    assert client.get("/v1/stores/s1", headers=auth("frs_not-a-key")).status_code == 401
    assert client.get("/v1/catalog", headers=auth("frs_not-a-key")).status_code == 401


def test_admin_routes_need_the_admin_token(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/v1/admin/stats").status_code == 401
    assert client.get("/v1/admin/stats", headers=auth(keys["s1"])).status_code == 403
    assert client.delete("/v1/profiles/m-1", headers=auth(keys["s1"])).status_code == 403


def test_a_retried_batch_is_stored_once(client: TestClient, keys: dict[str, str]) -> None:
    batch = {
        "events": [
            event(f"e{i}", kind)
            for i, kind in enumerate(["purchase", "session_ended", "size_request", "go_back"])
        ]
    }
    first = client.post("/v1/stores/s1/events", headers=auth(keys["s1"]), json=batch).json()
    again = client.post("/v1/stores/s1/events", headers=auth(keys["s1"]), json=batch).json()
    assert (first["accepted"], first["duplicates"]) == (4, 0)
    assert (again["accepted"], again["duplicates"]) == (0, 4)
    assert sorted(again["acked"]) == ["e0", "e1", "e2", "e3"]
    metrics = client.get("/metrics").text
    assert 'fitroom_central_events_total{outcome="accepted"} 4.0' in metrics
    assert 'fitroom_central_events_total{outcome="duplicate"} 4.0' in metrics
    stats = client.get("/v1/admin/stats", headers=ADMIN).json()
    assert stats == {
        "stores": 2,
        "profiles": 1,
        "events": {"purchase": 1, "session_ended": 1, "size_request": 1, "go_back": 1},
        "dead_letters": 0,
    }


def test_a_store_cannot_shadow_another_stores_event_ids(client: TestClient, keys: dict[str, str]) -> None:
    for store in ("s1", "s2"):
        ack = client.post(
            f"/v1/stores/{store}/events",
            headers=auth(keys[store]),
            json={"events": [event("same-id", "go_back", store=store, member=None)]},
        ).json()
        assert ack["accepted"] == 1
    assert client.get("/v1/admin/stats", headers=ADMIN).json()["events"] == {"go_back": 2}


def test_an_invalid_event_is_rejected_alone(client: TestClient, keys: dict[str, str]) -> None:
    bad = event("bad-1")
    bad["created_at"] = "yesterday"
    ack = client.post(
        "/v1/stores/s1/events", headers=auth(keys["s1"]), json={"events": [event("ok-1"), bad]}
    ).json()
    assert ack["acked"] == ["ok-1"]
    assert [r["event_id"] for r in ack["rejected"]] == ["bad-1"]
    assert "created_at" in ack["rejected"][0]["error"]


def test_odd_payloads_never_fail_a_batch(client: TestClient, keys: dict[str, str]) -> None:
    odd_items = [
        {
            "gtin": SHIRT_M,
            "name": {"nested": 1},
            "size": 38,
            "colour": "x" * 500,
            "price_cents": 10**12,
            "currency": "EURO",
        },
        {"gtin": "E28011700000020"},
        {"gtin": 4012345000016},
        "not-a-gtin",
        None,
    ]
    events = [
        event("odd-1", "purchase", items=odd_items),
        event(
            "odd-2",
            "session_ended",
            room_id={"no": "room"},
            started_at="noon",
            items=odd_items,
            purchases=[{"gtins": "all"}, "x"],
        ),
        event("odd-3", "size_request", item={"gtin": True}, gtin=["x"]),
        event("odd-4", "email_opt_in", member=None, email=["a@b.c"], consent="yes", items=odd_items),
    ]
    response = client.post("/v1/stores/s1/events", headers=auth(keys["s1"]), json={"events": events})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 4
    bought = client.get("/v1/admin/profiles/m-1", headers=ADMIN).json()["purchases"]
    assert [(p["gtin"], p["size"], len(p["colour"])) for p in bought] == [(SHIRT_M, "38", 64)]


def test_ingest_sheds_load_with_503_and_retry_after(client: TestClient, keys: dict[str, str]) -> None:
    gate = client.app.state.ingest_gate  # type: ignore[attr-defined]
    held = 0
    while gate.acquire(blocking=False):
        held += 1
    try:
        response = client.post(
            "/v1/stores/s1/events", headers=auth(keys["s1"]), json={"events": [event("a")]}
        )
    finally:
        for _ in range(held):
            gate.release()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1


def test_catalog_and_stock_are_pulled_incrementally(client: TestClient, keys: dict[str, str]) -> None:
    k1 = auth(keys["s1"])
    assert client.put("/v1/admin/catalog", headers=ADMIN, json=CATALOG).status_code == 200
    stock = {"stock": [{"gtin": SHIRT_M, "floor": 3, "stockroom": 2}, {"gtin": SCARF, "floor": 1}]}
    assert client.put("/v1/admin/stores/s1/stock", headers=ADMIN, json=stock).status_code == 200
    assert (
        client.put(
            "/v1/admin/stores/s2/stock", headers=ADMIN, json={"stock": [{"gtin": SHIRT_L, "floor": 9}]}
        ).status_code
        == 200
    )

    first = client.get("/v1/catalog", headers=k1, params={"since": 0, "limit": 1}).json()
    assert first["more"] and len(first["styles"]) == 1
    rest = client.get("/v1/catalog", headers=k1, params={"since": first["version"]}).json()
    assert {s["id"] for s in first["styles"] + rest["styles"]} == {"ST-1", "ST-2"}
    assert rest["co_purchases"] == [["ST-1", "ST-2", 12]] and not rest["more"]

    levels = client.get("/v1/stores/s1/stock", headers=k1).json()
    by_gtin = {r["gtin"]: r for r in levels["stock"]}
    assert by_gtin[SHIRT_M] == {"gtin": SHIRT_M, "floor": 3, "stockroom": 2, "online": 40}
    assert by_gtin[SHIRT_L]["floor"] == 0  # s2's 9 units are not s1's

    renamed = {
        "styles": [
            style("ST-2", "Silk scarf (new season)", [(SCARF, "One size", "Red")], category="accessories")
        ]
    }
    client.put("/v1/admin/catalog", headers=ADMIN, json=renamed)
    changed = client.get("/v1/catalog", headers=k1, params={"since": rest["version"]}).json()
    assert [s["name"] for s in changed["styles"]] == ["Silk scarf (new season)"]
    client.put("/v1/admin/stores/s1/stock", headers=ADMIN, json={"stock": [{"gtin": SCARF, "floor": 0}]})
    delta = client.get("/v1/stores/s1/stock", headers=k1, params={"since": levels["version"]}).json()
    assert [r["gtin"] for r in delta["stock"]] == [SCARF]


def test_erasure_removes_the_profile_and_feeds_every_edge(client: TestClient, keys: dict[str, str]) -> None:
    client.put(
        "/v1/admin/profiles/m-9",
        headers=ADMIN,
        json={
            "email": "nine@example.org",
            "email_consent": True,
            "beacons": [{"uuid": BEACON_UUID, "major": 1, "minor": 9}],
        },
    )
    client.post(
        "/v1/stores/s1/events",
        headers=auth(keys["s1"]),
        json={"events": [event("before", member="m-9", gtin=SHIRT_M)]},
    )
    assert client.delete("/v1/profiles/m-9", headers=ADMIN).status_code == 204
    assert client.delete("/v1/profiles/m-9", headers=ADMIN).status_code == 204  # idempotent

    assert client.get("/v1/admin/profiles/m-9", headers=ADMIN).status_code == 404
    query = {"uuid": BEACON_UUID, "major": 1, "minor": 9}
    assert client.post("/v1/profiles/by-beacon", headers=auth(keys["s1"]), json=query).status_code == 404
    for key in keys.values():
        feed = client.get("/v1/erasures", headers=auth(key), params={"since": 0}).json()
        assert [e["member_id"] for e in feed["erasures"]] == ["m-9"]
        assert (
            client.get("/v1/erasures", headers=auth(key), params={"since": feed["cursor"]}).json()["erasures"]
            == []
        )
    late = client.post(
        "/v1/stores/s2/events",
        headers=auth(keys["s2"]),
        json={"events": [event("late", store="s2", member="m-9", gtin=SHIRT_M)]},
    ).json()
    assert late["acked"] == ["late"] and late["discarded"] == 1
    stats = client.get("/v1/admin/stats", headers=ADMIN).json()
    assert stats["profiles"] == 0 and stats["events"] == {"purchase": 1}


def test_migrations_build_exactly_the_models_schema(db_url: str, keys: dict[str, str]) -> None:
    engine = make_engine(db_url)  # add-store migrated it with Alembic
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), CentralModel.metadata)
    engine.dispose()
    assert diffs == []
