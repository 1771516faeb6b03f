"""The entrance's queue screen (issue 17): ``fitroom-edge display-token --name entrance`` issues its token;
``/queue?token=…`` is the page (401 page without it, and a mirror's token does not open it), the JSON and
the WebSocket show "now serving" and the waiting tickets (never a name) and push when a ticket is taken
or called; in real Chromium the screen follows a call live, in Spanish when the display asks for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect
from starlette.testclient import WebSocketDenialResponse

from edge.credentials import add_associate, issue_display_token
from edge.topics import TASKS_CHANGED
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT, require
from tests.live_edge import edge_settings, live_edge
from tests.mirror_support import MirrorEdge, mirror_edge
from tests.test_browser_mirror import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def test_the_display_token_cli_prints_a_token_that_opens_the_screen(edge: MirrorEdge) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "edge.cli",
            "display-token",
            "--name",
            "entrance",
            "--db-url",
            f"sqlite:///{edge.db_path}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    token = out.stdout.strip()
    assert "/queue?token=" in out.stderr and token in out.stderr
    page = edge.client.get("/queue", params={"token": token})
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "edge.cli",
            "display-token",
            "--name",
            "no spaces",
            "--db-url",
            f"sqlite:///{edge.db_path}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "display name" in bad.stderr


def test_the_screen_shows_tickets_only_and_pushes_calls(edge: MirrorEdge) -> None:
    token = issue_display_token(edge.service.db, "entrance")
    assert edge.client.get("/queue").status_code == 401
    assert edge.client.get("/queue", params={"token": edge.token("fr-1")}).status_code == 401  # a mirror's
    assert edge.client.get("/api/queue/screen", params={"token": "nope"}).status_code == 401
    with pytest.raises(WebSocketDenialResponse), edge.client.websocket_connect("/ws/queue?token=nope"):
        pass
    ana = edge.associate()
    with edge.client.websocket_connect(f"/ws/queue?token={token}") as ws:
        assert ws.receive_json()["data"]["waiting"] == []
        first = edge.client.post("/api/associate/queue", headers=ana, json={"name": "Lee", "party": 2}).json()
        taken = ws.receive_json()["data"]
        assert [(w["ticket"], w["party"]) for w in taken["waiting"]] == [(first["ticket"], 2)]
        start = time.time()
        edge.put_in_room("fr-3", edge.sku_in_stock(edge.style(2)), 90, t=start)
        edge.ctx.manager.tick(start + 3600)  # the session ends: sensing releases fr-3, the ticket is called
        while not (called := ws.receive_json()["data"])["now_serving"]:
            pass
    assert [(c["ticket"], c["room_name"]) for c in called["now_serving"]] == [
        (first["ticket"], "Fitting room 3")
    ]
    assert called["waiting"] == []
    screen = edge.client.get("/api/queue/screen", headers={"Authorization": f"Bearer {token}"})
    assert screen.json() == called and "Lee" not in screen.text


@pytest.mark.browser
@pytest.mark.broker
async def test_the_queue_screen_follows_a_call_live_in_chromium(mosquitto: Mosquitto, tmp_path: Path) -> None:
    require(os.access(CHROMIUM, os.X_OK), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    settings = edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT)
    async with live_edge(settings) as edge, async_playwright() as pw:
        token = issue_display_token(edge.service.db, "entrance")
        add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1234")
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1080, "height": 1920})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{edge.base_url}/queue?token={token}&lang=es")
        await expect(page.locator("#serving-h")).to_have_text("Atendiendo")
        await expect(page.locator("#q-live")).to_have_attribute("data-state", "live")
        login = await edge.http.post("/api/associate/login", json={"associate_id": "ana", "pin": "1234"})
        ana = {"Authorization": f"Bearer {login.json()['token']}"}
        ticket = (await edge.http.post("/api/associate/queue", headers=ana, json={"party": 3})).json()[
            "ticket"
        ]
        await expect(page.locator(f'#waiting li[data-ticket="{ticket}"]')).to_be_visible()
        assert edge.app is not None
        # fr-2 released (sensing's path is the test above; here the screen's side of it).
        start = time.time()
        assert edge.app.state.queue.room_released("fr-2", started_at=start - 600, ended_at=start) is not None
        edge.app.state.rooms.manager.notify(TASKS_CHANGED, None)
        serving = page.locator(f'#serving li[data-ticket="{ticket}"]')
        await expect(serving).to_be_visible()
        await expect(serving.locator(".q-room")).to_have_text("Fitting room 2")
        size = await serving.locator(".q-ticket").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 120  # px on a 1080-wide portrait screen: readable from three metres
        await page.screenshot(path=str(tmp_path / "queue-1080x1920.png"))
        # The same screen in Arabic reads right to left.
        await page.goto(f"{edge.base_url}/queue?token={token}&lang=ar")
        await expect(page.locator("html")).to_have_attribute("dir", "rtl")
        await expect(page.locator("#serving-h")).to_have_text("يُخدم الآن")
        await browser.close()
        assert errors == []
