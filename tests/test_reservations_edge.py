"""Reserve to try end to end, on a real central store (PostgreSQL and SQLite, its own process) and a
started edge: a reservation made at the centre reaches the edge, its garments sensed together in fr-2
make it ``ready`` in fr-2 and the centre shows it, the member's phone makes it ``arrived``, the console
lists it without a member id, a restart with the centre unreachable still has it as sensing left it,
and the member's erasure removes it from the edge (its database too)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import ANY

import pytest

from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG
from edge.presence.events import EventType, PresenceEvent
from edge.reservations.desk import Reservation, ReservationDesk
from edge.topics import PRESENCE
from tests.broker import free_port
from tests.central_support import CentralServer, central_for_edge
from tests.mirror_support import MirrorEdge, eventually, mirror_edge

STORE = "store-042"
APP_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
PHONE = f"iBeacon:{APP_UUID}-100-17"


@pytest.fixture(params=["postgresql", "sqlite"])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[CentralServer, str]]:
    yield from central_for_edge(request.param, tmp_path, STORE)


def iso(offset_s: float) -> str:
    return datetime.fromtimestamp(time.time() + offset_s, UTC).isoformat()


def listed(edge: MirrorEdge, headers: dict[str, str]) -> list[dict[str, object]]:
    response = edge.client.get("/api/associate/reservations", headers=headers)
    assert response.status_code == 200
    body: list[dict[str, object]] = response.json()
    return body


def test_a_reservation_is_made_ready_by_sensing_and_erased_with_its_member(
    central: tuple[CentralServer, str], tmp_path: Path
) -> None:
    server, key = central
    demo = load_catalog(DEMO_CATALOG)
    styles = [demo.styles[5], demo.styles[6]]
    assert (
        server.admin(
            "PUT", "/v1/admin/catalog", json={"styles": [s.model_dump(mode="json") for s in styles]}
        ).status_code
        == 200
    )
    enrol = {"first_name": "Maya", "beacons": [{"uuid": APP_UUID, "major": 100, "minor": 17}]}
    assert server.admin("PUT", "/v1/admin/profiles/m-17", json=enrol).status_code == 200
    skus = [styles[0].skus[0], styles[1].skus[0]]
    made = server.admin(
        "POST",
        "/v1/reservations",
        json={
            "member_id": "m-17",
            "store_id": STORE,
            "gtins": [s.gtin for s in skus],
            "arrive_from": iso(60),
            "arrive_until": iso(3600),
            "note": "size up if out",
        },
    )
    assert made.status_code == 201, made.text
    rid = made.json()["id"]

    with mirror_edge(tmp_path / "edge.db", central_url=server.url, store_key=key) as edge:
        ana = edge.associate()
        first = eventually(lambda: listed(edge, ana), timeout=30)
        assert first == [
            {
                "id": rid,
                "member_first_name": "Maya",
                "items": [
                    {"gtin": s.gtin, "name": st.name, "size": s.size, "colour": s.colour, "stock": ANY}
                    for s, st in zip(skus, styles, strict=True)
                ],
                "status": "requested",
                "room_id": None,
                "arrive_from": pytest.approx(time.time() + 60, abs=30),
                "arrive_until": pytest.approx(time.time() + 3600, abs=30),
                "note": "size up if out",
            }
        ]
        assert "m-17" not in edge.client.get("/api/associate/reservations", headers=ana).text

        # One garment in fr-2 is not enough; both together are, and nobody pressed anything.
        edge.put_in_room("fr-2", skus[0], 901)
        eventually(lambda: listed(edge, ana)[0]["status"] == "preparing", timeout=10)
        edge.put_in_room("fr-2", skus[1], 902)
        ready = eventually(lambda: (r := listed(edge, ana)[0])["status"] == "ready" and r, timeout=10)
        assert ready["room_id"] == "fr-2"
        at_centre = eventually(
            lambda: (r := server.admin("GET", f"/v1/reservations/{rid}").json())["status"] == "ready" and r,
            timeout=60,
        )
        assert at_centre["room_id"] == "fr-2"

        # The member's phone walks in: arrived (the profile came from the centre).
        entered = PresenceEvent(time.time(), EventType.SHOPPER_ENTERED, "entrance", device=PHONE)
        edge.client.portal.call(edge.service.bus.publish, PRESENCE, entered)  # type: ignore[union-attr]
        eventually(lambda: listed(edge, ana)[0]["status"] == "arrived", timeout=30)
        eventually(
            lambda: server.admin("GET", f"/v1/reservations/{rid}").json()["status"] == "arrived", timeout=60
        )

        def phone_in(room: str, *kinds: EventType) -> None:
            for kind in kinds:
                event = PresenceEvent(time.time(), kind, room, device=PHONE)
                edge.client.portal.call(edge.service.bus.publish, PRESENCE, event)  # type: ignore[union-attr]

        # On the way, the phone is placed in fr-2 for a moment as it passes the door: not in the room yet.
        phone_in("fr-2", EventType.SHOPPER_ENTERED, EventType.SHOPPER_LEFT)
        time.sleep(1.0)
        assert listed(edge, ana)[0]["status"] == "arrived"
        # In fr-2, and it stays (presence's shopper_stayed): in_room.
        phone_in("fr-2", EventType.SHOPPER_ENTERED, EventType.SHOPPER_STAYED)
        eventually(lambda: listed(edge, ana)[0]["status"] == "in_room", timeout=30)
        held = listed(edge, ana)

    # A restart with the central store unreachable: the console has the reservation at once, as sensing
    # left it (kept in the edge database, not waiting for the first pull).
    with mirror_edge(
        tmp_path / "edge.db", central_url=f"http://127.0.0.1:{free_port()}", store_key=key
    ) as edge:
        assert listed(edge, sign_in(edge)) == held
        assert held[0]["status"] == "in_room" and held[0]["room_id"] == "fr-2"

    with mirror_edge(tmp_path / "edge.db", central_url=server.url, store_key=key) as edge:
        ana = sign_in(edge)
        assert listed(edge, ana) == held
        # Erasure: gone at the centre and from the edge.
        assert server.admin("DELETE", "/v1/profiles/m-17").status_code == 204
        worker = edge.sync.worker
        assert worker is not None
        edge.client.portal.call(worker.erasures_once)  # type: ignore[union-attr]  # instead of the 15 s poll
        assert listed(edge, ana) == []
        assert server.admin("GET", f"/v1/reservations/{rid}").status_code == 404
    with sqlite3.connect(tmp_path / "edge.db") as db:
        assert db.execute("SELECT count(*) FROM reservation").fetchone() == (0,)
    # ... and it stays gone after another restart without the centre.
    with mirror_edge(
        tmp_path / "edge.db", central_url=f"http://127.0.0.1:{free_port()}", store_key=key
    ) as edge:
        assert listed(edge, sign_in(edge)) == []


def sign_in(edge: MirrorEdge) -> dict[str, str]:
    """Ana (created on the first start) signs in again after a restart."""
    response = edge.client.post("/api/associate/login", json={"associate_id": "ana", "pin": "1234"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def res(rid: str, member: str, gtins: tuple[str, ...], until: float = 1000.0) -> Reservation:
    return Reservation(rid, member, "Maya", gtins, 0.0, until, None, "requested")


def test_the_desk_follows_sensing_to_done_and_no_show() -> None:
    desk = ReservationDesk()
    desk.load([res("r1", "m1", ("A", "B")), res("r2", "m2", ("C",), until=50.0)])
    assert desk.room_sensed("fr-1", ["A"], shoppers=0)[0].status == "preparing"
    assert [(r.id, r.status, r.room_id) for r in desk.room_sensed("fr-1", ["A", "B"], shoppers=0)] == [
        ("r1", "ready", "fr-1")
    ]
    assert desk.room_sensed("fr-1", ["A", "B"], shoppers=0) == []  # no change, nothing reported twice
    assert desk.room_sensed("fr-3", ["C", "A", "B"], shoppers=0)[0].id == "r2"  # fr-1 is held: r1 stays
    assert desk.member_seen("m1", None, 10.0)[0].status == "arrived"
    assert desk.member_seen("m1", "fr-1", 11.0)[0].status == "in_room"
    assert desk.session_ended("fr-3") == []
    assert desk.session_ended("fr-1")[0].status == "done"
    desk.load([res("r3", "m3", ("D",), until=60.0)])  # r1, r2 no longer listed: dropped
    assert [(r.id, r.status, r.room_id) for r in desk.tick(61.0)] == [("r3", "no_show", None)]
    assert desk.forget_member("m3") == 1 and desk.all() == []
