"""The mirror API against the real app (create_app + EdgeService) and a SQLite file per test."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select
from starlette.testclient import WebSocketDenialResponse

from edge.payments import PaymentDeclined, PaymentResult
from edge.storage.models import EmailList, Purchase, Task
from edge.storage.outbox import OutboxEvent
from tests.mirror_support import MirrorEdge, mirror_edge


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def rows(edge: MirrorEdge, model: type) -> list:  # type: ignore[type-arg]
    with Session(edge.service.db) as db:
        return list(db.exec(select(model)).all())


def outbox(edge: MirrorEdge) -> list[OutboxEvent]:
    return rows(edge, OutboxEvent)


# -- tokens ----------------------------------------------------------------------------------------


def test_no_token_is_401(edge: MirrorEdge) -> None:
    response = edge.client.get("/api/mirror/fr-1")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_401(edge: MirrorEdge) -> None:
    response = edge.client.get("/api/mirror/fr-1", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_another_rooms_token_is_403_for_reads_and_writes(edge: MirrorEdge) -> None:
    fr2 = edge.mirror("fr-2")
    sku = edge.sku_in_stock(edge.style(0))
    assert edge.client.get("/api/mirror/fr-1", headers=fr2).status_code == 403
    assert (
        edge.client.post("/api/mirror/fr-1/requests", headers=fr2, json={"gtin": sku.gtin}).status_code == 403
    )
    assert edge.client.post("/api/mirror/fr-1/help", headers=fr2).status_code == 403
    assert rows(edge, Task) == []


def test_a_room_that_is_not_a_fitting_room_is_404(edge: MirrorEdge) -> None:
    assert edge.client.get("/api/mirror/floor", headers=edge.mirror("floor")).status_code == 404


def test_websocket_with_another_rooms_token_is_refused_with_403(edge: MirrorEdge) -> None:
    url = f"/ws/mirror/fr-1?token={edge.token('fr-2')}"
    with pytest.raises(WebSocketDenialResponse) as denied, edge.client.websocket_connect(url):
        pass
    assert denied.value.status_code == 403


def test_websocket_without_token_is_refused_with_401(edge: MirrorEdge) -> None:
    with pytest.raises(WebSocketDenialResponse) as denied, edge.client.websocket_connect("/ws/mirror/fr-1"):
        pass
    assert denied.value.status_code == 401


# -- the room view ---------------------------------------------------------------------------------


def test_view_shows_items_with_variants_and_suggestions(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    style = edge.style(0, category="tops")
    sku = edge.sku_in_stock(style)
    epc = edge.put_in_room("fr-1", sku, 7)
    view = edge.client.get("/api/mirror/fr-1", headers=headers).json()
    assert view["room"] == {"id": "fr-1", "name": "Fitting room 1"}
    assert view["session"] is not None and view["covered"] is True
    (card,) = view["items"]
    assert card["epc"] == epc and card["known"] and card["name"] == style.name
    assert card["image"].startswith(f"/media/{style.id}/")
    assert {v["gtin"] for v in card["variants"]} == {s.gtin for s in style.skus} - {sku.gtin}
    assert all(v["availability"] in {"here", "online", "sold_out"} for v in card["variants"])
    assert view["suggestions"]
    assert all(s["style_id"] != style.id for s in view["suggestions"])


def test_an_unknown_gtin_shows_as_an_unknown_item(edge: MirrorEdge) -> None:
    from edge.catalog.model import Sku

    stranger = Sku(gtin="80614141123458", size="M", colour="Red", colour_hex="#ff0000")
    epc = edge.put_in_room("fr-1", stranger, 1)
    (card,) = edge.client.get("/api/mirror/fr-1", headers=edge.mirror("fr-1")).json()["items"]
    assert card == {**card, "epc": epc, "gtin": stranger.gtin, "known": False, "name": None}


def test_websocket_pushes_the_view_on_connect_and_on_change(edge: MirrorEdge) -> None:
    token = edge.token("fr-1")
    with edge.client.websocket_connect(f"/ws/mirror/fr-1?token={token}") as ws:
        first = ws.receive_json()
        assert first["type"] == "room" and first["data"]["items"] == []
        epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(3)), 9)
        pushed = ws.receive_json()
        while not pushed["data"]["items"]:
            pushed = ws.receive_json()
        assert [i["epc"] for i in pushed["data"]["items"]] == [epc]


# -- writes ----------------------------------------------------------------------------------------


def test_size_request_is_stored_with_its_outbox_row(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    style = edge.style(0, category="tops")
    tried = edge.sku_in_stock(style)
    wanted = edge.sku_in_stock(style, skip=1)
    epc = edge.put_in_room("fr-1", tried, 1)
    response = edge.client.post(
        "/api/mirror/fr-1/requests", headers=headers, json={"gtin": wanted.gtin, "epc": epc}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["gtin"], body["size"], body["status"]) == (wanted.gtin, wanted.size, "open")
    (event,) = [e for e in outbox(edge) if e.type == "size_request"]
    assert json.loads(event.payload)["task_id"] == body["id"]
    view = edge.client.get("/api/mirror/fr-1", headers=headers).json()
    assert [r["id"] for r in view["requests"]] == [body["id"]]


def test_asking_twice_for_the_same_size_returns_the_open_request(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    wanted = edge.sku_in_stock(edge.style(2))
    first = edge.client.post("/api/mirror/fr-1/requests", headers=headers, json={"gtin": wanted.gtin}).json()
    again = edge.client.post("/api/mirror/fr-1/requests", headers=headers, json={"gtin": wanted.gtin}).json()
    assert first["id"] == again["id"]
    assert len([e for e in outbox(edge) if e.type == "size_request"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"gtin": "123"},
        {"gtin": "00000000000000"},
        {"gtin": "05061234100015", "epc": "not hex"},
        {"gtin": "05061234100015", "colour": "extra field"},
        {},
    ],
)
def test_invalid_requests_are_422_and_write_nothing(edge: MirrorEdge, body: dict[str, str]) -> None:
    response = edge.client.post("/api/mirror/fr-1/requests", headers=edge.mirror("fr-1"), json=body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert rows(edge, Task) == [] and outbox(edge) == []


def test_a_sold_out_size_cannot_be_requested(edge: MirrorEdge) -> None:
    catalog = edge.service.catalog
    sold_out = next(s for s in catalog.stock if s.in_store == 0)
    response = edge.client.post(
        "/api/mirror/fr-1/requests", headers=edge.mirror("fr-1"), json={"gtin": sold_out.gtin}
    )
    assert response.status_code == 422 and "sold out" in response.json()["detail"]
    assert rows(edge, Task) == [] and outbox(edge) == []


def test_request_naming_an_item_not_in_the_room_is_422(edge: MirrorEdge) -> None:
    sku = edge.sku_in_stock(edge.style(1))
    body = {"gtin": sku.gtin, "epc": "3034257BF7194E4000001A85"}
    response = edge.client.post("/api/mirror/fr-1/requests", headers=edge.mirror("fr-1"), json=body)
    assert response.status_code == 422
    assert rows(edge, Task) == [] and outbox(edge) == []


def test_buy_now_records_the_purchase_a_bag_task_and_its_outbox_row(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    style = edge.style(5)
    epc = edge.put_in_room("fr-1", edge.sku_in_stock(style), 3)
    response = edge.client.post("/api/mirror/fr-1/purchases", headers=headers, json={"epcs": [epc.lower()]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["payment"] == "pay_at_bag_desk" and body["status"] == "to_bag"
    assert body["total_cents"] == style.price_cents and body["items"][0]["epc"] == epc
    (bag,) = rows(edge, Task)
    assert (bag.kind, bag.purchase_id) == ("bag", body["id"])
    (event,) = [e for e in outbox(edge) if e.type == "purchase"]
    assert json.loads(event.payload)["total_cents"] == style.price_cents
    again = edge.client.post("/api/mirror/fr-1/purchases", headers=headers, json={"epcs": [epc]})
    assert again.status_code == 409
    assert len(rows(edge, Purchase)) == 1


def test_a_shopper_without_a_phone_standing_still_past_the_idle_time_can_still_buy(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    t0 = time.time()
    epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(5)), 3, t=t0)
    edge.ctx.manager.tick(t0 + 3 * edge.service.settings.session_idle_s)  # nothing moved for 15 minutes
    view = edge.client.get("/api/mirror/fr-1", headers=headers).json()
    assert view["session"] is not None and [i["epc"] for i in view["items"]] == [epc]
    response = edge.client.post("/api/mirror/fr-1/purchases", headers=headers, json={"epcs": [epc]})
    assert response.status_code == 201, response.text
    assert [t.kind for t in rows(edge, Task)] == ["bag"]  # no go-back raised under the shopper


def test_buying_an_item_that_is_not_in_the_room_is_422_and_writes_nothing(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    here = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(5)), 3)
    elsewhere = edge.put_in_room("fr-2", edge.sku_in_stock(edge.style(6)), 4)
    response = edge.client.post(
        "/api/mirror/fr-1/purchases", headers=headers, json={"epcs": [here, elsewhere]}
    )
    assert response.status_code == 422
    assert rows(edge, Purchase) == [] and rows(edge, Task) == []
    assert [e.type for e in outbox(edge)] == []


def test_help_call_creates_one_task_until_it_is_done(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-3")
    first = edge.client.post("/api/mirror/fr-3/help", headers=headers)
    second = edge.client.post("/api/mirror/fr-3/help", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() == {"id": first.json()["id"], "status": "open"}
    assert [t.kind for t in rows(edge, Task)] == ["help"]


def test_email_with_consent_stores_the_unbought_sizes_and_colours(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    style = edge.style(0, category="tops")
    bought_sku, tried_sku, asked_sku = (edge.sku_in_stock(style, skip=n) for n in range(3))
    bought = edge.put_in_room("fr-1", bought_sku, 1)
    edge.put_in_room("fr-1", tried_sku, 2)
    edge.client.post("/api/mirror/fr-1/requests", headers=headers, json={"gtin": asked_sku.gtin})
    edge.client.post("/api/mirror/fr-1/purchases", headers=headers, json={"epcs": [bought]})
    response = edge.client.post(
        "/api/mirror/fr-1/email", headers=headers, json={"email": "shopper@example.com", "consent": True}
    )
    assert response.status_code == 201 and response.json() == {"saved": 2}
    (saved,) = rows(edge, EmailList)
    assert [i["gtin"] for i in json.loads(saved.items)] == [tried_sku.gtin, asked_sku.gtin]
    assert saved.consent_at > 0
    (event,) = [e for e in outbox(edge) if e.type == "email_opt_in"]
    assert json.loads(event.payload)["list_id"] == saved.id


@pytest.mark.parametrize(
    "body",
    [
        {"email": "shopper@example.com", "consent": False},
        {"email": "shopper@example.com"},
        {"email": "not-an-email", "consent": True},
        {"email": "shopper@example.com", "consent": True, "lang": "xx"},
    ],
)
def test_email_without_consent_or_with_a_bad_address_is_422_and_stores_nothing(
    edge: MirrorEdge, body: dict[str, object]
) -> None:
    edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(0)), 1)
    before = len(outbox(edge))
    response = edge.client.post("/api/mirror/fr-1/email", headers=edge.mirror("fr-1"), json=body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert rows(edge, EmailList) == [] and len(outbox(edge)) == before


# -- schema and media ------------------------------------------------------------------------------


def test_openapi_describes_the_mirror_and_associate_api(edge: MirrorEdge) -> None:
    spec = edge.client.get("/openapi.json").json()
    for path in (
        "/api/mirror/{room_id}",
        "/api/mirror/{room_id}/requests",
        "/api/mirror/{room_id}/purchases",
        "/api/mirror/{room_id}/help",
        "/api/mirror/{room_id}/email",
        "/api/associate/login",
        "/api/associate/tasks",
        "/api/associate/tasks/{task_id}/claim",
        "/api/associate/tasks/{task_id}/complete",
        "/api/associate/shoppers",
    ):
        assert path in spec["paths"], path
    for schema in (
        "RoomView",
        "ItemCard",
        "RequestPublic",
        "PurchasePublic",
        "TaskPublic",
        "SuggestionPublic",
    ):
        assert schema in spec["components"]["schemas"], schema


def test_media_draws_each_style_in_its_colour_locally(edge: MirrorEdge) -> None:
    style = edge.style(0, category="shoes")
    colour = style.skus[0].colour_hex.lstrip("#").lower()
    response = edge.client.get(f"/media/{style.id}/{colour}.svg")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert f'fill="#{colour}"' in response.text and "http://" not in response.text.replace(
        "http://www.w3.org/2000/svg", ""
    )
    assert edge.client.get(f"/media/{style.id}.svg").status_code == 200
    assert edge.client.get("/media/NOPE-1.svg").status_code == 404
    assert edge.client.get(f"/media/{style.id}/zzzzzz.svg").status_code == 404


class DecliningProvider:
    def authorize(self, *, amount_cents: int, currency: str, reference: str) -> PaymentResult:
        raise PaymentDeclined("card declined")


def test_a_declined_payment_is_402_and_writes_nothing(edge: MirrorEdge) -> None:
    edge.ctx.payments = DecliningProvider()
    epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(5)), 3)
    response = edge.client.post(
        "/api/mirror/fr-1/purchases", headers=edge.mirror("fr-1"), json={"epcs": [epc]}
    )
    assert response.status_code == 402 and response.json()["detail"] == "card declined"
    assert rows(edge, Purchase) == [] and rows(edge, Task) == [] and outbox(edge) == []


def test_websocket_for_a_room_that_is_not_a_fitting_room_is_404(edge: MirrorEdge) -> None:
    url = f"/ws/mirror/floor?token={edge.token('floor')}"
    with pytest.raises(WebSocketDenialResponse) as denied, edge.client.websocket_connect(url):
        pass
    assert denied.value.status_code == 404


def test_two_racing_taps_on_buy_now_sell_the_item_once(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    epc = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(5)), 3)

    def buy(_: int) -> int:
        response = edge.client.post("/api/mirror/fr-1/purchases", headers=headers, json={"epcs": [epc]})
        return response.status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = sorted(pool.map(buy, range(4)))
    assert codes == [201, 409, 409, 409]
    assert len(rows(edge, Purchase)) == 1
    assert len([e for e in outbox(edge) if e.type == "purchase"]) == 1


def test_sending_the_same_email_twice_stores_one_list(edge: MirrorEdge) -> None:
    headers = edge.mirror("fr-1")
    edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(0)), 1)
    body = {"email": "shopper@example.com", "consent": True}
    first = edge.client.post("/api/mirror/fr-1/email", headers=headers, json=body)
    second = edge.client.post("/api/mirror/fr-1/email", headers=headers, json=body)
    assert first.status_code == second.status_code == 201 and first.json() == second.json() == {"saved": 1}
    assert len(rows(edge, EmailList)) == 1
    assert len([e for e in outbox(edge) if e.type == "email_opt_in"]) == 1
