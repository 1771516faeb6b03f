"""The mirror of a reserved room greets the member and marks the reserved garments sensed there.
``no_show``: a reservation past its window without the member arriving releases its room, and the
reserved garments still in that room become a go-back task at once (the console and the outbox see it)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlmodel import Session, select

from edge.reservations.desk import Reservation
from edge.reservations.sensing import ReservationSensing
from edge.storage.outbox import OutboxEvent
from tests.mirror_support import eventually, mirror_edge


def test_a_no_show_releases_the_room_and_its_garments_become_a_go_back(tmp_path: Path) -> None:
    with mirror_edge(tmp_path / "edge.db") as edge:
        desk = edge.app.state.reservations
        a, b = edge.sku_in_stock(edge.style(1)), edge.sku_in_stock(edge.style(2))
        now = time.time()
        desk.load(
            [Reservation("r-ns", "m-9", "Maya", (a.gtin, b.gtin), now - 60, now + 60, None, "requested")]
        )
        epc_a, epc_b = edge.put_in_room("fr-2", a, 801), edge.put_in_room("fr-2", b, 802)
        epcs = {epc_a, epc_b}
        ana = edge.associate()
        listed = lambda: edge.client.get("/api/associate/reservations", headers=ana).json()[0]  # noqa: E731
        eventually(lambda: listed()["status"] == "ready" and listed()["room_id"] == "fr-2")

        # The mirror of the reserved room greets the member and marks the garments sensed there.
        view = lambda: edge.client.get("/api/mirror/fr-2", headers=edge.mirror("fr-2")).json()  # noqa: E731
        held = view()["reservation"]
        assert held["first_name"] == "Maya" and [i["in_room"] for i in held["items"]] == [True, True]
        assert "m-9" not in edge.client.get("/api/mirror/fr-2", headers=edge.mirror("fr-2")).text
        edge.take_out("fr-2", epc_a)
        assert [i["in_room"] for i in view()["reservation"]["items"]] == [False, True]
        edge.put_in_room("fr-2", a, 801)

        sensing = ReservationSensing(
            desk=desk,
            manager=edge.ctx.manager,
            bus=edge.service.bus,
            db=edge.service.db,
            member_of=lambda _device: None,
        )
        assert sensing.tick(now + 30) == []  # still within the window: nothing moves
        (gone,) = sensing.tick(now + 61)
        assert (gone.status, gone.room_id) == ("no_show", None)
        assert (listed()["status"], listed()["room_id"]) == ("no_show", None)

        tasks = edge.client.get("/api/associate/tasks", headers=ana).json()
        (go_back,) = [t for t in tasks if t["kind"] == "go_back"]
        assert go_back["room_id"] == "fr-2"
        assert {i["epc"] for i in go_back["detail"]["items"]} == epcs
        with Session(edge.service.db) as db:
            types = [e.type for e in db.exec(select(OutboxEvent)).all()]
        assert types.count("go_back") == 1 and "reservation_status" in types
        assert sensing.tick(now + 120) == []  # once only
