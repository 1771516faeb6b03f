"""Reserve to try end to end over a real Mosquitto, as a store's devices drive it: a reservation made at a
real central store is pulled by the edge; an Impinj reader (its IoT format over MQTT) reports one reserved
garment in fr-2 (``preparing``), then both (``ready`` in fr-2); the member's phone, heard by the entrance's
OpenMQTTGateway, makes it ``arrived``, and heard by fr-2's ESPresense node ``in_room``; the garments go to
fr-4, the phone goes quiet, fr-2's session ends through the real pipeline and the reservation is ``done``.
Each step is checked on the console's API and the last ones at the central store."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG
from edge.credentials import add_associate
from edge.epc import encode_sgtin96
from tests.broker import Mosquitto
from tests.central_support import CentralServer, central_for_edge
from tests.conftest import DEMO_LAYOUT
from tests.live_edge import ImpinjReader, edge_settings, eventually, live_edge

pytestmark = pytest.mark.broker

STORE = "store-042"  # the demo layout's store
IMPINJ_TOPIC = "stores/store-042/rfid/impinj-a"  # antennas 1..4 -> fr-1..fr-4
APP_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
PHONE = f"iBeacon:{APP_UUID}-100-17"
# The phone as the entrance's OpenMQTTGateway decodes it (docs/formats.md §4) and as fr-2's ESPresense
# node reports it.
OMG_TOPIC = "home/omg-entrance/BTtoMQTT/6087574C9BC2"
OMG = {
    "id": "60:87:57:4C:9B:C2",
    "rssi": -70,
    "model_id": "IBEACON",
    "uuid": APP_UUID.replace("-", ""),
    "major": 100,
    "minor": 17,
    "txpower": -59,
}
ESPRESENSE_TOPIC = f"espresense/devices/{PHONE}/fr-2"
NODE_STATUS = ("espresense/rooms/fr-2/status", "home/omg-entrance/LWT")
ESPRESENSE = {"id": PHONE, "rssi@1m": -59, "rssi": -61.0, "distance": 0.9, "int": 1032}


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[CentralServer, str]]:
    yield from central_for_edge("sqlite", tmp_path, STORE)


def iso(offset_s: float) -> str:
    return datetime.fromtimestamp(time.time() + offset_s, UTC).isoformat()


async def test_a_reservation_follows_the_store_s_devices_from_requested_to_done(
    central: tuple[CentralServer, str], mosquitto: Mosquitto, tmp_path: Path
) -> None:
    server, key = central
    demo = load_catalog(DEMO_CATALOG)
    styles = [demo.styles[0], demo.styles[1]]
    catalog = {"styles": [s.model_dump(mode="json") for s in styles]}
    assert server.admin("PUT", "/v1/admin/catalog", json=catalog).status_code == 200
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
        },
    )
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    shirt, dress = (encode_sgtin96(s.gtin, 700 + n).upper() for n, s in enumerate(skus))

    settings = edge_settings(
        mosquitto.url,
        str(tmp_path / "edge.db"),
        layout=DEMO_LAYOUT,
        central_url=server.url,
        store_key=key,
        session_idle_s=2.0,
    )
    async with live_edge(settings) as edge:
        add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1234")
        login = await edge.http.post("/api/associate/login", json={"associate_id": "ana", "pin": "1234"})
        ana = {"Authorization": f"Bearer {login.json()['token']}"}

        async def status(wanted: str, room: str | None = None) -> dict[str, Any] | None:
            listed = (await edge.http.get("/api/associate/reservations", headers=ana)).json()
            mine = [r for r in listed if r["id"] == rid]
            if mine and mine[0]["status"] == wanted and (room is None or mine[0]["room_id"] == room):
                return dict(mine[0])
            return None

        async def at_centre(wanted: str) -> bool:
            return bool(server.admin("GET", f"/v1/reservations/{rid}").json()["status"] == wanted)

        assert await eventually(lambda: status("requested"), timeout=30), "never pulled from the centre"
        reader = ImpinjReader(mosquitto.port, IMPINJ_TOPIC)
        # The BLE nodes say they are online, retained, as real ones do on connecting (the session's broker
        # may hold an "offline" another test's devices left: a room whose node is offline keeps its phones).
        for topic in NODE_STATUS:
            reader.client.publish(topic, "online", qos=1, retain=True).wait_for_publish(10)

        def with_phone(
            topic: str | None, payload: dict[str, Any], check: Callable[[], Awaitable[Any]]
        ) -> Any:
            async def heard_then_check() -> Any:
                if topic is not None:
                    reader.send(json.dumps(payload).encode(), topic)
                return await check()

            return heard_then_check

        try:
            # One reserved garment hung in fr-2 (nobody there): preparing. Both: ready in fr-2.
            assert await reader.keep_reading([(shirt, 2)], lambda: status("preparing"))
            ready = await reader.keep_reading([(shirt, 2), (dress, 2)], lambda: status("ready", "fr-2"))
            assert ready and [i["gtin"] for i in ready["items"]] == [s.gtin for s in skus]
            both = [(shirt, 2), (dress, 2)]
            assert await reader.keep_reading(both, lambda: at_centre("ready"), timeout=30)
            # The member walks in: the entrance's gateway hears the phone (its profile comes from the centre).
            arrived = with_phone(OMG_TOPIC, OMG, lambda: status("arrived", "fr-2"))
            assert await reader.keep_reading(both, arrived, timeout=30)
            # ... and into fr-2, where fr-2's ESPresense node hears it: in_room once it has stayed there
            # (heard longer than a phone carried past the door, ble_exit_timeout_s: 30 s).
            in_room = with_phone(ESPRESENSE_TOPIC, ESPRESENSE, lambda: status("in_room", "fr-2"))
            assert await reader.keep_reading(both, in_room, timeout=90)
            # Done trying: the garments go to fr-4 and the phone is heard no more; fr-2's session ends once
            # presence has let the phone go (up to ble_exit_timeout_s of silence, 30 s) and the room idled.
            moved = [(shirt, 4), (dress, 4)]
            assert await reader.keep_reading(moved, lambda: status("done", "fr-2"), timeout=150)
            assert await reader.keep_reading(moved, lambda: at_centre("done"), timeout=60)
        finally:
            for topic in NODE_STATUS:  # cleared: an empty retained status is ignored
                reader.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(10)
            reader.close()
        page = (await edge.http.get("/api/associate/reservations", headers=ana)).text
        assert "m-17" not in page and PHONE not in page
