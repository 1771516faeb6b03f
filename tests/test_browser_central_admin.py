"""Head office's page in real Chromium (issue 19): the central store as a real process on PostgreSQL, two
weeks of three stores' sessions through the real ingest; sign in with the admin token in the form, the
charts draw (strict CSP, no console error), a narrower range changes the figures, a store filter shows
one store, the SKU CSV downloads and matches the JSON. Screenshot at 1920x1080 in test-artifacts/."""

from __future__ import annotations

import csv
import io
import os
import random
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import async_playwright
from sqlmodel import Session

from charts.ranges import day
from cloud_sync.central.db import make_engine
from cloud_sync.central.stores import create_store
from tests.central_support import ADMIN_TOKEN, CentralServer, database_url
from tests.conftest import require
from tests.test_browser_mirror import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.test_central_figures import CATALOG, SCARF, SHIRT_L, SHIRT_M, ended

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
STORES = {"s1": "Flagship", "s2": "Outlet", "s3": "Station"}


def history(store: str, now: float, rng: random.Random) -> list[dict[str, Any]]:
    """Fourteen days of a store's sessions, a handful an hour of opening time."""
    events = []
    gtins = (SHIRT_M, SHIRT_L, SCARF)
    for d in range(14):
        for n in range(rng.randint(8, 20)):
            started = now - (d + 1) * 86400 + 9 * 3600 + n * 1500
            items = [(f"{store}-{d}-{n}-{k}", rng.choice(gtins)) for k in range(rng.randint(1, 4))]
            bought = ((items[0][1],),) if rng.random() < 0.35 else ()
            asked = (rng.choice(gtins),) if rng.random() < 0.3 else ()
            dwell = rng.lognormvariate(6.0, 0.5)
            events.append(
                ended(f"{store}-{d}-{n}", store, started, dwell, items, requested=asked, bought=bought)
            )
    return events


async def test_head_office_page_signs_in_draws_filters_and_downloads(tmp_path: Path) -> None:
    require(os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    with database_url("postgresql", tmp_path / "unused.db") as url:
        server = CentralServer(url, tmp_path)
        server.start()
        try:
            engine = make_engine(url)
            with Session(engine) as session:
                keys = {
                    s: create_store(session, store_id=s, name=n, now=time.time()) for s, n in STORES.items()
                }
                session.commit()
            engine.dispose()
            assert server.admin("PUT", "/v1/admin/catalog", json=CATALOG).status_code == 200
            now, rng = time.time(), random.Random(19)
            for store, key in keys.items():
                r = httpx.post(
                    f"{server.url}/v1/stores/{store}/events",
                    json={"events": history(store, now, rng)},
                    headers={"Authorization": f"Bearer {key}"},
                    timeout=60,
                )
                assert r.status_code == 200 and not r.json()["rejected"], r.text
            await _drive(server, now, tmp_path)
        finally:
            server.stop()


async def _drive(server: CentralServer, now: float, tmp_path: Path) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        await page.goto(f"{server.url}/admin")
        await page.fill('input[name="token"]', ADMIN_TOKEN)
        await page.click('button[type="submit"]')
        await page.wait_for_selector("svg.chart")
        await page.wait_for_load_state("load")  # the first chart may come before the page's last part
        assert "token" not in page.url  # the token went in a form body, never in the address
        everything = server.admin("GET", "/v1/admin/kpis").json()
        assert await page.locator('[data-kpi="sessions"]').inner_text() == str(everything["sessions"])
        # the chain, three stores, sizes, dwell, rooms in use by hour
        assert await page.locator("svg.chart").count() == 7
        for family in ("hours", "styles", "tasks", "go-backs", "queue", "reservations", "offers"):
            assert await page.locator(f'caption a.csv[href^="/admin/{family}.csv"]').count() == 1, family
        assert await page.locator("svg.chart polyline.series").count() == 4
        assert await page.locator("svg.chart rect.bar").count() > 5
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "central-admin-1920x1080.png"), full_page=True)

        three = {"from": day(now - 3 * 86400), "to": day(now)}
        await page.fill('input[name="from"]', three["from"])
        await page.select_option('select[name="store_id"]', "s2")
        await page.click('form[action="/admin"] button[type="submit"]')
        await page.wait_for_url("**store_id=s2**")
        outlet = server.admin("GET", "/v1/admin/kpis", params={**three, "store_id": "s2"}).json()
        assert 0 < outlet["sessions"] < everything["sessions"]
        assert await page.locator('[data-kpi="sessions"]').inner_text() == str(outlet["sessions"])
        assert await page.locator("svg.chart").count() == 4  # one store: its conversion, sizes, dwell, hours
        async with page.expect_download() as info:
            await page.locator('caption a.csv[href^="/admin/hours.csv"]').click()
        rows = list(csv.DictReader(io.StringIO(Path(await (await info.value).path()).read_text())))
        hours = server.admin("GET", "/v1/admin/hours", params={**three, "store_id": "s2"}).json()
        assert [r["hour"] for r in rows] == [str(h["hour"]) for h in hours] and len(rows) == 24
        assert [r["sessions_started"] for r in rows] == [str(h["sessions_started"]) for h in hours]

        async with page.expect_download() as info:
            await page.locator('caption a.csv[href^="/admin/skus.csv"]').click()
        rows = list(csv.DictReader(io.StringIO(Path(await (await info.value).path()).read_text())))
        skus = server.admin("GET", "/v1/admin/skus", params={**three, "store_id": "s2"}).json()
        assert rows == [{k: "" if v is None else str(v) for k, v in r.items()} for r in skus] and rows
        assert errors == []
        await browser.close()
