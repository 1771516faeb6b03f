"""The manager's page in real Chromium (issue 19): charts for a seeded range, the date range changes them,
the SKU CSV downloads and matches the JSON; screenshots at 1920x1080 and tablet size."""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from sqlmodel import Session

from edge.config import DEMO_CATALOG
from edge.credentials import add_associate, set_role
from edge.storage.models import FittingRoomSession, SessionItem
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT, require
from tests.live_edge import LiveEdge, edge_settings, live_edge
from tests.test_browser_mirror import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.broker]
MOVING = {"available_s", "utilisation"}


@pytest.fixture
async def edge(own_mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    settings = edge_settings(
        own_mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, catalog=DEMO_CATALOG
    )
    async with live_edge(settings) as running:
        yield running


async def test_manager_page_charts_range_and_csv(edge: LiveEdge, tmp_path: Path) -> None:
    require(os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    add_associate(edge.service.db, associate_id="mia", first_name="Mia", pin="4321")
    set_role(edge.service.db, "mia", "manager")
    gtin = edge.service.catalog.styles[0].skus[0].gtin
    now = time.time()
    with Session(edge.service.db) as db:
        for n in range(3):
            t = now - 3600 * (n + 1)
            db.add(
                FittingRoomSession(
                    id=f"seed{n}",
                    store_id="s",
                    room_id="fr-1",
                    started_at=t,
                    opened_by="item_entered",
                    ended_at=t + 300,
                )
            )
            db.add(SessionItem(session_id=f"seed{n}", epc=f"E{n}", gtin=gtin, first_seen=t, last_entered=t))
        db.commit()
    login = await edge.http.post("/api/associate/login", json={"associate_id": "mia", "pin": "4321"})
    token = login.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
        await context.add_cookies([{"name": "fitroom_associate", "value": token, "url": edge.base_url}])
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        await page.goto(f"{edge.base_url}/manager")
        assert await page.locator("svg.chart").count() == 4  # per day, per size, dwell, rooms in use by hour
        assert await page.locator('[data-kpi="sessions"]').inner_text() == "3"
        assert await page.locator("svg.chart rect.bar").count() > 0
        await page.screenshot(path=str(tmp_path / "manager-1920x1080.png"), full_page=True)
        await page.set_viewport_size({"width": 1024, "height": 768})
        await page.screenshot(path=str(tmp_path / "manager-tablet.png"), full_page=True)
        for table, first in (("skus", ("tried", "3")), ("hours", ("hour", "0"))):
            link = page.locator(f'caption a.csv[href^="/api/manager/{table}.csv"]')
            query = (await link.get_attribute("href") or "").partition("?")[2]  # the page's date range
            async with page.expect_download() as info:
                await link.click()
            download = await info.value
            rows = list(csv.DictReader(io.StringIO(Path(await download.path()).read_text())))
            js = (await edge.http.get(f"/api/manager/{table}?{query}", headers=auth)).json()
            want = [{k: "" if v is None else str(v) for k, v in r.items()} for r in js]
            if table == "hours":  # today is in the range: the rooms' available time grows until its end
                rows, want = (
                    [{k: v for k, v in r.items() if k not in MOVING} for r in t] for t in (rows, want)
                )
            assert rows == want, table
            assert rows[0][first[0]] == first[1], table
        assert sum(int(r["sessions_started"]) for r in rows) == 3  # the hours table: three seeded sessions
        await page.fill('input[name="from"]', "2020-01-01")
        await page.fill('input[name="to"]', "2020-01-31")
        await page.click('button[type="submit"]')
        await page.wait_for_url("**from=2020-01-01**")
        assert await page.locator('[data-kpi="sessions"]').inner_text() == "0"
        heights = await page.locator("svg.chart rect.bar").evaluate_all(
            "bars => bars.map(b => Number(b.getAttribute('height')))"
        )
        assert heights and not any(heights)  # only the 24 empty hours are left
        assert errors == []
        assert (tmp_path / "manager-1920x1080.png").stat().st_size > 0
        await browser.close()
