"""The mirror in six languages, in real Chromium at 1080x1920: switched to Arabic on the mirror, the page
is laid out right to left (``<html lang="ar" dir="rtl">``, the brand on the right), its words, the
garment's name from the catalog's Arabic names and its price as the browser's ``Intl`` writes it for
Arabic; a known member whose profile says German is greeted in German without touching anything.
Screenshots in test-artifacts/."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from cloud_sync import wire
from edge.config import DEMO_CATALOG
from edge.credentials import issue_mirror_token
from edge.epc import encode_sgtin96
from edge.presence.events import EventType, PresenceEvent
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT
from tests.live_edge import LiveEdge, edge_settings, live_edge
from tests.test_browser_mirror import ARTIFACTS, browser, portrait  # noqa: F401 - the Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.broker]

ARABIC = "قميص أكسفورد ضيق"
GERMAN = "Schmales Oxford-Hemd"
PHONE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-61"


@pytest.fixture
async def edge(own_mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    catalog["styles"][0] |= {"names": {"ar": ARABIC, "de": GERMAN}}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    settings = edge_settings(own_mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, catalog=path)
    async with live_edge(settings) as running:
        yield running


def enter(edge: LiveEdge, room: str, **what: str) -> None:
    # A phone is told at once what presence says once it has been heard there longer than a passer-by.
    shopper = [EventType.SHOPPER_ENTERED, EventType.SHOPPER_STAYED]
    kinds = shopper if "device" in what else [EventType.ITEM_ENTERED]
    assert edge.app is not None
    now = time.time()
    edge.app.state.rooms.manager.apply_presence([PresenceEvent(now, kind, room, **what) for kind in kinds])


async def test_the_mirror_in_arabic_reads_right_to_left_and_a_member_is_greeted_in_german(
    edge: LiveEdge,
    browser: Browser,  # noqa: F811
) -> None:
    style = edge.service.catalog.styles[0]
    sku = style.skus[0]
    enter(edge, "fr-1", epc=encode_sgtin96(sku.gtin, 61).upper(), gtin=sku.gtin)
    token = issue_mirror_token(edge.service.db, "fr-1")
    context, page = await portrait(browser)
    await page.goto(f"{edge.base_url}/mirror/fr-1?token={token}")
    card = page.locator(".card-name").first
    await expect(card).to_have_text(style.name)

    await page.get_by_role("button", name="العربية").click()
    html = page.locator("html")
    await expect(html).to_have_attribute("lang", "ar")
    await expect(html).to_have_attribute("dir", "rtl")
    await expect(card).to_have_text(ARABIC)  # the catalog's Arabic name, over the WebSocket with lang=ar
    await expect(page.locator("#call-associate")).to_contain_text("اطلب موظفًا")
    arabic_price = await page.evaluate(
        "([c, cur]) => new Intl.NumberFormat('ar', {style: 'currency', currency: cur}).format(c / 100)",
        [style.price_cents, style.currency],
    )
    await expect(page.locator(".card").first).to_contain_text(arabic_price)
    brand = await page.locator(".brand").bounding_box()
    actions = await page.locator(".topbar-actions").bounding_box()
    assert brand is not None and actions is not None
    assert brand["x"] > actions["x"], "right to left: the brand, first in the bar, is on the right"
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "mirror-arabic-1080x1920.png"), animations="disabled")
    assert getattr(page, "js_errors") == []  # noqa: B009
    await context.close()

    # A member whose profile says German walks into fr-2: that mirror greets them in German by itself.
    edge.sync.profiles.store(
        PHONE, wire.ShopperProfile(member_id="m-61", first_name="Jonas", language="de"), time.time()
    )
    enter(edge, "fr-2", device=PHONE)
    enter(edge, "fr-2", epc=encode_sgtin96(sku.gtin, 62).upper(), gtin=sku.gtin)
    token2 = issue_mirror_token(edge.service.db, "fr-2")
    context, page = await portrait(browser)
    await page.goto(f"{edge.base_url}/mirror/fr-2?token={token2}")
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    await expect(page.locator("html")).to_have_attribute("dir", "ltr")
    await expect(page.locator("#greeting")).to_have_text("Hallo Jonas")
    await expect(page.locator(".card-name").first).to_have_text(GERMAN)
    # The shopper may still pick another language; the member's own does not switch it back.
    await page.get_by_role("button", name="Français").click()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.locator("#call-associate")).to_contain_text("Appeler un conseiller")
    await page.wait_for_timeout(1500)
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await context.close()
