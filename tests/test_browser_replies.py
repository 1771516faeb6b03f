"""A reply from a person, in real Chromium: a size request made at fr-1's mirror shows on the console;
the associate signed in there presses the quick reply "On my way"; fr-1's mirror (1080x1920) shows it at
once with her first name and initials. A second associate, whose photo ``fitroom-edge add-associate
--photo`` stored, answers the room's help call, and the mirror shows his photo. Screenshots in
test-artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from edge.cli import main as edge_cli
from edge.config import DEMO_CATALOG
from edge.credentials import add_associate, issue_mirror_token
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT
from tests.live_edge import LiveEdge, edge_settings, live_edge
from tests.test_browser_mirror import ARTIFACTS, browser, portrait  # noqa: F401 - the Chromium fixture
from tests.test_replies import png

pytestmark = [pytest.mark.browser, pytest.mark.broker]


@pytest.fixture
async def edge(own_mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    settings = edge_settings(
        own_mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, catalog=DEMO_CATALOG
    )
    async with live_edge(settings) as running:
        yield running


async def test_a_quick_reply_from_the_console_shows_on_the_mirror(
    edge: LiveEdge,
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1357")
    photo = tmp_path / "ben.png"
    photo.write_bytes(png(64, 64))
    db_url = str(edge.service.db.url)
    assert (
        edge_cli(
            [
                "add-associate",
                "--id",
                "ben",
                "--first-name",
                "Ben",
                "--pin",
                "2468",
                "--photo",
                str(photo),
                "--db-url",
                db_url,
            ]
        )
        == 0
    )
    token = issue_mirror_token(edge.service.db, "fr-1")
    mirror = {"Authorization": f"Bearer {token}"}
    catalog = edge.service.catalog
    sku = next(k for st in catalog.styles for k in st.skus if catalog.stock_of(k.gtin).in_store > 0)
    asked = await edge.http.post("/api/mirror/fr-1/requests", headers=mirror, json={"gtin": sku.gtin})
    assert asked.status_code == 201, asked.text
    task_id = asked.json()["id"]

    mirror_context, mirror_page = await portrait(browser)
    await mirror_page.goto(f"{edge.base_url}/mirror/fr-1?token={token}")

    ana = (await edge.http.post("/api/associate/login", json={"associate_id": "ana", "pin": "1357"})).json()
    console = await browser.new_context(viewport={"width": 1280, "height": 900})
    await console.add_cookies([{"name": "fitroom_associate", "value": ana["token"], "url": edge.base_url}])
    page = await console.new_page()
    await page.goto(f"{edge.base_url}/associate")
    card = page.locator(f'[data-task-id="{task_id}"], li:has(.reply-row)').first
    await card.wait_for(timeout=15_000)
    await card.locator("button.quick-reply", has_text="On my way").click()

    reply = mirror_page.locator("#replies article.reply.is-newest")
    await reply.wait_for(timeout=15_000)
    text = await reply.inner_text()
    assert "On my way" in text and "Ana" in text
    assert await reply.locator(".reply-initials").inner_text() == "A"

    # The shopper calls for help too; Ben answers it (with the API his console calls): his photo shows.
    called = await edge.http.post("/api/mirror/fr-1/help", headers=mirror)
    assert called.status_code == 201, called.text
    ben = (await edge.http.post("/api/associate/login", json={"associate_id": "ben", "pin": "2468"})).json()
    sent = await edge.http.post(
        f"/api/associate/tasks/{called.json()['id']}/reply",
        headers={"Authorization": f"Bearer {ben['token']}"},
        json={"text": "Two minutes"},
    )
    assert sent.status_code in (200, 201), sent.text
    newest = mirror_page.locator("#replies article.reply.is-newest")
    await mirror_page.locator("#replies article.reply.is-newest:has-text('Two minutes')").wait_for(
        timeout=15_000
    )
    img = newest.locator("img.reply-photo")
    await img.wait_for(timeout=10_000)
    assert await img.evaluate("i => i.complete && i.naturalWidth") == 64
    assert await mirror_page.locator("#replies article.reply").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    await mirror_page.screenshot(path=str(ARTIFACTS / "mirror-reply-1080x1920.png"))
    await page.screenshot(path=str(ARTIFACTS / "console-reply.png"))
    assert getattr(mirror_page, "js_errors") == []  # noqa: B009
    await console.close()
    await mirror_context.close()
