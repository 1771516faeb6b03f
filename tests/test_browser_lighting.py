"""Lighting in real Chromium on a real Mosquitto: a session start sends ``welcome`` to the fitting room's
light, a scene the shopper picks on the mirror arrives on the light's command topic in zigbee2mqtt's
dialect, the session's end sends ``idle``; the homeassistant light gets its own dialect. Subscribed with
paho, as a light would be. Screenshot at 1080x1920 in the test's tmp dir."""

from __future__ import annotations

import asyncio
import json
import queue
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from playwright.async_api import Browser, expect

from edge.config import DEMO_CATALOG
from edge.credentials import issue_mirror_token
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT
from tests.live_edge import LiveEdge, edge_settings, live_edge
from tests.test_browser_mirror import browser, portrait  # noqa: F401 - the Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.broker]

Z2M_SET = "zigbee2mqtt/fr-1-ceiling/set"
HA_SET = "homeassistant/light/fr-2/set"


class LightListener:
    """A paho subscriber on the lights' command topics: what the lights receive."""

    def __init__(self, port: int) -> None:
        self.received: queue.Queue[tuple[str, dict[str, Any], int]] = queue.Queue()
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"light-{uuid.uuid4().hex[:6]}"
        )
        client.on_message = lambda _c, _u, m: self.received.put((m.topic, json.loads(m.payload), m.qos))
        client.connect("127.0.0.1", port)
        client.subscribe([(Z2M_SET, 1), (HA_SET, 1)])
        client.loop_start()
        self.client = client

    async def next(self, timeout: float = 10.0) -> tuple[str, dict[str, Any], int]:
        """The next command a light received (waits off the loop: the edge runs on it)."""
        return await asyncio.to_thread(self.received.get, timeout=timeout)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def lights(own_mosquitto: Mosquitto) -> Iterator[LightListener]:
    listener = LightListener(own_mosquitto.port)
    yield listener
    listener.close()


@pytest.fixture
async def edge(own_mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    settings = edge_settings(
        own_mosquitto.url,
        str(tmp_path / "edge.db"),
        layout=DEMO_LAYOUT,
        catalog=DEMO_CATALOG,
        session_idle_s=3.0,
    )
    async with live_edge(settings) as running:
        yield running


async def test_scene_chosen_on_the_mirror_reaches_the_light(
    edge: LiveEdge,
    browser: Browser,  # noqa: F811
    lights: LightListener,
    tmp_path: Path,
) -> None:
    token = issue_mirror_token(edge.service.db, "fr-1")
    context, mirror = await portrait(browser)
    await mirror.goto(f"{edge.base_url}/mirror/fr-1?token={token}")
    switch = mirror.locator("#light-switch")
    await expect(switch).to_be_visible()
    await expect(switch.locator(".light-btn")).to_have_text(["Daylight", "Evening", "Sunset"])

    # Calling an associate opens the session: the light says welcome (80 %, 4000 K) in zigbee2mqtt terms.
    await mirror.click("#call-associate")
    assert await lights.next() == (Z2M_SET, {"state": "ON", "brightness": 203, "color_temp": 250}, 1)

    await switch.get_by_role("button", name="Sunset").click()
    await expect(switch.get_by_role("button", name="Sunset")).to_have_attribute("aria-pressed", "true")
    assert await lights.next() == (Z2M_SET, {"state": "ON", "brightness": 114, "color_temp": 455}, 1)
    # The demo layout changes the evening scene to 55 %.
    await switch.get_by_role("button", name="Evening").click()
    assert await lights.next() == (Z2M_SET, {"state": "ON", "brightness": 140, "color_temp": 370}, 1)
    await mirror.screenshot(path=str(tmp_path / "mirror-lighting-1080x1920.png"), animations="disabled")

    # Nobody there: the session ends after session_idle_s and the light goes back to idle.
    assert await lights.next(timeout=20) == (Z2M_SET, {"state": "ON", "brightness": 51, "color_temp": 333}, 1)
    assert not [m for m in context.pages[0].js_errors if "lighting" in m]  # type: ignore[attr-defined]
    await context.close()


async def test_homeassistant_dialect_bad_scene_and_rooms_without_light(
    edge: LiveEdge, lights: LightListener
) -> None:
    fr2 = {"Authorization": f"Bearer {issue_mirror_token(edge.service.db, 'fr-2')}"}
    response = await edge.http.post("/api/mirror/fr-2/lighting", json={"scene": "daylight"}, headers=fr2)
    assert response.status_code == 200, response.text
    assert await lights.next() == (HA_SET, {"state": "ON", "brightness": 255, "color_temp": 182}, 1)

    bad = await edge.http.post("/api/mirror/fr-2/lighting", json={"scene": "disco"}, headers=fr2)
    assert bad.status_code == 422 and "disco" in bad.text
    fr3 = {"Authorization": f"Bearer {issue_mirror_token(edge.service.db, 'fr-3')}"}
    view = await edge.http.get("/api/mirror/fr-3/lighting", headers=fr3)
    assert view.json() == {"scenes": [], "scene": None}
    none = await edge.http.post("/api/mirror/fr-3/lighting", json={"scene": "daylight"}, headers=fr3)
    assert none.status_code == 404 and "no light" in none.text
    other = await edge.http.post("/api/mirror/fr-1/lighting", json={"scene": "daylight"}, headers=fr2)
    assert other.status_code == 403
    assert (await edge.http.post("/api/mirror/fr-2/lighting", json={"scene": "daylight"})).status_code == 401
