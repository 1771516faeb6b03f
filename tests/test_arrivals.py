"""Concierge arrivals on a started edge: a known shopper's phone seen at the entrance shows the arrival
card's fields on ``GET /api/associate/shoppers`` (reservation, sizes, purchases on every channel, wanted
sizes marked when in stock here, language, last visit), an associate takes the arrival and the others see
it at once on their console's WebSocket, and neither the member id nor an email address ever appears."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from cloud_sync import wire
from edge.reads import BleSighting
from edge.reservations.desk import Reservation
from edge.storage.models import FittingRoomSession
from edge.topics import PROFILE_ARRIVED
from tests.mirror_support import MirrorEdge, eventually, mirror_edge

PHONE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-44"


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def test_an_arrival_card_carries_the_whole_profile_and_can_be_taken(edge: MirrorEdge) -> None:
    catalog = edge.service.catalog
    in_stock = edge.sku_in_stock(edge.style(1))
    gone = next(
        (sku for st in catalog.styles for sku in st.skus if catalog.stock_of(sku.gtin).in_store == 0), None
    )
    assert gone is not None, "the demo catalog has a size out of stock"
    bought = edge.sku_in_stock(edge.style(2))
    profile = wire.ShopperProfile(
        member_id="member-44",
        first_name="Maya",
        language="de",
        preferred_sizes={"tops": "M"},
        purchases=[
            wire.ProfilePurchaseOut(
                gtin=bought.gtin, name="Bought", channel="online", purchased_at=time.time()
            )
        ],
        unbought=[
            wire.ProfileItem(gtin=gone.gtin, size=gone.size),
            wire.ProfileItem(gtin=in_stock.gtin, size=in_stock.size),
            wire.ProfileItem(gtin=bought.gtin, size=bought.size),  # bought since: never suggested again
        ],
        last_visit_at=time.time() - 3 * 86400,
    )
    edge.sync.profiles.store(PHONE, profile, time.time())
    desk = edge.app.state.reservations
    desk.load(
        [
            Reservation(
                "r-44", "member-44", "Maya", (in_stock.gtin,), 0.0, time.time() + 600, None, "requested"
            )
        ]
    )
    assert edge.client.portal is not None
    now = time.time()
    for t in (now, now + 1, now + 2):
        sighting = BleSighting(
            node_id="omg-entrance", room_id="entrance", device_id=PHONE, rssi=-60.0, distance_m=1.0
        )
        edge.client.portal.call(edge.service.engine.observe, sighting, t)

    ana, ben = edge.associate(), edge.associate("ben", "Ben", "4321")
    response = edge.client.get("/api/associate/shoppers", headers=ana)
    (card,) = response.json()
    assert card["first_name"] == "Maya" and card["language"] == "de"
    assert card["preferred_sizes"] == {"tops": "M"}
    assert card["reservation"]["id"] == "r-44" and card["reservation"]["items"][0]["gtin"] == in_stock.gtin
    assert [(p["gtin"], p["channel"]) for p in card["last_purchases"]] == [(bought.gtin, "online")]
    assert [(w["gtin"], w["in_stock_here"]) for w in card["wanted"]] == [
        (in_stock.gtin, True),
        (gone.gtin, False),
    ]
    assert card["last_visit_s_ago"] == pytest.approx(3 * 86400, abs=60)
    assert card["taken_by"] is None
    assert "member-44" not in response.text and "@" not in response.text and PHONE not in response.text

    ben_token = ben["Authorization"].removeprefix("Bearer ")
    with edge.client.websocket_connect(f"/ws/associate?token={ben_token}") as bens_console:
        assert bens_console.receive_json()["type"] == "tasks"
        opened = bens_console.receive_json()
        assert opened["type"] == "shoppers" and [c["taken_by"] for c in opened["data"]] == [None]
        taken = edge.client.post(f"/api/associate/shoppers/{card['arrival_id']}/take", headers=ana)
        assert taken.status_code == 200 and taken.json()["taken_by"] == "Ana"
        # Ben's console is told at once, over its WebSocket, not on its next poll.
        pushed = bens_console.receive_json()
        while pushed["type"] != "shoppers":
            pushed = bens_console.receive_json()
        assert [(c["arrival_id"], c["taken_by"]) for c in pushed["data"]] == [(card["arrival_id"], "Ana")]
        assert "member-44" not in str(pushed) and PHONE not in str(pushed)
    (seen,) = edge.client.get("/api/associate/shoppers", headers=ben).json()
    assert seen["taken_by"] == "Ana"
    assert edge.client.post("/api/associate/shoppers/nobody/take", headers=ben).status_code == 404


def test_a_profile_arriving_late_links_the_open_session(edge: MirrorEdge) -> None:

    now = time.time()
    edge.put_in_room("fr-2", edge.sku_in_stock(edge.style(0)), 5, t=now)
    edge.shopper_in("fr-2", PHONE, t=now + 1)  # the phone joins before the centre has answered

    def member() -> str | None:
        with Session(edge.service.db) as db:
            row = db.exec(select(FittingRoomSession).where(FittingRoomSession.room_id == "fr-2")).one()
            return row.member_id

    assert member() is None
    edge.sync.profiles.store(PHONE, wire.ShopperProfile(member_id="member-44"), time.time())
    assert edge.client.portal is not None
    edge.client.portal.call(edge.service.bus.publish, PROFILE_ARRIVED, PHONE)
    assert eventually(lambda: member() == "member-44", timeout=10)
