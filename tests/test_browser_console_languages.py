"""The associate console in Spanish, in real Chromium: a size request from a mirror shows on the console in
Spanish when the address says ?lang=es (kind, title, buttons, quick replies, the page's fixed words and
<html lang>); "Atender" claims it with a Spanish toast; a Spanish quick reply reaches the mirror as sent;
the picker switches the console to English at once, the choice is remembered across a reload, and a
?lang= in the address still wins; the sign-in form and its errors in Spanish.
Screenshot in test-artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from edge.config import DEMO_CATALOG
from edge.credentials import add_associate, issue_mirror_token
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT
from tests.live_edge import LiveEdge, edge_settings, live_edge
from tests.test_browser_mirror import ARTIFACTS, browser  # noqa: F401 - the Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.broker]


@pytest.fixture
async def edge(own_mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    settings = edge_settings(
        own_mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, catalog=DEMO_CATALOG
    )
    async with live_edge(settings) as running:
        yield running


async def card_text(page: Page, task_id: int) -> str:
    card = page.locator(f'li.task[data-task-id="{task_id}"]')
    await card.wait_for(timeout=15_000)
    return await card.text_content() or ""


async def test_the_console_in_spanish_and_switching_back(
    edge: LiveEdge,
    browser: Browser,  # noqa: F811
) -> None:
    add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1357")
    token = issue_mirror_token(edge.service.db, "fr-1")
    mirror = {"Authorization": f"Bearer {token}"}
    catalog = edge.service.catalog
    sku = next(k for st in catalog.styles for k in st.skus if catalog.stock_of(k.gtin).in_store > 0)
    asked = await edge.http.post("/api/mirror/fr-1/requests", headers=mirror, json={"gtin": sku.gtin})
    assert asked.status_code == 201, asked.text
    task_id = asked.json()["id"]

    ana = (await edge.http.post("/api/associate/login", json={"associate_id": "ana", "pin": "1357"})).json()
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_cookies([{"name": "fitroom_associate", "value": ana["token"], "url": edge.base_url}])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    await page.goto(f"{edge.base_url}/associate?lang=es")
    text = await card_text(page, task_id)
    assert "Petición de talla" in text and "Llevar " in text and "Atender" in text, text
    assert "Voy para allá" in text and "Escribir…" in text and "Size request" not in text, text
    assert await page.evaluate("document.documentElement.lang") == "es"
    assert await page.locator("#queue-title").text_content() == "Cola · las más antiguas primero"
    assert await page.locator('.filter[data-filter="mine"]').text_content() == "Mías"
    assert await page.locator("#sign-out").text_content() == "Salir"
    assert await page.locator("#console-lang").input_value() == "es"
    assert (await page.title()).startswith("Consola del dependiente")

    await page.locator(f'li.task[data-task-id="{task_id}"] button.claim-btn').click()
    await page.locator("#toast", has_text="Atendida — es tuya").wait_for(timeout=10_000)
    await page.locator(f'li.task[data-task-id="{task_id}"] .claimed', has_text="Contigo").wait_for(
        timeout=10_000
    )
    quick = page.locator(f'li.task[data-task-id="{task_id}"] button.quick-reply', has_text="Voy para allá")
    await quick.click()
    await page.locator("#toast", has_text="Enviado al espejo: Voy para allá").wait_for(timeout=10_000)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "console-es.png"), full_page=True)

    # A failed action is told in the console's language, never in the API's English message.
    problems = await page.evaluate(
        """async () => {
          const m = await import("/static/console-i18n.js");
          const t = m.translator("es");
          return [409, 404, 500].map((status) =>
            m.problemText(t, Object.assign(new Error("task 7 is claimed"), { status }), "failed"));
        }"""
    )
    assert problems == [
        "Ya lo tiene otra persona o ya está hecho",
        "Eso ya no está; la lista está al día",
        "No ha funcionado — inténtalo de nuevo",
    ], problems

    # The reply went to the mirror as the associate sent it.
    room = (await edge.http.get("/api/mirror/fr-1", headers=mirror)).json()
    assert "Voy para allá" in str(room), room

    # The picker switches at once, without a reload; the choice is remembered.
    await page.locator("#console-lang").select_option("en")
    await page.locator(f'li.task[data-task-id="{task_id}"] .kind', has_text="Size request").wait_for(
        timeout=5_000
    )
    assert await page.evaluate("document.documentElement.lang") == "en"
    assert await page.locator("#queue-title").text_content() == "Queue · oldest first"
    assert "With you" in await card_text(page, task_id)
    await page.goto(f"{edge.base_url}/associate")
    assert "Size request" in await card_text(page, task_id)
    await page.locator("#console-lang").select_option("es")
    await page.goto(f"{edge.base_url}/associate")
    assert "Petición de talla" in await card_text(page, task_id)
    await page.goto(f"{edge.base_url}/associate?lang=en")
    assert "Size request" in await card_text(page, task_id)
    assert errors == []
    await context.close()


async def test_the_sign_in_form_in_spanish(
    edge: LiveEdge,
    browser: Browser,  # noqa: F811
) -> None:
    add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1357")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{edge.base_url}/associate?lang=es")
    await page.locator("#signin-form").wait_for(timeout=15_000)
    assert await page.locator("#signin-view h1").text_content() == "Entrar"
    assert await page.locator('label[for="associate-id"]').text_content() == "ID de dependiente"
    await page.locator("#signin-btn").click()
    assert await page.locator("#signin-error").text_content() == "Escribe tu ID de dependiente."
    await page.locator("#associate-id").fill("ana")
    await page.locator("#pin").fill("9999")
    await page.locator("#signin-btn").click()
    await page.locator("#signin-error", has_text="Ese ID y ese PIN no coinciden").wait_for(timeout=10_000)
    await page.locator("#pin").fill("1357")
    await page.locator("#signin-btn").click()
    await page.locator("#conn-text", has_text="En directo").wait_for(timeout=10_000)
    assert await page.locator("#who").text_content() == "Ana"
    await context.close()
