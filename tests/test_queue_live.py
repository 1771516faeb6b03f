"""The fitting-room queue end to end on a real Mosquitto: an Impinj reader (its IoT format over MQTT)
reports two garments in fr-3, then in fr-4; fr-3's session ends through the real pipeline (decode,
presence, the session machine, its tick task) and sensing calls the first ticket to fr-3, which the
entrance screen's view (``/api/queue/screen`` with a display token) shows. fr-4, with garments and no
phone, is still busy: the second ticket keeps waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from edge.config import DEMO_CATALOG
from edge.credentials import add_associate, issue_display_token
from edge.epc import encode_sgtin96
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT
from tests.live_edge import ImpinjReader, LiveEdge, edge_settings, live_edge

pytestmark = pytest.mark.broker

IMPINJ_TOPIC = "stores/store-042/rfid/impinj-a"  # antennas 1..4 -> fr-1..fr-4


@pytest.fixture
async def edge(mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    settings = edge_settings(
        mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, catalog=DEMO_CATALOG, session_idle_s=2.0
    )
    async with live_edge(settings) as running:
        yield running


async def test_a_ticket_is_called_to_the_room_sensing_released_over_the_broker(
    edge: LiveEdge, mosquitto: Mosquitto
) -> None:
    add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1234")
    login = await edge.http.post("/api/associate/login", json={"associate_id": "ana", "pin": "1234"})
    ana = {"Authorization": f"Bearer {login.json()['token']}"}
    first = (await edge.http.post("/api/associate/queue", headers=ana, json={"party": 2})).json()
    second = (await edge.http.post("/api/associate/queue", headers=ana, json={"party": 1})).json()
    screen = {"token": issue_display_token(edge.service.db, "entrance")}

    skus = [style.skus[0] for style in edge.service.catalog.styles[:2]]
    shirt, dress = (encode_sgtin96(s.gtin, 900 + n).upper() for n, s in enumerate(skus))

    async def fr3_items(n: int) -> bool:
        return len((await edge.rooms())["fr-3"]["items"]) == n

    async def serving() -> Any:
        return (await edge.http.get("/api/queue/screen", params=screen)).json()["now_serving"]

    reader = ImpinjReader(mosquitto.port, IMPINJ_TOPIC)
    try:
        assert await reader.keep_reading([(shirt, 3), (dress, 3)], lambda: fr3_items(2))
        # The garments go to fr-4: fr-3 is empty and its session ends after the idle time. The reader
        # keeps reporting them (in fr-4) the whole time, as a real one does.
        moved = [(shirt, 4), (dress, 4)]
        assert await reader.keep_reading(moved, lambda: fr3_items(0))
        called = await reader.keep_reading(moved, serving, timeout=20)
    finally:
        reader.close()
    assert [(c["ticket"], c["room_id"], c["room_name"]) for c in called] == [
        (first["ticket"], "fr-3", "Fitting room 3")
    ]
    view = (await edge.http.get("/api/queue/screen", params=screen)).json()
    assert [w["ticket"] for w in view["waiting"]] == [second["ticket"]]  # fr-4 is busy: not called
    assert len((await edge.rooms())["fr-4"]["items"]) == 2
