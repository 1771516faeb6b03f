"""Sessions on disk: presence through the bus opens them, idle ends them with go-backs and outbox rows,
and a restarted edge resumes the ones that were open (same SQLite file, a new service)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlmodel import Session, select

from cloud_sync import wire
from edge.epc import decode_sgtin96, encode_sgtin96
from edge.presence.events import EventType, PresenceEvent
from edge.storage.models import EmailList, FittingRoomSession, SessionItem, Task
from edge.storage.outbox import OutboxEvent
from edge.topics import MEMBER_ERASED, PRESENCE, PROFILE_ARRIVED
from tests.mirror_support import MirrorEdge, eventually, mirror_edge

PHONE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-77"


def db_rows(edge: MirrorEdge, model: type) -> list:  # type: ignore[type-arg]
    with Session(edge.service.db) as db:
        return list(db.exec(select(model)).all())


def test_presence_on_the_bus_reaches_the_mirror(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db") as edge:
        headers = edge.mirror("fr-2")
        sku = edge.sku_in_stock(edge.style(4))
        epc = encode_sgtin96(sku.gtin, 42)
        event = PresenceEvent(time.time(), EventType.ITEM_ENTERED, "fr-2", epc=epc, gtin=sku.gtin)
        assert edge.client.portal is not None
        edge.client.portal.call(edge.service.bus.publish, PRESENCE, event)

        def items() -> list[str]:
            view = edge.client.get("/api/mirror/fr-2", headers=headers).json()
            return [i["epc"] for i in view["items"]]

        assert eventually(items) == [epc]
        (row,) = db_rows(edge, SessionItem)
        assert (row.epc, row.gtin, row.present) == (epc, sku.gtin, True)


def test_idle_session_ends_with_a_go_back_task_and_outbox_rows(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db", session_idle_s=60) as edge:
        t0 = time.time()
        style = edge.style(0, category="dresses")
        left_behind = edge.put_in_room("fr-1", edge.sku_in_stock(style), 1, t=t0)
        taken = edge.put_in_room("fr-1", edge.sku_in_stock(style, skip=1), 2, t=t0)
        bought = edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(1, category="shoes")), 3, t=t0)
        edge.shopper_in("fr-1", PHONE, t=t0)
        edge.take_out("fr-1", taken, t=t0 + 1)
        edge.ctx.manager.apply_presence([PresenceEvent(t0 + 1, EventType.SHOPPER_LEFT, "fr-1", device=PHONE)])
        purchase = edge.client.post(
            "/api/mirror/fr-1/purchases", headers=edge.mirror("fr-1"), json={"epcs": [bought]}
        )
        assert purchase.status_code == 201
        edge.ctx.manager.tick(t0 + 30)
        assert [s.ended_at for s in db_rows(edge, FittingRoomSession)] == [None]

        edge.ctx.manager.tick(time.time() + 61)

        (session,) = db_rows(edge, FittingRoomSession)
        assert session.ended_at is not None
        go_back = next(t for t in db_rows(edge, Task) if t.kind == "go_back")
        assert [i["epc"] for i in json.loads(go_back.detail)["items"]] == [left_behind]
        events = {e.type: json.loads(e.payload) for e in db_rows(edge, OutboxEvent)}
        assert events["go_back"]["task_id"] == go_back.id
        ended = events["session_ended"]
        assert ended["session_id"] == session.id and ended["go_backs"] == [left_behind]
        assert {i["epc"] for i in ended["items"]} == {left_behind, taken, bought}
        view = edge.client.get("/api/mirror/fr-1", headers=edge.mirror("fr-1")).json()
        assert view["session"] is None and view["items"] == []
        metrics = edge.client.get("/metrics").text
        assert "fitroom_sessions_ended_total 1.0" in metrics and "fitroom_go_back_items_total 1.0" in metrics


def test_an_unanswered_size_request_is_cancelled_when_the_session_ends(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db", session_idle_s=60) as edge:
        sku = edge.sku_in_stock(edge.style(7))
        request = edge.client.post(
            "/api/mirror/fr-5/requests", headers=edge.mirror("fr-5"), json={"gtin": sku.gtin}
        )
        assert request.status_code == 201
        edge.ctx.manager.tick(time.time() + 61)
        (task,) = db_rows(edge, Task)
        assert task.status == "cancelled"


def test_a_room_with_unknown_coverage_keeps_its_session(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db", session_idle_s=60) as edge:
        t0 = time.time()
        edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(2)), 1, t=t0)
        edge.ctx.manager.apply_presence([PresenceEvent(t0 + 1, EventType.ROOM_UNKNOWN, "fr-1")])
        edge.ctx.manager.tick(t0 + 3600)
        (session,) = db_rows(edge, FittingRoomSession)
        assert session.ended_at is None
        view = edge.client.get("/api/mirror/fr-1", headers=edge.mirror("fr-1")).json()
        assert view["covered"] is False and len(view["items"]) == 1


def test_a_restarted_edge_resumes_open_sessions(tmp_path: Path) -> None:
    db_path = tmp_path / "edge.db"
    with mirror_edge(db_path) as edge:
        token = edge.token("fr-3")
        style = edge.style(3)
        kept = edge.put_in_room("fr-3", edge.sku_in_stock(style), 1)
        gone = edge.put_in_room("fr-3", edge.sku_in_stock(style, skip=1), 2)
        edge.take_out("fr-3", gone)
        request = edge.client.post(
            "/api/mirror/fr-3/requests",
            headers={"Authorization": f"Bearer {token}"},
            json={"gtin": edge.sku_in_stock(style, skip=2).gtin},
        ).json()
        (before,) = db_rows(edge, FittingRoomSession)

    with mirror_edge(db_path) as edge:  # a new process: new service, same database
        view = edge.client.get("/api/mirror/fr-3", headers={"Authorization": f"Bearer {token}"}).json()
        assert view["session"]["id"] == before.id
        assert [i["epc"] for i in view["items"]] == [kept]
        assert [r["id"] for r in view["requests"]] == [request["id"]]
        # New activity continues the same session instead of opening another.
        edge.put_in_room("fr-3", edge.sku_in_stock(style, skip=3), 5)
        assert len(db_rows(edge, FittingRoomSession)) == 1


def test_a_resumed_item_not_read_again_is_dropped_after_the_grace_period(tmp_path: Path) -> None:
    db_path = tmp_path / "edge.db"
    with mirror_edge(db_path) as edge:
        epc = edge.put_in_room("fr-6", edge.sku_in_stock(edge.style(8)), 1)
    with mirror_edge(db_path) as edge:
        # grace: a try-on's length (presence's worn_s), at least 30 s
        edge.ctx.manager.tick(time.time() + max(30.0, edge.service.layout.presence.worn_s) + 1)
        (item,) = db_rows(edge, SessionItem)
        assert item.epc == epc and item.present is False


def know_shopper(edge: MirrorEdge, device: str, member_id: str, sizes: dict[str, str]) -> None:
    """Put a profile into cloud sync's directory, as the sync worker does when the beacon is first seen."""
    profile = wire.ShopperProfile(member_id=member_id, preferred_sizes=sizes)
    edge.sync.profiles.store(device, profile, time.time())


def test_a_known_shopper_walking_past_is_neither_greeted_on_nor_credited_with_anothers_session(
    tmp_path: Path,
) -> None:
    """A shopper without the app tries a garment on in fr-3; a known shopper's phone is placed in fr-3 for a
    moment as they walk past its door. Their name and sizes stay off fr-3's mirror, the session is not
    theirs, and it does not end as if its shopper had left."""
    with mirror_edge(tmp_path / "edge.db", session_idle_s=0.5) as edge:
        phone = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-44"
        know_shopper(edge, phone, "member-8", {"tops": "S"})
        headers = edge.mirror("fr-3")
        edge.put_in_room("fr-3", edge.sku_in_stock(edge.style(0, category="tops")), 1)
        t = time.time()
        edge.ctx.manager.apply_presence([PresenceEvent(t, EventType.SHOPPER_ENTERED, "fr-3", device=phone)])
        assert edge.client.get("/api/mirror/fr-3", headers=headers).json()["shopper"] is None
        edge.ctx.manager.apply_presence(
            [PresenceEvent(t + 0.1, EventType.SHOPPER_LEFT, "fr-3", device=phone)]
        )
        time.sleep(1.5)  # three idle periods: the session of a shopper whose phone left would have ended
        view = edge.client.get("/api/mirror/fr-3", headers=headers).json()
        assert view["session"] is not None and view["shopper"] is None
        (row,) = db_rows(edge, FittingRoomSession)
        assert row.ended_at is None and row.member_id is None and row.devices == []


def test_a_known_shopper_gets_their_sizes_is_named_in_events_and_forgotten_on_erasure(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db") as edge:
        phone = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42"
        know_shopper(edge, phone, "member-7", {"outerwear": "XS"})
        headers = edge.mirror("fr-1")
        edge.shopper_in("fr-1", phone)
        edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(0, category="tops")), 1)
        view = edge.client.get("/api/mirror/fr-1", headers=headers).json()
        assert view["shopper"] is not None and view["shopper"]["preferred_sizes"] == {"outerwear": "XS"}
        coats = [s for s in view["suggestions"] if s["category"] == "outerwear"]
        assert (
            coats and all(s["size"] == "XS" for s in coats if "XS" in s["size"]) and coats[0]["size"] == "XS"
        )
        saved = edge.client.post(
            "/api/mirror/fr-1/email", headers=headers, json={"email": "lucia@example.com", "consent": True}
        )
        assert saved.status_code == 201
        (event,) = [e for e in db_rows(edge, OutboxEvent) if e.type == "email_opt_in"]
        assert event.member_id == "member-7"

        assert edge.client.portal is not None
        edge.client.portal.call(edge.service.bus.publish, MEMBER_ERASED, "member-7")

        def forgotten() -> bool:
            sessions = db_rows(edge, FittingRoomSession)
            return not db_rows(edge, EmailList) and all(s.member_id is None for s in sessions)

        assert eventually(forgotten)


def test_the_running_edge_ends_idle_sessions_by_itself(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db", session_idle_s=0.5) as edge:
        headers = edge.mirror("fr-2")
        t0 = time.time()
        edge.shopper_in("fr-2", PHONE, t=t0)
        edge.put_in_room("fr-2", edge.sku_in_stock(edge.style(12)), 1, t=t0)
        assert edge.client.get("/api/mirror/fr-2", headers=headers).json()["session"] is not None
        edge.ctx.manager.apply_presence([PresenceEvent(t0, EventType.SHOPPER_LEFT, "fr-2", device=PHONE)])

        def ended() -> bool:
            return edge.client.get("/api/mirror/fr-2", headers=headers).json()["session"] is None

        assert eventually(ended)
        assert [t.kind for t in db_rows(edge, Task)] == ["go_back"]


def test_a_profile_arriving_later_is_pushed_to_the_shoppers_mirror(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db") as edge:
        phone = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-43"
        edge.shopper_in("fr-4", phone)
        with edge.client.websocket_connect(f"/ws/mirror/fr-4?token={edge.token('fr-4')}") as ws:
            assert ws.receive_json()["data"]["shopper"] is None
            know_shopper(edge, phone, "member-9", {"shoes": "39"})
            assert edge.client.portal is not None
            edge.client.portal.call(edge.service.bus.publish, PROFILE_ARRIVED, phone)
            pushed = ws.receive_json()
            while pushed["data"]["shopper"] is None:
                pushed = ws.receive_json()
            assert pushed["data"]["shopper"]["preferred_sizes"] == {"shoes": "39"}


def test_items_bought_before_a_restart_never_become_go_backs(tmp_path: Path) -> None:
    db_path = tmp_path / "edge.db"
    with mirror_edge(db_path) as edge:
        bought = edge.put_in_room("fr-2", edge.sku_in_stock(edge.style(20)), 1)
        response = edge.client.post(
            "/api/mirror/fr-2/purchases", headers=edge.mirror("fr-2"), json={"epcs": [bought]}
        )
        assert response.status_code == 201
    with mirror_edge(db_path) as edge:
        sku = edge.service.catalog.by_gtin[decode_sgtin96(bought).gtin][1]
        edge.put_in_room("fr-2", sku, 1)  # still in the room: presence hears it again
        edge.ctx.manager.tick(time.time() + 1801)  # no phone, garments unchanged: abandoned after 30 min
        (session,) = db_rows(edge, FittingRoomSession)
        assert session.ended_at is not None
        assert [t.kind for t in db_rows(edge, Task)] == ["bag"]
