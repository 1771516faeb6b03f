"""The central profile store's profiles: one per member across beacons, purchases, sessions and online
orders, enrolment that changes nothing the second time, and rotating beacon codes (PostgreSQL and SQLite)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.test_central_api import (  # noqa: F401 - db_url, keys and client are the fixtures
    ADMIN,
    BEACON_UUID,
    CATALOG,
    SCARF,
    SHIRT_L,
    SHIRT_M,
    auth,
    client,
    db_url,
    event,
    keys,
)


def test_profile_by_beacon_unifies_purchases_and_sessions(
    client: TestClient,  # noqa: F811
    keys: dict[str, str],  # noqa: F811
) -> None:
    client.put("/v1/admin/catalog", headers=ADMIN, json=CATALOG)
    enrol = {
        "beacons": [{"uuid": BEACON_UUID.replace("-", "").upper(), "major": 100, "minor": 42}],
        "favourite_brands": ["Northwind"],
    }
    assert client.put("/v1/admin/profiles/m-1", headers=ADMIN, json=enrol).status_code == 200
    # The payloads as the edge's outbox writes them (edge/storage/tasks.py, email_lists.py, fitting_rooms.py).
    events = [
        event(
            "p1",
            "purchase",
            items=[{"epc": "30740000", "gtin": SHIRT_M, "price_cents": 3999}],
            channel="fitting_room",
            room_id="fr-2",
        ),
        event(
            "p2",
            "purchase",
            store="s2",
            channel="fitting_room",
            items=[{"epc": "30740001", "gtin": SCARF, "price_cents": 2500}],
        ),
        event(
            "s1",
            "session_ended",
            room_id="fr-2",
            started_at=1.0,
            ended_at=2.0,
            items=[
                {"epc": "30740000", "gtin": SHIRT_M},
                {"epc": "30740002", "gtin": SHIRT_L},
                {"epc": "E28011", "gtin": None},
            ],
            purchases=[{"purchase_id": 1, "gtins": [SHIRT_M], "total_cents": 3999}],
        ),
        event("r1", "size_request", gtin=SHIRT_L, item={"gtin": SHIRT_L, "size": "L", "colour": "Blue"}),
    ]
    client.post(
        "/v1/stores/s1/events", headers=auth(keys["s1"]), json={"events": [events[0], events[2], events[3]]}
    )
    client.post("/v1/stores/s2/events", headers=auth(keys["s2"]), json={"events": [events[1]]})

    query = {"uuid": BEACON_UUID, "major": 100, "minor": 42}
    profile = client.post("/v1/profiles/by-beacon", headers=auth(keys["s2"]), json=query).json()
    assert profile["member_id"] == "m-1"
    assert profile["preferred_sizes"] == {"tops": "M", "accessories": "One size"}
    assert {p["store_id"] for p in profile["purchases"]} == {"s1", "s2"}
    assert {p["channel"] for p in profile["purchases"]} == {"fitting_room"}
    assert profile["sessions"] == 1
    assert [(u["gtin"], u["size"]) for u in profile["unbought"]] == [(SHIRT_L, "L")]
    assert "email" not in profile
    unknown = client.post("/v1/profiles/by-beacon", headers=auth(keys["s1"]), json={**query, "minor": 43})
    assert unknown.status_code == 404


def test_enrolling_twice_changes_nothing_and_keeps_what_was_left_out(
    client: TestClient,  # noqa: F811
    keys: dict[str, str],  # noqa: F811
) -> None:
    enrol = {
        "preferred_sizes": {"tops": "L"},
        "favourite_colours": ["Teal"],
        "beacons": [{"uuid": BEACON_UUID, "major": 7, "minor": 7}],
    }
    first = client.put("/v1/admin/profiles/m-6", headers=ADMIN, json=enrol).json()
    consent = {"email": "six@example.org", "email_consent": True}
    client.put("/v1/admin/profiles/m-6", headers=ADMIN, json=consent)
    again = client.put("/v1/admin/profiles/m-6", headers=ADMIN, json=enrol).json()
    assert again == {**first, "has_email_consent": True}  # same counts, email kept
    found = client.post(
        "/v1/profiles/by-beacon", headers=auth(keys["s1"]), json={"uuid": BEACON_UUID, "major": 7, "minor": 7}
    )
    assert found.status_code == 200


def test_the_centre_issues_rotating_beacon_codes(
    client: TestClient,  # noqa: F811
    keys: dict[str, str],  # noqa: F811
) -> None:
    client.put("/v1/admin/profiles/m-3", headers=ADMIN, json={"favourite_colours": ["Teal"]})
    first = client.post("/v1/admin/profiles/m-3/beacon-code", headers=ADMIN, json={"major": 100})
    assert first.status_code == 201
    code = first.json()
    assert code["uuid"] == BEACON_UUID and code["major"] == 100 and 1 <= code["minor"] <= 65535
    found = client.post("/v1/profiles/by-beacon", headers=auth(keys["s1"]), json=code).json()
    assert found["member_id"] == "m-3"
    second = client.post("/v1/admin/profiles/m-3/beacon-code", headers=ADMIN, json={"major": 100}).json()
    assert second["minor"] != code["minor"]  # rotated: the old code no longer names anyone
    assert client.post("/v1/profiles/by-beacon", headers=auth(keys["s1"]), json=code).status_code == 404
    assert client.post("/v1/profiles/by-beacon", headers=auth(keys["s1"]), json=second).status_code == 200
    assert (
        client.post("/v1/admin/profiles/nobody/beacon-code", headers=ADMIN, json={"major": 1}).status_code
        == 404
    )


def test_online_orders_join_the_profile_once(
    client: TestClient,  # noqa: F811
    keys: dict[str, str],  # noqa: F811
) -> None:
    client.put("/v1/admin/catalog", headers=ADMIN, json=CATALOG)
    order = {"order_id": "WEB-1001", "member_id": "m-4", "items": [{"gtin": SCARF, "price_cents": 2200}]}
    assert client.post("/v1/admin/online-orders", headers=ADMIN, json=order).json()["accepted"] == 1
    assert client.post("/v1/admin/online-orders", headers=ADMIN, json=order).json()["duplicates"] == 1
    profile = client.get("/v1/admin/profiles/m-4", headers=ADMIN).json()
    bought = [(p["channel"], p["gtin"], p["price_cents"]) for p in profile["purchases"]]
    assert bought == [("online", SCARF, 2200)]
