"""The associate console API: sign-in, the live task queue, claim and complete with response times."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select
from starlette.testclient import WebSocketDenialResponse

from cloud_sync import wire
from edge.credentials import add_associate, hash_pin, verify_pin
from edge.reads import BleSighting
from edge.storage.models import Associate, Task
from edge.web.auth import COOKIE_NAME
from tests.mirror_support import MirrorEdge, mirror_edge


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def ask_for_a_size(edge: MirrorEdge, room_id: str = "fr-1", style_index: int = 0) -> dict[str, object]:
    sku = edge.sku_in_stock(edge.style(style_index))
    response = edge.client.post(
        f"/api/mirror/{room_id}/requests", headers=edge.mirror(room_id), json={"gtin": sku.gtin}
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_pins_are_stored_as_salted_slow_hashes(edge: MirrorEdge) -> None:
    add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1234")
    with Session(edge.service.db) as db:
        (row,) = db.exec(select(Associate)).all()
    assert "1234" not in row.pin_hash and row.pin_hash.startswith("scrypt$")
    assert verify_pin("1234", row.pin_hash) and not verify_pin("4321", row.pin_hash)
    assert hash_pin("1234") != hash_pin("1234")  # salted


def test_login_sets_an_httponly_cookie_and_wrong_pin_is_401(edge: MirrorEdge) -> None:
    add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1234")
    wrong = edge.client.post("/api/associate/login", json={"associate_id": "ana", "pin": "9999"})
    assert wrong.status_code == 401
    unknown = edge.client.post("/api/associate/login", json={"associate_id": "bob", "pin": "1234"})
    assert unknown.status_code == 401
    ok = edge.client.post("/api/associate/login", json={"associate_id": "ana", "pin": "1234"})
    assert ok.status_code == 200
    assert ok.json()["associate"] == {"id": "ana", "first_name": "Ana"}
    cookie = ok.headers["set-cookie"]
    assert (
        cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    )
    # The cookie alone signs the console in.
    assert edge.client.get("/api/associate/me").json() == {"id": "ana", "first_name": "Ana"}


def test_repeated_wrong_pins_are_throttled(edge: MirrorEdge) -> None:
    add_associate(edge.service.db, associate_id="ana", first_name="Ana", pin="1234")
    for _ in range(5):
        assert (
            edge.client.post("/api/associate/login", json={"associate_id": "ana", "pin": "0000"}).status_code
            == 401
        )
    blocked = edge.client.post("/api/associate/login", json={"associate_id": "ana", "pin": "1234"})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_console_actions_need_a_signed_in_associate(edge: MirrorEdge) -> None:
    request = ask_for_a_size(edge)
    assert edge.client.get("/api/associate/tasks").status_code == 401
    assert edge.client.post(f"/api/associate/tasks/{request['id']}/claim").status_code == 401
    bogus = {"Authorization": "Bearer nope"}
    assert (
        edge.client.post(f"/api/associate/tasks/{request['id']}/complete", headers=bogus).status_code == 401
    )
    with Session(edge.service.db) as db:
        (task,) = db.exec(select(Task)).all()
    assert task.status == "open" and task.claimed_by is None


def test_queue_lists_open_tasks_oldest_first_with_their_age(edge: MirrorEdge) -> None:
    headers = edge.associate()
    first = ask_for_a_size(edge, "fr-1", 0)
    edge.client.post("/api/mirror/fr-2/help", headers=edge.mirror("fr-2"))
    tasks = edge.client.get("/api/associate/tasks", headers=headers).json()
    assert [(t["kind"], t["room_id"]) for t in tasks] == [("size_request", "fr-1"), ("help", "fr-2")]
    assert tasks[0]["id"] == first["id"] and tasks[0]["room_name"] == "Fitting room 1"
    assert tasks[0]["age_s"] >= 0 and tasks[0]["detail"]["size"]


def test_a_request_waiting_past_the_stores_target_is_over_target(edge: MirrorEdge) -> None:
    """[store] request_target_s (120 s in the demo layout) for size requests and help calls; a bag or a
    go-back has no target. Over target: still open, or claimed, later than the target."""
    headers = edge.associate()
    asked = ask_for_a_size(edge, "fr-1", 0)
    edge.client.post("/api/mirror/fr-2/help", headers=edge.mirror("fr-2"))
    with Session(edge.service.db) as db:
        for task in db.exec(select(Task)).all():
            task.created_at -= 121 if task.id == asked["id"] else 60
            db.add(task)
        db.commit()
    tasks = {t["kind"]: t for t in edge.client.get("/api/associate/tasks", headers=headers).json()}
    assert (tasks["size_request"]["target_s"], tasks["size_request"]["over_target"]) == (120.0, True)
    assert (tasks["help"]["target_s"], tasks["help"]["over_target"]) == (120.0, False)
    claimed = edge.client.post(f"/api/associate/tasks/{tasks['help']['id']}/claim", headers=headers).json()
    assert (claimed["target_s"], claimed["over_target"]) == (120.0, False)  # claimed within the target
    assert 60 <= claimed["claim_s"] < 120


def test_claim_shows_the_associates_first_name_on_the_mirror_then_done(edge: MirrorEdge) -> None:
    headers = edge.associate("ana", "Ana", "2468")
    request = ask_for_a_size(edge)
    claimed = edge.client.post(f"/api/associate/tasks/{request['id']}/claim", headers=headers)
    assert claimed.status_code == 200
    assert claimed.json()["status"] == "claimed" and claimed.json()["claimed_by"] == "Ana"
    assert claimed.json()["claim_s"] >= 0
    view = edge.client.get("/api/mirror/fr-1", headers=edge.mirror("fr-1")).json()
    assert view["requests"][0]["status"] == "claimed" and view["requests"][0]["associate_first_name"] == "Ana"
    done = edge.client.post(f"/api/associate/tasks/{request['id']}/complete", headers=headers).json()
    assert done["status"] == "done" and done["complete_s"] >= done["claim_s"]
    view = edge.client.get("/api/mirror/fr-1", headers=edge.mirror("fr-1")).json()
    assert view["requests"][0]["status"] == "done"
    assert edge.client.get("/api/associate/tasks", headers=headers).json() == []
    metrics = edge.client.get("/metrics").text
    assert 'fitroom_task_claim_seconds_count{kind="size_request"} 1.0' in metrics
    assert 'fitroom_task_complete_seconds_count{kind="size_request"} 1.0' in metrics


def test_wrong_states_are_409_and_unknown_tasks_404(edge: MirrorEdge) -> None:
    ana = edge.associate("ana", "Ana", "1111")
    ben = edge.associate("ben", "Ben", "2222")
    request = ask_for_a_size(edge)
    assert edge.client.post(f"/api/associate/tasks/{request['id']}/claim", headers=ana).status_code == 200
    stolen = edge.client.post(f"/api/associate/tasks/{request['id']}/claim", headers=ben)
    assert stolen.status_code == 409 and stolen.json()["detail"]
    assert edge.client.post(f"/api/associate/tasks/{request['id']}/complete", headers=ben).status_code == 409
    assert edge.client.post("/api/associate/tasks/9999/claim", headers=ana).status_code == 404


def test_completing_a_bag_task_marks_the_purchase_bagged(edge: MirrorEdge) -> None:
    headers = edge.associate()
    mirror = edge.mirror("fr-4")
    epc = edge.put_in_room("fr-4", edge.sku_in_stock(edge.style(9)), 11)
    purchase = edge.client.post("/api/mirror/fr-4/purchases", headers=mirror, json={"epcs": [epc]}).json()
    (bag,) = edge.client.get("/api/associate/tasks", headers=headers).json()
    assert bag["kind"] == "bag" and bag["detail"]["purchase_id"] == purchase["id"]
    edge.client.post(f"/api/associate/tasks/{bag['id']}/complete", headers=headers)
    view = edge.client.get("/api/mirror/fr-4", headers=mirror).json()
    assert view["purchases"][0]["status"] == "bagged"


def test_logout_ends_the_sign_in(edge: MirrorEdge) -> None:
    headers = edge.associate()
    assert edge.client.post("/api/associate/logout", headers=headers).status_code == 204
    assert edge.client.get("/api/associate/tasks", headers=headers).status_code == 401


def test_associate_websocket_needs_sign_in_and_pushes_new_tasks(edge: MirrorEdge) -> None:
    edge.client.cookies.clear()
    with pytest.raises(WebSocketDenialResponse) as denied, edge.client.websocket_connect("/ws/associate"):
        pass
    assert denied.value.status_code == 401
    edge.associate()  # the sign-in cookie is now in the client
    with edge.client.websocket_connect("/ws/associate") as ws:
        first = ws.receive_json()
        assert first == {"type": "tasks", "data": []}
        request = ask_for_a_size(edge)
        pushed = ws.receive_json()
        while not pushed["data"]:
            pushed = ws.receive_json()
        assert [t["id"] for t in pushed["data"]] == [request["id"]]


def test_shoppers_is_empty_without_profiles(edge: MirrorEdge) -> None:
    assert edge.client.get("/api/associate/shoppers", headers=edge.associate()).json() == []


def test_two_associates_racing_for_a_task_one_wins(edge: MirrorEdge) -> None:
    crew = [edge.associate(f"a{n}", f"Name{n}", f"{1000 + n}") for n in range(4)]
    request = ask_for_a_size(edge)

    def claim(headers: dict[str, str]) -> int:
        return edge.client.post(f"/api/associate/tasks/{request['id']}/claim", headers=headers).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = sorted(pool.map(claim, crew))
    assert codes == [200, 409, 409, 409]


def test_shoppers_lists_known_shoppers_in_the_store(edge: MirrorEdge) -> None:
    phone = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-44"
    stranger = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-45"
    edge.sync.profiles.store(phone, wire.ShopperProfile(member_id="member-3"), time.time())
    assert edge.client.portal is not None
    for device in (phone, stranger):
        sighting = BleSighting(
            node_id="omg-entrance", room_id="entrance", device_id=device, rssi=-60.0, distance_m=1.0
        )
        now = time.time()
        for t in (now, now + 1, now + 2):  # presence wants more than one sighting before it believes it
            edge.client.portal.call(edge.service.engine.observe, sighting, t)
    (shopper,) = edge.client.get("/api/associate/shoppers", headers=edge.associate()).json()
    assert shopper["room_id"] == "entrance" and shopper["since"] > 0
    assert "member_id" not in shopper  # the console sees a first name at most, never the member id
