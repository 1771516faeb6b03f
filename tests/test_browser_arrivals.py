"""Concierge arrivals in real Chromium: a known member's phone seen through the broker (ESPresense over
MQTT) shows the arrival card with their history on the associate console, with their reservation's
garments to prepare and where each is in stock; "I'll look after Maya" is seen by the other associates;
the page never carries the member id or an email address; the same card in Spanish from the picker.
Screenshot in test-artifacts/."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Route, async_playwright

from cloud_sync import wire
from edge.config import DEMO_CATALOG
from edge.credentials import add_associate
from edge.reservations.desk import Reservation
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT, require
from tests.live_edge import ImpinjReader, LiveEdge, edge_settings, eventually, live_edge
from tests.test_browser_mirror import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.broker]

PHONE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-45"
MEMBER = "member-4545"
EMAIL = "maya@example.com"


@pytest.fixture
async def edge(own_mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    settings = edge_settings(
        own_mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, catalog=DEMO_CATALOG
    )
    async with live_edge(settings) as running:
        yield running


async def test_an_arriving_member_shows_on_the_console_with_history(
    edge: LiveEdge, own_mosquitto: Mosquitto
) -> None:
    require(os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    catalog = edge.service.catalog
    skus = [sku for st in catalog.styles for sku in st.skus]
    on_floor = next(s for s in skus if catalog.stock_of(s.gtin).floor > 0)
    back_only = next(
        s for s in skus if catalog.stock_of(s.gtin).floor == 0 < catalog.stock_of(s.gtin).stockroom
    )
    bought = next(s for s in skus if s.gtin not in (on_floor.gtin, back_only.gtin))
    profile = wire.ShopperProfile(
        member_id=MEMBER,
        first_name="Maya",
        language="de",
        preferred_sizes={"tops": "M"},
        purchases=[
            wire.ProfilePurchaseOut(gtin=bought.gtin, name="Linen shirt", channel="online", purchased_at=0)
        ],
        unbought=[wire.ProfileItem(gtin=on_floor.gtin, size=on_floor.size)],
        last_visit_at=time.time() - 3 * 86400,
    )
    edge.sync.profiles.store(PHONE, profile, time.time())
    assert edge.desk is not None
    gtins = (on_floor.gtin, back_only.gtin)
    edge.desk.load(
        [Reservation("r-45", MEMBER, "Maya", gtins, time.time(), time.time() + 3600, None, "requested")]
    )
    add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1357")
    add_associate(edge.service.db, associate_id="ben", first_name="Ben", pin="2468")
    token = (
        await edge.http.post("/api/associate/login", json={"associate_id": "ana", "pin": "1357"})
    ).json()["token"]
    ben = (await edge.http.post("/api/associate/login", json={"associate_id": "ben", "pin": "2468"})).json()[
        "token"
    ]

    node = ImpinjReader(own_mosquitto.port, f"espresense/devices/{PHONE}/fr-3")
    sighting = {"id": PHONE, "rssi@1m": -59, "rssi": -62.0, "distance": 0.9, "var": 0.2, "int": 1000}

    async def arrived() -> object:
        node.send(json.dumps(sighting).encode())  # a phone is reported every few seconds
        shoppers = await edge.http.get(
            "/api/associate/shoppers", headers={"Authorization": f"Bearer {token}"}
        )
        return shoppers.json()

    try:
        assert await eventually(arrived, interval=0.5, timeout=20), "the phone never arrived"
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            await context.add_cookies([{"name": "fitroom_associate", "value": token, "url": edge.base_url}])
            page = await context.new_page()
            await page.goto(f"{edge.base_url}/associate")
            card = page.locator("li.arrival")
            await card.wait_for(timeout=15_000)
            text = await card.inner_text()
            assert "Maya" in text and "Sizes: tops M" in text and "Linen shirt" in text and "(online)" in text
            assert "Speaks German" in text and "last here 3 days ago" in text and "Reserved 2 to try" in text
            assert await card.locator(".wanted.in-stock").count() == 1
            tasks = page.locator("#reservation-list li.reservation")
            await tasks.first.wait_for(timeout=15_000)
            stock = await tasks.first.locator("[data-stock]").evaluate_all(
                "els => els.map(e => e.dataset.stock)"
            )
            assert stock == ["floor", "stockroom"]

            await card.locator("button.take").click()
            await page.locator(".arrival-taken").wait_for(timeout=10_000)
            assert "You are looking after Maya" in await page.locator(".arrival-taken").inner_text()
            seen_by_ben = await edge.http.get(
                "/api/associate/shoppers", headers={"Authorization": f"Bearer {ben}"}
            )
            assert seen_by_ben.json()[0]["taken_by"] == "Ana"

            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "console-arrival.png"), full_page=True)
            html = await page.content()
            assert MEMBER not in html and EMAIL not in html and "@" not in await card.inner_text()

            # In Spanish (the console's picker): the same card, the member's language named in Spanish.
            # The cards already shown are redrawn at once: a slow network does not leave them in English.
            async def slowly(route: Route) -> None:
                await asyncio.sleep(3)
                await route.continue_()

            await page.route("**/api/associate/reservations", slowly)
            await page.locator("#console-lang").select_option("es")
            await page.locator(".arrival-taken", has_text="Atiendes a Maya").wait_for(timeout=10_000)
            text = await card.text_content() or ""
            assert "Habla alemán" in text and "vino hace 3 días" in text, text
            assert "2 reservadas para probar" in text and "Tallas: tops M" in text, text
            assert "Compró: Linen shirt" in text, text
            where = await tasks.first.locator("[data-stock]").all_text_contents()
            assert where[0].endswith("en la tienda") and where[1].endswith("en el almacén"), where
            await browser.close()
    finally:
        node.close()
