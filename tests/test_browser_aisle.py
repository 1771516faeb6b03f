"""The endless aisle in real Chromium: a shopper orders a size this store has sold out ("Ship it to me"),
the associate completes it at the bag desk on the console, the mirror says honestly that the order waits
while the central store is down, and once it is back the central store (real PostgreSQL) hands the order
to a real local HTTP receiver as a signed webhook, retried after a 500 with the same Idempotency-Key.
Screenshots at 1080x1920 go to the test's tmp dir.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from catalog.model import Catalog, Sku, Style
from cloud_sync.central.webhooks import sign
from edge.config import DEMO_CATALOG
from edge.credentials import add_associate, issue_mirror_token
from edge.epc import encode_sgtin96
from edge.presence.events import EventType, PresenceEvent
from tests.central_support import CentralServer, add_store, fresh_pg_database, pg_available
from tests.conftest import require
from tests.mirror_support import served_edge
from tests.webhook_receiver import Received, Receiver, receiver, valid_signature

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PORTRAIT = {"width": 1080, "height": 1920}
SECRET = "browser-webhook-secret"
STORE = "store-042"  # the demo layout's store
PIN = "1357"


def style_with_online_only_size(catalog: Catalog) -> tuple[Style, Sku, Sku]:
    """A style with a size in this store (carried in) and one sold out here but in stock online."""
    for style in catalog.styles:
        here = [s for s in style.skus if catalog.stock_of(s.gtin).in_store > 0]
        online = [
            s
            for s in style.skus
            if catalog.stock_of(s.gtin).in_store == 0 and catalog.stock_of(s.gtin).online > 0
        ]
        if here and online:
            return style, here[0], online[0]
    raise AssertionError("the demo catalog has no style with a size sold out here and in stock online")


async def portrait(browser: Browser, errors: list[str]) -> Page:
    page = await (await browser.new_context(viewport=PORTRAIT, device_scale_factor=1)).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_default_timeout(15_000)
    return page


async def delivered(shop: Receiver, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(shop.posts("/orders")) < 2:
        assert time.monotonic() < deadline, f"order webhook not retried and delivered: {shop.posts()}"
        await asyncio.sleep(0.1)


async def test_ship_to_home_from_the_mirror_through_the_bag_desk_to_the_central_store(tmp_path: Path) -> None:
    require(os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    require(pg_available(), "PostgreSQL for the central store (FITROOM_TEST_PG)")
    catalog = Catalog.model_validate_json(Path(DEMO_CATALOG).read_bytes())
    style, carried, wanted = style_with_online_only_size(catalog)
    with fresh_pg_database() as db_url, receiver([500]) as shop:
        key = add_store(db_url, STORE, "Flagship")
        central = CentralServer(
            db_url,
            tmp_path,
            FITROOM_CENTRAL_ORDER_WEBHOOK_URL=f"{shop.url}/orders",
            FITROOM_CENTRAL_WEBHOOK_SECRET=SECRET,
            FITROOM_CENTRAL_WEBHOOK_POLL_S="0.2",
            FITROOM_CENTRAL_WEBHOOK_RETRY_BASE_S="0.5",
            FITROOM_CENTRAL_ENVIRONMENT="development",
        )
        errors: list[str] = []
        async with served_edge(tmp_path, central.url, key) as (base, rooms, db), async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            token = issue_mirror_token(db, "fr-1")
            add_associate(db, associate_id="ana", first_name="Ana", pin=PIN)
            epc = encode_sgtin96(carried.gtin, 7001)
            rooms.manager.apply_presence(
                [PresenceEvent(time.time(), EventType.ITEM_ENTERED, "fr-1", epc=epc, gtin=carried.gtin)]
            )

            mirror = await portrait(browser, errors)
            console = await portrait(browser, errors)
            await mirror.goto(f"{base}/mirror/fr-1?token={token}")
            card = mirror.locator(f'.card[data-epc="{epc}"]')
            await expect(card).to_be_visible()
            await card.locator(f'.size-chip[data-gtin="{wanted.gtin}"]').click()
            ship = card.locator(".ship-btn")
            await expect(ship).to_have_text("Ship it to me")
            await ship.click()
            dialog = mirror.locator("#ship-dialog")
            await expect(dialog).to_be_visible()
            await mirror.click("#ship-confirm")  # no email yet: refused on the mirror, nothing sent
            await expect(mirror.locator("#ship-error")).not_to_be_empty()
            await mirror.fill("#ship-email", "shopper@example.com")
            await mirror.locator('label[for="ship-consent"]').click()
            await mirror.screenshot(path=str(tmp_path / "mirror-ship-dialog-1080x1920.png"))
            await mirror.click("#ship-confirm")
            await expect(dialog).to_have_count(0)
            banner = mirror.locator(".order-status")
            await expect(banner).to_have_attribute("data-status", "at_bag_desk")
            await expect(banner).to_contain_text(style.name)
            order_id = await banner.get_attribute("data-order-id")
            assert order_id

            # The bag desk: a ship-to-home order to complete (payment and address are taken there).
            await console.goto(f"{base}/associate")
            await console.fill("#associate-id", "ana")
            await console.fill("#pin", PIN)
            await console.click("#signin-btn")
            task = console.locator('.task[data-kind="bag"]')
            await expect(task.locator(".ship-to-home")).to_contain_text("Ship-to-home order")
            await expect(task).not_to_contain_text("shopper@example.com")
            await console.screenshot(path=str(tmp_path / "console-ship-to-home-1080x1920.png"))
            await task.get_by_role("button", name="Claim").click()
            await task.get_by_role("button", name="Complete").click()

            # The central store is down: the order waits in the outbox, and the mirror says so.
            await expect(banner).to_have_attribute("data-status", "queued")
            await expect(banner).to_contain_text("can't be reached")
            await mirror.screenshot(path=str(tmp_path / "mirror-order-queued-1080x1920.png"))
            assert shop.posts() == []

            central.start()
            try:
                online = [{"gtin": wanted.gtin, "online": catalog.stock_of(wanted.gtin).online}]
                assert central.admin("PUT", "/v1/admin/catalog", json={"online": online}).is_success
                await expect(banner).to_have_attribute("data-status", "sent", timeout=60_000)
                await mirror.screenshot(path=str(tmp_path / "mirror-order-sent-1080x1920.png"))
                await delivered(shop, 30)
                await asyncio.sleep(1.0)  # nothing more after the 2xx
                posts = shop.posts("/orders")
                assert len(posts) == 2, "a 500, then the retry that was accepted"
                assert [p.headers["idempotency-key"] for p in posts] == [order_id, order_id]
                assert all(valid_signature(SECRET, p) for p in posts)
                assert posts[0].body == posts[1].body
                order = json.loads(posts[1].body)
                assert order["id"] == order_id and order["channel"] == "endless_aisle"
                assert [i["gtin"] for i in order["items"]] == [wanted.gtin]
                assert order["confirmation_email"] == "shopper@example.com"
            finally:
                central.stop()
            await browser.close()
        for log in (tmp_path / f"central-{central.port}.log",):
            assert "shopper@example.com" not in log.read_text(), "no email in the central store's log"
        assert not [e for e in errors if "401" not in e], errors


async def test_an_offer_banner_on_the_mirror(tmp_path: Path) -> None:
    require(os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    require(pg_available(), "PostgreSQL for the central store (FITROOM_TEST_PG)")
    catalog = Catalog.model_validate_json(Path(DEMO_CATALOG).read_bytes())
    style, carried, _ = style_with_online_only_size(catalog)
    with fresh_pg_database() as db_url:
        key = add_store(db_url, STORE, "Flagship")
        central = CentralServer(db_url, tmp_path, FITROOM_CENTRAL_ENVIRONMENT="development")
        central.start()
        try:
            offer = {
                "title": "A second one for 25% less",
                "body": f"Take two {style.name} today and save 25% on the second.",
                "gtins": [s.gtin for s in style.skus],
                "room_kinds": ["fitting_room"],
                "discount_pct": 25,
                "members_only": False,
                "valid_from": "2020-01-01T00:00:00Z",
                "valid_until": "2099-01-01T00:00:00Z",
                "max_per_member_per_day": 1,
            }
            made = central.admin("POST", "/v1/offers", json=offer)
            assert made.status_code == 201, made.text
            errors: list[str] = []
            async with served_edge(tmp_path, central.url, key) as (base, rooms, db), async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                token = issue_mirror_token(db, "fr-3")
                epc = encode_sgtin96(carried.gtin, 7002)
                rooms.manager.apply_presence(
                    [PresenceEvent(time.time(), EventType.ITEM_ENTERED, "fr-3", epc=epc, gtin=carried.gtin)]
                )
                mirror = await portrait(browser, errors)
                await mirror.goto(f"{base}/mirror/fr-3?token={token}")
                banner = mirror.locator(".offer-banner")
                await expect(banner).to_have_count(1, timeout=30_000)
                await expect(banner).to_contain_text("A second one for 25% less")
                await expect(banner).to_contain_text("25% off")
                await expect(banner).to_have_attribute("data-offer-id", made.json()["id"])
                await mirror.screenshot(path=str(tmp_path / "mirror-offer-1080x1920.png"))
                await browser.close()
            assert errors == []
        finally:
            central.stop()


def _checkout(got: Received) -> dict[str, object]:
    reference = json.loads(got.body)["reference"]
    return {"id": f"co_{reference[:10]}", "url": f"https://pay.example/c/{reference}"}


async def _ship(mirror: Page, card_epc: str, gtin: str) -> str:
    """Order ``gtin`` from the card as a guest; returns the new order's id."""
    before = set(await mirror.locator(".order-status").evaluate_all("els => els.map(e => e.dataset.orderId)"))
    card = mirror.locator(f'.card[data-epc="{card_epc}"]')
    if not await card.locator(".ship-btn").is_visible():  # the size is chosen once, then stays chosen
        await card.locator(f'.size-chip[data-gtin="{gtin}"]').click()
    await card.locator(".ship-btn").click()
    await mirror.fill("#ship-email", "shopper@example.com")
    await mirror.locator('label[for="ship-consent"]').click()
    await mirror.click("#ship-confirm")
    await expect(mirror.locator("#ship-dialog")).to_have_count(0)
    await expect(mirror.locator(".order-status")).to_have_count(len(before) + 1)
    ids = await mirror.locator(".order-status").evaluate_all("els => els.map(e => e.dataset.orderId)")
    (made,) = set(ids) - before
    return str(made)


async def test_pay_on_the_phone_or_cancel_from_the_mirror_or_the_console(tmp_path: Path) -> None:
    """A payment provider configured: the mirror shows its page as a QR code and the provider's signed
    callback places the order; the shopper cancels another before paying; a third goes to the bag desk
    when the provider is down, and the associate cancels it on the console."""
    require(os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    catalog = Catalog.model_validate_json(Path(DEMO_CATALOG).read_bytes())
    _, carried, wanted = style_with_online_only_size(catalog)
    secret = "browser-payment-secret"
    errors: list[str] = []
    with receiver(answer=_checkout) as provider:
        settings = {"payment_url": provider.url, "payment_secret": secret}
        async with (
            served_edge(tmp_path, None, None, **settings) as (base, rooms, db),
            async_playwright() as pw,
        ):
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            token = issue_mirror_token(db, "fr-2")
            add_associate(db, associate_id="ana", first_name="Ana", pin=PIN)
            epc = encode_sgtin96(carried.gtin, 7003)
            rooms.manager.apply_presence(
                [PresenceEvent(time.time(), EventType.ITEM_ENTERED, "fr-2", epc=epc, gtin=carried.gtin)]
            )
            mirror = await portrait(browser, errors)
            await mirror.goto(f"{base}/mirror/fr-2?token={token}")
            card = mirror.locator(f'.card[data-epc="{epc}"]')
            await expect(card).to_be_visible()
            await card.locator(f'.size-chip[data-gtin="{wanted.gtin}"]').click()
            await card.locator(".ship-btn").click()
            await expect(mirror.locator(".ship-body")).to_contain_text("scan the code with your phone")
            await mirror.click("#ship-cancel")

            # Paid on the phone: the QR code of the provider's page, then the signed callback places it.
            paid_id = await _ship(mirror, epc, wanted.gtin)
            paid = mirror.locator(f'.order-status[data-order-id="{paid_id}"]')
            await expect(paid).to_have_attribute("data-status", "awaiting_payment")
            await expect(paid.locator(".order-qr")).to_have_attribute(
                "src", re.compile(r"^data:image/svg\+xml")
            )
            await expect(paid.locator(".order-pay-url")).to_have_text(f"https://pay.example/c/{paid_id}")
            await mirror.screenshot(path=str(tmp_path / "mirror-order-pay-by-phone-1080x1920.png"))
            body = json.dumps({"reference": paid_id, "status": "paid", "payment_reference": "pay_1"}).encode()
            async with httpx.AsyncClient() as client:
                answer = await client.post(
                    f"{base}/api/payments/callback",
                    content=body,
                    headers={"Content-Type": "application/json", "X-Fitroom-Signature": sign(secret, body)},
                )
            assert answer.status_code == 200, answer.text
            await expect(paid).to_have_attribute("data-status", "queued")
            await expect(paid.locator(".order-cancel")).to_have_count(0)

            # The shopper changes their mind before paying.
            second = mirror.locator(f'.order-status[data-order-id="{await _ship(mirror, epc, wanted.gtin)}"]')
            await expect(second).to_have_attribute("data-status", "awaiting_payment")
            await second.get_by_role("button", name="Cancel order").click()
            await expect(second).to_have_attribute("data-status", "cancelled")
            await expect(second).to_contain_text("was cancelled")

            # The provider is down: the bag desk takes the order, and the associate cancels it there.
            provider.statuses.append(503)
            third_id = await _ship(mirror, epc, wanted.gtin)
            third = mirror.locator(f'.order-status[data-order-id="{third_id}"]')
            await expect(third).to_have_attribute("data-status", "at_bag_desk")
            console = await portrait(browser, errors)
            await console.goto(f"{base}/associate")
            await console.fill("#associate-id", "ana")
            await console.fill("#pin", PIN)
            await console.click("#signin-btn")
            task = console.locator('.task[data-kind="bag"]')
            await expect(task).to_have_count(1)
            await expect(task.locator(".ship-to-home")).to_contain_text("Ship-to-home order")
            await console.screenshot(path=str(tmp_path / "console-cancel-order-1080x1920.png"))
            await task.get_by_role("button", name="Cancel order").click()
            await expect(task).to_have_count(0)
            await expect(third).to_have_attribute("data-status", "cancelled", timeout=10_000)
            await mirror.screenshot(path=str(tmp_path / "mirror-orders-cancelled-1080x1920.png"))
            await browser.close()
        calls = provider.posts("/checkouts")
        assert len(calls) == 3 and all(valid_signature(secret, c) for c in calls)
    assert not [e for e in errors if "401" not in e and "503" not in e], errors
