"""The manager's figures (issue 19) are exact: a scripted store — shoppers, items tried, a size request,
a purchase, a claimed request, items left behind — driven through the real edge (presence as the broker
ingest applies it, the mirror and associate APIs), then every figure of /api/manager checked against
what the script did, the CSV against the JSON, and the manager role against a plain associate."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from edge.credentials import set_role
from edge.presence.events import EventType, PresenceEvent
from edge.storage.models import FittingRoomSession
from tests.mirror_support import MirrorEdge, mirror_edge

PHONE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-1-2"


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[MirrorEdge]:
    with mirror_edge(tmp_path / "edge.db") as e:
        yield e


def _shopper(edge: MirrorEdge, room: str, kind: EventType) -> None:
    edge.ctx.manager.apply_presence([PresenceEvent(time.time(), kind, room, device=PHONE)])


def test_every_figure_matches_the_scripted_store(edge: MirrorEdge) -> None:
    t0 = time.time() - 1
    manager = edge.associate("mia", "Mia", "4321")
    set_role(edge.service.db, "mia", "manager")
    clerk = edge.associate("ana", "Ana", "1234")
    x_style, y_style = edge.style(0), edge.style(3)
    x, x_other, y = edge.sku_in_stock(x_style), edge.sku_in_stock(x_style, skip=1), edge.sku_in_stock(y_style)

    # Session 1 (fr-1): a shopper tries x and y, asks for another size of x, buys x, leaves with nothing left.
    edge.shopper_in("fr-1", PHONE)
    a1, a2 = edge.put_in_room("fr-1", x, 1), edge.put_in_room("fr-1", y, 2)
    mirror1 = edge.mirror("fr-1")
    asked = edge.client.post(
        "/api/mirror/fr-1/requests", headers=mirror1, json={"gtin": x_other.gtin, "epc": a1}
    )
    assert asked.status_code == 201, asked.text
    claimed = edge.client.post(f"/api/associate/tasks/{asked.json()['id']}/claim", headers=clerk)
    assert claimed.status_code == 200, claimed.text
    bought = edge.client.post("/api/mirror/fr-1/purchases", headers=mirror1, json={"epcs": [a1]})
    assert bought.status_code == 201, bought.text
    edge.take_out("fr-1", a1)
    edge.take_out("fr-1", a2)
    _shopper(edge, "fr-1", EventType.SHOPPER_LEFT)

    # Session 2 (fr-2): x and y tried, nothing bought, y left behind (a go-back of one item).
    b1 = edge.put_in_room("fr-2", x, 3)
    edge.put_in_room("fr-2", y, 4)
    edge.take_out("fr-2", b1)
    edge.ctx.manager.tick(time.time() + 3600)

    with Session(edge.service.db) as db:
        sessions = db.exec(select(FittingRoomSession)).all()
        dwells = sorted(s.ended_at - s.started_at for s in sessions if s.ended_at is not None)
    assert len(sessions) == 2 and len(dwells) == 2
    span = {"from": str(t0), "to": str(time.time() + 7200)}

    assert edge.client.get("/api/manager/kpis", params=span, headers=clerk).status_code == 403
    edge.client.cookies.clear()  # the sign-ins above left a cookie
    assert edge.client.get("/api/manager/kpis", params=span).status_code == 401
    kpis = edge.client.get("/api/manager/kpis", params=span, headers=manager)
    assert kpis.status_code == 200, kpis.text
    k = kpis.json()
    assert {key: k[key] for key in ("sessions", "sessions_with_purchase", "conversion", "items_tried")} == {
        "sessions": 2,
        "sessions_with_purchase": 1,
        "conversion": 0.5,
        "items_tried": 4,
    }
    assert (k["items_bought"], k["go_back_items"]) == (1, 1)
    assert k["median_dwell_s"] == pytest.approx(dwells[0], abs=1e-3)  # nearest rank of two: the lower
    assert k["claim_p50_s"] == k["claim_p90_s"] == pytest.approx(claimed.json()["claim_s"], abs=1e-3)

    skus = edge.client.get("/api/manager/skus", params=span, headers=manager).json()
    by_gtin = {row["gtin"]: row for row in skus}
    assert set(by_gtin) == {x.gtin, y.gtin, x_other.gtin}
    assert {
        g: (r["tried"], r["bought"], r["requested"], r["wanted_unbought"]) for g, r in by_gtin.items()
    } == {
        x.gtin: (2, 1, 0, 0),
        y.gtin: (2, 0, 0, 0),
        x_other.gtin: (0, 0, 1, 1),
    }
    assert by_gtin[x.gtin]["style_id"] == x_style.id and by_gtin[x.gtin]["size"] == x.size
    assert by_gtin[x.gtin]["colour"] == x.colour and by_gtin[x.gtin]["name"] == x_style.name

    as_csv = edge.client.get("/api/manager/skus.csv", params=span, headers=manager)
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [{k: str(v) for k, v in row.items()} for row in skus] == table
    one = list(
        csv.DictReader(
            io.StringIO(edge.client.get("/api/manager/kpis.csv", params=span, headers=manager).text)
        )
    )
    assert one[0]["sessions"] == "2" and one[0]["conversion"] == "0.5"
    text = kpis.text + as_csv.text
    assert "@" not in text and PHONE not in text  # no email, no device / member id


def test_an_earlier_range_holds_nothing_and_a_bad_date_is_422(edge: MirrorEdge) -> None:
    manager = edge.associate("mia", "Mia", "4321")
    set_role(edge.service.db, "mia", "manager")
    edge.put_in_room("fr-1", edge.sku_in_stock(edge.style(0)), 1)
    k = edge.client.get(
        "/api/manager/kpis", params={"from": "2020-01-01", "to": "2020-01-31"}, headers=manager
    )
    assert k.json()["sessions"] == 0 and k.json()["conversion"] is None
    now = edge.client.get("/api/manager/kpis", headers=manager).json()
    assert now["sessions"] == 1 and now["items_tried"] == 1
    bad = edge.client.get("/api/manager/kpis", params={"from": "yesterday"}, headers=manager)
    assert bad.status_code == 422 and "yesterday" in bad.text
