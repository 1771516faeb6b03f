"""The HTML pages and their static files over real HTTP: status codes, escaping, caching, no escapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.config import DEMO_CATALOG
from edge.credentials import issue_mirror_token
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT
from tests.live_edge import LiveEdge, edge_settings, live_edge

pytestmark = pytest.mark.broker


@pytest.fixture
async def edge(mosquitto: Mosquitto, tmp_path: Path) -> AsyncIterator[LiveEdge]:
    settings = edge_settings(
        mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, catalog=DEMO_CATALOG
    )
    async with live_edge(settings) as running:
        yield running


async def test_the_mirror_page_answers_401_403_404_and_200_as_pages(edge: LiveEdge) -> None:
    token = issue_mirror_token(edge.service.db, "fr-1")
    ok = await edge.http.get(f"/mirror/fr-1?token={token}")
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/html")
    assert 'data-room-id="fr-1"' in ok.text
    assert "default-src 'self'" in ok.headers["content-security-policy"]
    assert (await edge.http.get("/mirror/fr-1")).status_code == 401
    assert (await edge.http.get("/mirror/fr-1?token=not-a-token")).status_code == 401
    other = await edge.http.get(f"/mirror/fr-2?token={token}")
    assert other.status_code == 403 and "another room" in other.text
    assert (await edge.http.get(f"/mirror/entrance?token={token}")).status_code == 404  # not a fitting room
    assert (await edge.http.get(f"/mirror/fr-99?token={token}")).status_code == 404


async def test_the_console_page_escapes_what_it_echoes(edge: LiveEdge) -> None:
    page = await edge.http.get('/associate?associate="><script>alert(1)</script>')
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


async def test_static_files_revalidate_and_nothing_outside_the_folder_is_served(edge: LiveEdge) -> None:
    first = await edge.http.get("/static/ui.js")
    assert first.status_code == 200 and "javascript" in first.headers["content-type"]
    assert first.headers["cache-control"] == "no-cache"
    again = await edge.http.get("/static/ui.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    for bad in ("/static/nope.js", "/static/..%2Fpages.py", "/static/.hidden.js", "/static/pages.py"):
        assert (await edge.http.get(bad)).status_code == 404, bad
