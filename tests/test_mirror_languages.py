"""The mirror's ``lang`` on the API and the WebSocket: garments' names and descriptions in the screen's
language where the catalog carries them (a style's ``names`` and ``descriptions``), as cataloged where it
does not, and a language the mirror does not speak refused with a message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import WebSocketDenialResponse

from edge.config import DEMO_CATALOG
from tests.mirror_support import MirrorEdge, mirror_edge

NAMES = {"es": "Camisa Oxford entallada", "ar": "قميص أكسفورد ضيق", "de": "Schmales Oxford-Hemd"}
DESCRIPTIONS = {"es": "Algodón oxford de corte entallado.", "ar": "قطن أكسفورد بقصّة ضيقة."}


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    catalog["styles"][0] |= {"names": NAMES, "descriptions": DESCRIPTIONS}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    with mirror_edge(tmp_path / "edge.db", catalog=path) as e:
        yield e


def card(view: dict[str, object]) -> dict[str, object]:
    items = view["items"]
    assert isinstance(items, list) and len(items) == 1
    found: dict[str, object] = items[0]
    return found


def test_names_and_descriptions_come_in_the_screens_language(edge: MirrorEdge) -> None:
    style = edge.style(0)
    edge.put_in_room("fr-1", style.skus[0], 1)
    headers = edge.mirror("fr-1")

    def view(lang: str) -> dict[str, object]:
        response = edge.client.get("/api/mirror/fr-1", params={"lang": lang}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    assert (card(view("es"))["name"], card(view("es"))["description"]) == (NAMES["es"], DESCRIPTIONS["es"])
    assert card(view("ar"))["name"] == NAMES["ar"]
    # German has a name but no description: the description stays as cataloged.
    assert (card(view("de"))["name"], card(view("de"))["description"]) == (NAMES["de"], style.description)
    assert card(view("fr"))["name"] == style.name and card(view("en"))["name"] == style.name
    refused = edge.client.get("/api/mirror/fr-1", params={"lang": "xx"}, headers=headers)
    assert refused.status_code == 422 and "lang" in refused.text

    token = edge.token("fr-1")
    with edge.client.websocket_connect(f"/ws/mirror/fr-1?token={token}&lang=ar") as ws:
        pushed = ws.receive_json()
        assert pushed["type"] == "room" and card(pushed["data"])["name"] == NAMES["ar"]
    with (
        pytest.raises(WebSocketDenialResponse) as denied,
        edge.client.websocket_connect(f"/ws/mirror/fr-1?token={token}&lang=klingon"),
    ):
        pass
    assert denied.value.status_code == 422


def test_colours_and_what_was_asked_for_or_bought_come_in_the_screens_language(edge: MirrorEdge) -> None:
    """A SKU's ``colours`` name its colour per language: on the card, its sizes and colours, a size
    request and a purchase (recorded in the catalog's language, shown in the screen's)."""
    style = edge.style(0)
    sku = style.skus[0]
    assert sku.colours.get("es") and sku.colours["es"] != sku.colour, (
        "the demo catalog names colours in Spanish"
    )
    epc = edge.put_in_room("fr-1", sku, 1)
    headers = edge.mirror("fr-1")
    stock = edge.service.catalog.stock_of
    other = next(s for s in style.skus if s.gtin != sku.gtin and stock(s.gtin).in_store > 0)
    assert edge.client.post(
        "/api/mirror/fr-1/requests", json={"gtin": other.gtin}, headers=headers
    ).is_success
    assert edge.client.post("/api/mirror/fr-1/purchases", json={"epcs": [epc]}, headers=headers).is_success

    for lang in ("es", "ar", "de"):
        view = edge.client.get("/api/mirror/fr-1", params={"lang": lang}, headers=headers).json()
        shown = card(view)
        assert shown["colour"] == sku.colours[lang]
        colours = {v["colour"] for v in shown["variants"]}  # type: ignore[index]
        assert colours <= {s.colours[lang] for s in style.skus}, colours
        assert [r["colour"] for r in view["requests"]] == [other.colours[lang]]
        assert [i["colour"] for p in view["purchases"] for i in p["items"]] == [sku.colours[lang]]
    english = edge.client.get("/api/mirror/fr-1", params={"lang": "en"}, headers=headers).json()
    assert card(english)["colour"] == sku.colour
    assert [r["colour"] for r in english["requests"]] == [other.colour]
