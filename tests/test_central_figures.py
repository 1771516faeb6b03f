"""Head office's figures (issue 19) on the real PostgreSQL: a scripted history of two stores goes through
the real ingest (``POST /v1/stores/{id}/events``), claims included as the edge's own outbox writes them,
and every figure of ``/v1/admin/kpis`` and ``/v1/admin/skus`` is checked against what the script did;
then the store filter, the CSVs against the JSON, the admin token, bad ranges, and the signed-in page."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from cloud_sync.central.app import create_app
from cloud_sync.central.db import make_engine
from cloud_sync.central.figures import rebuild_figures
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from edge.storage.models import Associate
from edge.storage.outbox import OutboxEvent
from edge.storage.tasks import claim_task, complete_task, create_help_call
from tests.central_support import (
    ADMIN_TOKEN,
    central_env,
    database_url,
    edge_engine,
)

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SHIRT_M, SHIRT_L, SCARF = "04012345000016", "04012345000023", "04012345000030"
D0 = 1793577600.0  # 2026-11-02T00:00:00Z
D1 = D0 + 86400
H = 3600.0
RANGE = {"from": "2026-11-02", "to": "2026-11-03"}


def _style(style_id: str, name: str, skus: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "id": style_id,
        "name": name,
        "brand": "Northwind",
        "category": "tops",
        "price_cents": 3999,
        "skus": [{"gtin": g, "size": s, "colour": c, "colour_hex": "#336699"} for g, s, c in skus],
    }


CATALOG = {
    "styles": [
        _style("ST-1", "Linen shirt", [(SHIRT_M, "M", "Blue"), (SHIRT_L, "L", "Blue")]),
        _style("ST-2", "Silk scarf", [(SCARF, "One size", "Red")]),
    ]
}


def ended(
    eid: str,
    store: str,
    started: float,
    dwell: float,
    items: list[tuple[str, str | None]],
    *,
    requested: tuple[str, ...] = (),
    bought: tuple[tuple[str, ...], ...] = (),
    go_backs: tuple[str, ...] = (),
    member: str | None = None,
    sold_out: tuple[str, ...] = (),
    shipped: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A ``session_ended`` event as the edge's outbox writes it (edge.storage.fitting_rooms)."""
    return {
        "event_id": eid,
        "type": "session_ended",
        "store_id": store,
        "created_at": started + dwell,
        "member_id": member,
        "payload": {
            "session_id": f"sess-{eid}",
            "room_id": "fr-1",
            "started_at": started,
            "ended_at": started + dwell,
            "go_backs": list(go_backs),
            "items": [{"epc": epc, "gtin": g, "first_seen": started} for epc, g in items],
            "requested_gtins": list(requested),
            "handed_out_gtins": [],
            "sold_out_gtins": list(sold_out),
            "shipped_gtins": list(shipped),
            "purchases": [
                {"purchase_id": i, "gtins": list(g), "total_cents": 0} for i, g in enumerate(bought)
            ],
        },
    }


S1 = [
    ended(
        "a",
        "s1",
        D0 + 10 * H,
        300,
        [("e1", SHIRT_M), ("e2", SHIRT_L), ("e3", SCARF)],
        requested=(SHIRT_L,),
        bought=((SHIRT_M,),),
        go_backs=("e2", "e3"),
        sold_out=(SHIRT_L,),
        shipped=(SHIRT_L,),  # asked for L, sold out here, and ordered it shipped: one session of lost demand
    ),
    ended(
        "b",
        "s1",
        D0 + 11 * H,
        900,
        [("e4", SHIRT_M), ("e5", SHIRT_M)],
        requested=(SHIRT_L, SCARF),
        bought=((SCARF,),),
        go_backs=("e5",),
        member="m-1",  # erased before the figures are read: the figures stay
    ),
    ended(
        "c", "s1", D1 + 9 * H, 61, [("e6", SCARF), ("e9", None)], sold_out=(SHIRT_M,)
    ),  # unknown tag: tried
    ended("d", "s1", D0 - 5 * H, 100, [("e8", SCARF)], bought=((SCARF,),), shipped=(SCARF,)),  # out of range
    {"event_id": "junk", "type": "session_ended", "store_id": "s1", "created_at": D0, "payload": {"n": 1}},
]
S2 = [ended("e", "s2", D0 + 12 * H, 600, [("e7", SHIRT_L)], bought=((SHIRT_L,),), shipped=(SCARF, SCARF))]


def revised(eid: str, store: str, session: str, shipped: tuple[str, ...], at: float) -> dict[str, Any]:
    """A ``session_revised`` event as the edge's outbox writes it (edge.storage.orders): an order of an
    ended session cancelled, what the session ordered to ship home now."""
    payload = {"session_id": session, "shipped_gtins": list(shipped)}
    return {"event_id": eid, "type": "session_revised", "store_id": store, "created_at": at} | {
        "payload": payload
    }


S2 += [
    revised("e-rev", "s2", "sess-e", (SCARF,), D0 + 13 * H),  # one of its two scarves cancelled later
    revised("x-rev", "s2", "sess-never-ended", (), D0 + 13 * H),  # no such session here: nothing to revise
    {"event_id": "junk-rev", "type": "session_revised", "store_id": "s2", "created_at": D0, "payload": {}},
]
# (store, created, waited before the claim): the edge's own tasks, claimed or completed at once
CLAIMS = [
    ("s1", D0 + 10 * H, 30.0),
    ("s1", D0 + 11 * H, 90.0),
    ("s1", D1 + 9 * H, 10.0),
    ("s2", D0 + 12 * H, 45.0),
]
CLAIMS += [("s2", D0 - 2 * H, 500.0)]  # out of range


def edge_claims(tmp: Path, store: str) -> list[dict[str, Any]]:
    """Help calls claimed (or completed straight away) on a real edge database: its outbox rows."""
    engine = edge_engine(tmp / f"edge-{store}.db")
    with Session(engine) as session:
        session.add(Associate(id="a1", first_name="Ana", pin_hash="-", created_at=0.0))
        for k, (sid, created, waited) in enumerate(c for c in CLAIMS if c[0] == store):
            task = create_help_call(
                session=session, store_id=sid, room_id="fr-1", session_id=None, now=created
            )
            assert task.id is not None
            act = complete_task if k % 2 else claim_task
            act(session=session, task_id=task.id, associate_id="a1", now=created + waited)
            session.commit()
        rows = session.exec(select(OutboxEvent).where(OutboxEvent.type == "task_claimed")).all()
        events = [
            {"event_id": r.event_id, "type": r.type, "store_id": r.store_id, "created_at": r.created_at}
            | {"member_id": r.member_id, "payload": r.body}
            for r in rows
        ]
    engine.dispose()
    return events


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The central store on the real PostgreSQL (and on SQLite, which the demo runs), with the history."""
    tmp = tmp_path_factory.mktemp("figures")
    with database_url(request.param, tmp / "central.db") as url:
        app = create_app(CentralSettings(db_url=url, admin_token=ADMIN_TOKEN))
        engine = make_engine(url)
        with Session(engine) as session:
            keys = {
                sid: create_store(session, store_id=sid, name=name, now=time.time())
                for sid, name in (("s1", "Flagship"), ("s2", "Outlet"), ("s3", "New store"))
            }
            session.commit()
        engine.dispose()
        with TestClient(app) as c:
            assert c.put("/v1/admin/catalog", json=CATALOG, headers=ADMIN).status_code == 200
            for store, events in (("s1", S1), ("s2", S2)):
                events = events + edge_claims(tmp, store)
                for _ in range(2):  # a resent batch changes nothing
                    r = c.post(
                        f"/v1/stores/{store}/events", json={"events": events}, headers=_key(keys[store])
                    )
                    assert r.status_code == 200, r.text
            assert c.delete("/v1/profiles/m-1", headers=ADMIN).status_code == 204
            yield c
        app.state.engine.dispose()


def _key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


FIGURES = [
    "sessions",
    "sessions_with_purchase",
    "conversion",
    "items_tried",
    "items_bought",
    "median_dwell_s",
    "claim_p50_s",
    "claim_p90_s",
    "go_back_items",
]
CHAIN = dict(zip(FIGURES, [4, 3, 0.75, 8, 3, 300.0, 30.0, 90.0, 3], strict=True))
FLAGSHIP = dict(zip(FIGURES, [3, 2, 0.6667, 7, 2, 300.0, 30.0, 90.0, 3], strict=True))
OUTLET = dict(zip(FIGURES, [1, 1, 1.0, 1, 1, 600.0, 45.0, 45.0, 0], strict=True))
EMPTY = dict(zip(FIGURES, [0, 0, None, 0, 0, None, None, None, 0], strict=True))


def test_every_figure_is_what_the_stores_did(client: TestClient) -> None:
    body = client.get("/v1/admin/kpis", params=RANGE, headers=ADMIN).json()
    assert {k: body[k] for k in FIGURES} == CHAIN
    assert (body["start"], body["end"], body["store_id"]) == (D0, D1 + 86400, None)
    stores = {s["store_id"]: s for s in body["stores"]}
    assert [s["name"] for s in body["stores"]] == ["Flagship", "Outlet", "New store"]
    assert {k: stores["s1"][k] for k in FIGURES} == FLAGSHIP
    assert {k: stores["s2"][k] for k in FIGURES} == OUTLET
    assert {k: stores["s3"][k] for k in FIGURES} == EMPTY

    skus = client.get("/v1/admin/skus", params=RANGE, headers=ADMIN).json()
    assert skus == [
        {"gtin": SHIRT_M, "style_id": "ST-1", "name": "Linen shirt", "size": "M", "colour": "Blue"}
        | {"tried": 3, "bought": 1, "requested": 0, "wanted_unbought": 0}
        | {"requested_sold_out": 1, "ordered_ship_home": 0, "running_out": False},
        {"gtin": SHIRT_L, "style_id": "ST-1", "name": "Linen shirt", "size": "L", "colour": "Blue"}
        | {"tried": 2, "bought": 1, "requested": 2, "wanted_unbought": 2}
        | {"requested_sold_out": 1, "ordered_ship_home": 1, "running_out": False},
        {"gtin": SCARF, "style_id": "ST-2", "name": "Silk scarf", "size": "One size", "colour": "Red"}
        | {"tried": 2, "bought": 1, "requested": 1, "wanted_unbought": 0}
        | {"requested_sold_out": 1, "ordered_ship_home": 1, "running_out": False},  # two, one cancelled
    ]


def test_one_store_and_one_day(client: TestClient) -> None:
    body = client.get("/v1/admin/kpis", params={**RANGE, "store_id": "s2"}, headers=ADMIN).json()
    assert {k: body[k] for k in FIGURES} == OUTLET
    assert body["store_id"] == "s2" and body["stores"] == []
    skus = client.get("/v1/admin/skus", params={**RANGE, "store_id": "s2"}, headers=ADMIN).json()
    assert [(r["gtin"], r["tried"], r["bought"], r["ordered_ship_home"]) for r in skus] == [
        (SHIRT_L, 1, 1, 0),
        (SCARF, 0, 0, 1),  # not tried there, but ordered to ship home (twice; one cancelled after)
    ]
    day2 = client.get(
        "/v1/admin/kpis", params={"from": "2026-11-03", "to": "2026-11-03"}, headers=ADMIN
    ).json()
    assert {k: day2[k] for k in ("sessions", "items_tried", "median_dwell_s", "claim_p50_s")} == {
        "sessions": 1,
        "items_tried": 2,
        "median_dwell_s": 61.0,
        "claim_p50_s": 10.0,
    }
    unix = {"from": str(D0), "to": str(D1 + 86400)}  # Unix seconds: the same range
    assert client.get("/v1/admin/kpis", params=unix, headers=ADMIN).json()["sessions"] == 4


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _same(csv_value: str, json_value: Any) -> bool:
    if json_value is None:
        return csv_value == ""
    if isinstance(json_value, bool):
        return csv_value == str(json_value)
    return type(json_value)(csv_value) == json_value


def test_csv_equals_json(client: TestClient) -> None:
    body = client.get("/v1/admin/kpis", params=RANGE, headers=ADMIN).json()
    r = client.get("/v1/admin/kpis.csv", params=RANGE, headers=ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    chain, *stores = _csv(r.text)
    assert chain["scope"] == "chain" and all(_same(chain[k], body[k]) for k in FIGURES)
    assert [s["store_id"] for s in stores] == [s["store_id"] for s in body["stores"]]
    for row, want in zip(stores, body["stores"], strict=True):
        assert all(_same(row[k], want[k]) for k in FIGURES), row
    skus = client.get("/v1/admin/skus", params=RANGE, headers=ADMIN).json()
    rows = _csv(client.get("/v1/admin/skus.csv", params=RANGE, headers=ADMIN).text)
    assert len(rows) == len(skus)
    for row, want in zip(rows, skus, strict=True):
        assert all(_same(row[k], v) for k, v in want.items()), row


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"from": "2026-11-04", "to": "2026-11-02"}, 422, "'from' must be before 'to'"),
        ({"from": "yesterday"}, 422, "'yesterday' is not a date"),
        ({"from": "2024-01-01", "to": "2026-11-02"}, 422, "longer than 400 days"),
        ({"from": "nan"}, 422, "must be dates or Unix seconds"),
        ({**RANGE, "store_id": "nowhere"}, 404, "no store 'nowhere'"),
    ],
)
def test_bad_ranges_and_stores_say_why(
    client: TestClient, params: dict[str, str], status: int, says: str
) -> None:
    for path in ("/v1/admin/kpis", "/v1/admin/skus.csv"):
        r = client.get(path, params=params, headers=ADMIN)
        assert r.status_code == status and says in r.json()["detail"], r.text


def test_only_the_admin_token_reads_the_figures(client: TestClient) -> None:
    for path in ("/v1/admin/kpis", "/v1/admin/kpis.csv", "/v1/admin/skus", "/v1/admin/skus.csv"):
        assert client.get(path, params=RANGE).status_code == 401
        assert client.get(path, params=RANGE, headers={"Authorization": "Bearer nope"}).status_code == 403


def test_the_page_signs_in_with_a_form_and_draws_the_charts(client: TestClient) -> None:
    client.cookies.clear()
    form = client.get("/admin")
    assert form.status_code == 200 and 'name="token"' in form.text and "<svg" not in form.text
    assert client.get("/admin/kpis.csv", params=RANGE).status_code == 401
    wrong = client.post("/admin/sign-in", data={"token": "nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "not the admin token" in wrong.text
    ok = client.post("/admin/sign-in", data={"token": ADMIN_TOKEN}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/admin"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and ADMIN_TOKEN not in cookie
    page = client.get("/admin", params=RANGE)
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "<script" not in page.text
    assert page.text.count("<svg") >= 5  # chain conversion, one per store with sessions, sizes, dwell
    assert '<b data-kpi="sessions">4</b>' in page.text and "Flagship" in page.text
    sizes = _csv(client.get("/admin/sizes.csv", params=RANGE).text)
    assert {r["size"]: int(r["tried"]) for r in sizes} == {"M": 3, "L": 2, "One size": 2}
    daily = _csv(client.get("/admin/daily.csv", params=RANGE).text)
    assert [(r["store_id"], r["day"], r["sessions"]) for r in daily] == [
        ("s1", "2026-11-02", "2"),
        ("s1", "2026-11-03", "1"),
        ("s2", "2026-11-02", "1"),
    ]
    dwell = _csv(client.get("/admin/dwell.csv", params=RANGE).text)
    assert [(r["minutes"], r["sessions"]) for r in dwell] == [
        ("1", "1"),
        ("5", "1"),
        ("10", "1"),
        ("15", "1"),
    ]
    bad = client.get("/admin", params={"from": "2026-11-04", "to": "2026-11-02"})
    assert bad.status_code == 422 and "before" in bad.text
    assert client.post("/admin/sign-out", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert 'name="token"' in client.get("/admin").text


def test_rebuild_figures_counts_stored_events_again(client: TestClient) -> None:
    """``fitroom-central rebuild-figures`` (for events stored before migration 0019): a store's facts
    gone, the command counts its stored events again, and every figure is back; twice changes nothing."""
    before = client.get("/v1/admin/kpis", params=RANGE, headers=ADMIN).json()
    skus = client.get("/v1/admin/skus", params=RANGE, headers=ADMIN).json()
    engine: Any = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for table in ("figure_session", "figure_sku", "figure_task"):
            conn.execute(text(f"DELETE FROM {table} WHERE store_id = 's2'"))
    assert (
        client.get("/v1/admin/kpis", params={**RANGE, "store_id": "s2"}, headers=ADMIN).json()["sessions"]
        == 0
    )
    url = client.app.state.settings.db_url  # type: ignore[attr-defined]
    out = subprocess.run(
        [sys.executable, "-m", "cloud_sync.central.cli", "rebuild-figures"],
        env=central_env(url),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(out.stdout)["events_read"] >= 8
    with Session(engine) as session:
        assert rebuild_figures(session, batch=3) == json.loads(out.stdout)["events_read"]  # paged, again
    assert client.get("/v1/admin/kpis", params=RANGE, headers=ADMIN).json() == before
    assert client.get("/v1/admin/skus", params=RANGE, headers=ADMIN).json() == skus
