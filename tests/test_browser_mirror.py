"""The mirror and the associate console in real Chromium, against a real edge on a real Mosquitto.

A simulated shopper (``simulators.script.ScriptedStore``, real reader formats over MQTT) walks into a
fitting room with two garments; the mirror shows both; the shopper asks for size M; the associate sees
the request on the console, claims and completes it and the mirror follows; the shopper buys from the
room (a bag task appears) and leaves an email with consent (the list is stored). Another room's token gets
403. Screenshots at 1080x1920 go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute, async_playwright, expect
from sqlmodel import Session, select

from edge.catalog.model import Catalog, Sku, Style, load_catalog
from edge.config import DEMO_CATALOG
from edge.credentials import add_associate, issue_mirror_token
from edge.storage.models import EmailList, MirrorDevice, Task, TaskKind
from simulators.script import ScriptedStore
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT, ROOT, require
from tests.live_edge import LiveEdge, edge_settings, live_edge

pytestmark = [pytest.mark.browser, pytest.mark.broker]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
PORTRAIT = {"width": 1080, "height": 1920}
SEEN_S = 45_000  # ms: the edge must first believe the garments are in the room (real radio timing)
PIN = "2468"


def two_garments(catalog: Catalog) -> tuple[tuple[Style, Sku], tuple[Style, Sku], Sku]:
    """A size-S top whose size M in the same colour is in stock here, and a second garment of another
    style: what the shopper carries in. Also returns that size M."""
    stock = catalog.stock_by_gtin
    first: tuple[Style, Sku, Sku] | None = None
    for style in catalog.styles:
        by_size = {(s.colour, s.size): s for s in style.skus}
        for sku in style.skus:
            medium = by_size.get((sku.colour, "M"))
            if (
                sku.size == "S"
                and medium is not None
                and medium.gtin in stock
                and stock[medium.gtin].in_store
            ):
                first = (style, sku, medium)
                break
        if first:
            break
    assert first is not None, "the demo catalog has no size-S top with M in stock here"
    other = next(s for s in catalog.styles if s.category != first[0].category)
    return (first[0], first[1]), (other, other.skus[0]), first[2]


@pytest.fixture
async def edge(own_mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    # A broker per test: no retained reader status ("offline") left over from another test's devices.
    settings = edge_settings(
        own_mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, catalog=DEMO_CATALOG
    )
    async with live_edge(settings) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    require(os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def portrait(browser: Browser) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=PORTRAIT, device_scale_factor=1)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Console errors too: a CSP violation, a missing image or a failed request shows up here.
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.set_default_timeout(15_000)
    setattr(page, "js_errors", errors)  # noqa: B010 - read back by the test
    return context, page


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")


def stored_lists(edge: LiveEdge) -> list[dict[str, Any]]:
    with Session(edge.service.db) as session:
        rows = session.exec(select(EmailList)).all()
        return [{"email": r.email, "room": r.room_id, "items": json.loads(r.items)} for r in rows]


async def test_shopper_asks_for_a_size_buys_and_leaves_an_email_while_the_associate_works_the_queue(
    edge: LiveEdge, browser: Browser, own_mosquitto: Mosquitto
) -> None:
    db = edge.service.db
    token = issue_mirror_token(db, "fr-2")
    add_associate(db, associate_id="ana", first_name="Ana", pin=PIN)
    (style_a, sku_a), (style_b, sku_b), medium = two_garments(load_catalog(DEMO_CATALOG))

    mirror_ctx, mirror = await portrait(browser)
    console_ctx, console = await portrait(browser)
    response = await mirror.goto(f"{edge.base_url}/mirror/fr-2?token={token}")
    assert response is not None and response.status == 200
    await expect(mirror.locator("#state-empty")).to_be_visible()
    await shot(mirror, "mirror-empty-1080x1920")

    # The associate signs in on the console.
    await console.goto(f"{edge.base_url}/associate")
    await console.fill("#associate-id", "ana")
    await console.fill("#pin", PIN)
    await console.click("#signin-btn")
    await expect(console.locator("#who")).to_have_text("Ana")

    with ScriptedStore(DEMO_LAYOUT, own_mosquitto.url, seed=3) as store:
        shopper = store.walk_in("fr-2", [sku_a.gtin, sku_b.gtin])
        epc_a, epc_b = shopper.epcs
        card_a = mirror.locator(f'.card[data-epc="{epc_a}"]')
        card_b = mirror.locator(f'.card[data-epc="{epc_b}"]')
        await expect(card_a).to_be_visible(timeout=SEEN_S)
        await expect(card_b).to_be_visible(timeout=SEEN_S)
        await expect(card_a.locator(".card-name")).to_have_text(style_a.name)
        await expect(card_b.locator(".card-name")).to_have_text(style_b.name)
        await expect(mirror.locator("#state-empty")).to_be_hidden()

        # "Bring me size M": pick M in the garment's colour, then ask.
        await card_a.locator(f'.size-chip[data-gtin="{medium.gtin}"]').click()
        bring = card_a.get_by_role("button", name=re.compile(r"^Bring me M"))
        await expect(bring).to_be_enabled()
        await mirror.evaluate("window.scrollTo(0, 0)")
        await shot(mirror, "mirror-items-1080x1920")
        await bring.click()
        await expect(card_a.locator(f'.request-status[data-gtin="{medium.gtin}"]')).to_have_attribute(
            "data-status", "open"
        )

        # The console shows the request; Ana claims it (the mirror names her) and completes it.
        task = console.locator('.task[data-kind="size_request"]')
        await expect(task).to_be_visible()
        await expect(task).to_contain_text("M")
        await expect(task).to_contain_text(style_a.name)
        await expect(task.locator(".room")).to_have_text("Fitting room 2")
        await expect(task).to_have_attribute("data-over-target", "false")
        await shot(console, "console-request-1080x1920")
        # Waiting longer than the store's target ([store] request_target_s), the request is highlighted
        # as soon as the console hears of it: here the next push (a help call from fr-1) brings its age.
        with Session(db) as session:
            asked = session.exec(select(Task).where(Task.kind == TaskKind.SIZE_REQUEST)).one()
            asked.created_at -= 600
            session.add(asked)
            session.commit()
        help_token = issue_mirror_token(db, "fr-1")
        async with httpx.AsyncClient(base_url=edge.base_url) as http:
            called = await http.post(
                "/api/mirror/fr-1/help", headers={"Authorization": f"Bearer {help_token}"}
            )
            assert called.status_code == 201, called.text
        await expect(console.locator('.task[data-kind="help"]')).to_be_visible()
        await expect(task).to_have_attribute("data-over-target", "true")
        await expect(task).to_have_class(re.compile(r"\bis-late\b"))
        await expect(task.locator(".age-l")).to_have_text("over target")
        await task.get_by_role("button", name="Claim").click()
        status = card_a.locator(f'.request-status[data-gtin="{medium.gtin}"]')
        await expect(status).to_have_attribute("data-status", "claimed")
        await expect(status).to_contain_text("Ana")
        await task.get_by_role("button", name="Complete").click()
        await expect(status).to_have_attribute("data-status", "done")
        await expect(console.locator('.task[data-kind="size_request"]')).to_have_count(0)

        # Buy now, from the room: a confirm sheet, then a bag task on the console.
        await mirror.click("#open-buy")
        sheet = mirror.locator("#buy-sheet")
        await expect(sheet).to_be_visible()
        await sheet.locator(f'.buy-row[data-epc="{epc_b}"] input').uncheck()
        await expect(mirror.locator("#buy-confirm")).to_contain_text("Confirm")
        await shot(mirror, "mirror-buy-sheet-1080x1920")
        await mirror.click("#buy-confirm")
        await expect(sheet).to_be_hidden()
        await expect(mirror.locator('.purchase-status[data-status="to_bag"]')).to_be_visible()
        await expect(card_a.locator(".tag-bought")).to_be_visible()
        bag = console.locator('.task[data-kind="bag"]')
        await expect(bag).to_be_visible()
        await expect(bag).to_contain_text(style_a.name)
        await shot(console, "console-bag-1080x1920")

        # "Send me what I didn't buy": consent is unticked by default and required.
        await mirror.click("#open-email")
        consent = mirror.locator("#consent-input")
        await expect(consent).not_to_be_checked()
        await mirror.fill("#email-input", "not-an-email")
        await mirror.click("#email-send")
        await expect(mirror.locator("#email-error")).to_be_visible()
        await mirror.fill("#email-input", "shopper@example.com")
        await mirror.click("#email-send")
        await expect(mirror.locator("#email-error")).to_be_hidden()
        await expect(mirror.locator("#consent-error")).to_be_visible()
        assert stored_lists(edge) == []
        await mirror.locator("label.consent").click()
        await expect(consent).to_be_checked()
        await mirror.click("#email-send")
        await expect(mirror.locator("#email-sheet")).to_be_hidden()
        await expect(mirror.locator("#toast")).to_contain_text("Sent")
        lists = stored_lists(edge)
        assert len(lists) == 1
        assert lists[0]["email"] == "shopper@example.com" and lists[0]["room"] == "fr-2"
        listed = {item["gtin"] for item in lists[0]["items"]}
        assert sku_b.gtin in listed  # tried, not bought
        assert sku_a.gtin not in listed  # bought

        await shot(mirror, "mirror-after-1080x1920")
        await shot(console, "console-1080x1920")
        assert getattr(mirror, "js_errors") == []  # noqa: B009
        # The console asks /api/associate/me before sign-in: that one 401 is how it learns to show the form.
        signed_out = ("/api/associate/me", "status of 401")
        console_errors = [e for e in getattr(console, "js_errors") if not any(s in e for s in signed_out)]  # noqa: B009
        assert console_errors == []
    await mirror_ctx.close()
    await console_ctx.close()


async def test_a_token_of_another_room_gets_403_on_the_page_and_the_api(
    edge: LiveEdge, browser: Browser
) -> None:
    other = issue_mirror_token(edge.service.db, "fr-3")
    context, page = await portrait(browser)
    response = await page.goto(f"{edge.base_url}/mirror/fr-2?token={other}")
    assert response is not None and response.status == 403
    await expect(page.locator("h1")).to_contain_text("another room")
    await shot(page, "mirror-403-1080x1920")
    async with httpx.AsyncClient(base_url=edge.base_url) as http:
        api = await http.get("/api/mirror/fr-2", headers={"Authorization": f"Bearer {other}"})
        assert api.status_code == 403
        missing = await http.get("/mirror/fr-2")
        assert missing.status_code == 401
    await context.close()


async def test_the_mirror_speaks_spanish_and_the_empty_room_welcomes_the_shopper(
    edge: LiveEdge, browser: Browser
) -> None:
    token = issue_mirror_token(edge.service.db, "fr-4")
    context, page = await portrait(browser)
    await page.goto(f"{edge.base_url}/mirror/fr-4?token={token}")
    await expect(page.locator("#state-empty h2")).to_have_text("Welcome")
    await page.get_by_role("button", name="Español").click()
    await expect(page.locator("#state-empty h2")).to_have_text("Bienvenido")
    await expect(page.locator("#call-associate")).to_contain_text("Llamar a un dependiente")
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await context.close()


async def test_a_wrong_pin_keeps_the_console_signed_out_with_a_message(
    edge: LiveEdge, browser: Browser
) -> None:
    add_associate(edge.service.db, associate_id="luis", first_name="Luis", pin=PIN)
    context, page = await portrait(browser)
    await page.goto(f"{edge.base_url}/associate")
    await page.fill("#associate-id", "luis")
    await page.fill("#pin", "0000")
    await page.click("#signin-btn")
    await expect(page.locator("#signin-error")).to_be_visible()
    await expect(page.locator("#console-view")).to_be_hidden()
    await context.close()


async def test_the_mirror_says_it_cannot_see_the_room_while_its_reader_is_down_and_recovers(
    edge: LiveEdge, browser: Browser, own_mosquitto: Mosquitto
) -> None:
    token = issue_mirror_token(edge.service.db, "fr-1")
    context, page = await portrait(browser)
    await page.goto(f"{edge.base_url}/mirror/fr-1?token={token}")
    await expect(page.locator("#state-empty")).to_be_visible()
    with ScriptedStore(DEMO_LAYOUT, own_mosquitto.url, seed=5) as store:
        store.reader_down("impinj-a")  # its last will says "offline": fr-1..fr-4 are not covered
        await expect(page.locator("#state-unknown")).to_be_visible(timeout=SEEN_S)
        await expect(page.locator("#state-empty")).to_be_hidden()
        await shot(page, "mirror-room-unknown-1080x1920")
        store.reader_up("impinj-a")
        await expect(page.locator("#state-empty")).to_be_visible(timeout=SEEN_S)
        await expect(page.locator("#state-unknown")).to_be_hidden()
    await context.close()


async def test_a_withdrawn_token_turns_the_mirror_into_a_set_up_again_notice(
    edge: LiveEdge, browser: Browser
) -> None:
    token = issue_mirror_token(edge.service.db, "fr-5")
    context, page = await portrait(browser)
    await page.goto(f"{edge.base_url}/mirror/fr-5?token={token}")
    await expect(page.locator("#state-empty")).to_be_visible()
    with Session(edge.service.db) as session:
        for device in session.exec(select(MirrorDevice).where(MirrorDevice.room_id == "fr-5")).all():
            device.revoked_at = time.time()
            session.add(device)
        session.commit()
    await page.get_by_role("button", name="Español").click()  # asks the edge again, with the old token
    await expect(page.locator("#state-auth")).to_be_visible()
    await expect(page.locator("#state-auth h2")).to_have_text("Hay que volver a configurar este espejo")
    await expect(page.locator("#state-empty")).to_be_hidden()
    await context.close()


async def test_the_mirror_shows_a_quiet_reconnecting_state_and_comes_back_by_itself(
    edge: LiveEdge, browser: Browser
) -> None:
    token = issue_mirror_token(edge.service.db, "fr-6")
    context, page = await portrait(browser)
    link = {"down": False}
    sockets: list[WebSocketRoute] = []

    async def relay(ws: WebSocketRoute) -> None:
        if link["down"]:
            await ws.close(code=1001)
            return
        ws.connect_to_server()
        sockets.append(ws)

    await page.route_web_socket(re.compile(r".*/ws/mirror/fr-6.*"), relay)
    await page.goto(f"{edge.base_url}/mirror/fr-6?token={token}")
    await expect(page.locator("#state-empty")).to_be_visible()
    await expect(page.locator("#conn-pill")).to_be_hidden()
    link["down"] = True
    for ws in sockets:
        await ws.close(code=1001)
    await expect(page.locator("#conn-pill")).to_be_visible()
    await expect(page.locator("#conn-pill")).to_have_text("Reconnecting…")
    await expect(page.locator("#state-empty")).to_be_visible()  # the last view stays on screen
    link["down"] = False
    await expect(page.locator("#conn-pill")).to_be_hidden(timeout=30_000)  # backoff is capped at 15 s
    await context.close()
