"""Erasing a shopper known only by the email they left at a mirror: ``POST /v1/erasures`` at the central
store reaches the edge through the erasure feed, and afterwards the address is nowhere in either side's
database files (the SQLite file, its -wal and its -shm), not even in free pages or the WAL."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cloud_sync.central.app import create_app
from cloud_sync.central.models import Erasure
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from cloud_sync.client import CentralClient
from cloud_sync.worker import SyncConfig, SyncWorker
from edge.storage.models import EmailList
from guests import guest_member_id
from tests.central_support import ADMIN_TOKEN, database_url
from tests.mirror_support import MirrorEdge, mirror_edge

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ADDRESS = "Lucia.Guest@Example.com"  # typed with capitals at the mirror, erased in lower case


def traces(db_file: Path, needle: str) -> list[str]:
    """The files of the SQLite database ``db_file`` whose raw bytes contain ``needle`` (any case)."""
    found = []
    for path in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
        if path.exists() and needle.lower().encode() in path.read_bytes().lower():
            found.append(path.name)
    return found


OTHER = "bo.other@example.org"  # another shopper's list in the same tables: erasure keeps it


def leave_email_at_the_mirror(edge: MirrorEdge, room_id: str, address: str, serial: int) -> None:
    edge.put_in_room(room_id, edge.sku_in_stock(edge.style(serial)), serial)
    saved = edge.client.post(
        f"/api/mirror/{room_id}/email", headers=edge.mirror(room_id), json={"email": address, "consent": True}
    )
    assert saved.status_code == 201, saved.text


def test_an_email_only_guest_erased_by_address_leaves_no_trace_at_edge_or_centre(tmp_path: Path) -> None:
    central_db = tmp_path / "central.db"
    central = create_app(CentralSettings(db_url=f"sqlite:///{central_db}", admin_token=ADMIN_TOKEN))
    with mirror_edge(tmp_path / "edge.db") as edge, TestClient(central) as admin:
        store_id = edge.service.layout.store.id
        with Session(central.state.engine) as db:
            key = create_store(db, store_id=store_id, name="Flagship", now=time.time())
            db.commit()
        leave_email_at_the_mirror(edge, "fr-1", OTHER, 1)
        leave_email_at_the_mirror(edge, "fr-2", ADDRESS, 2)
        leave_email_at_the_mirror(edge, "fr-3", OTHER.upper(), 3)
        worker = SyncWorker(
            edge.service.db,
            SyncConfig(central_url="http://central", store_key=key, store_id=store_id),
            client=CentralClient("http://central", key, transport=httpx.ASGITransport(app=central)),
            catalog_get=lambda: None,
            catalog_set=lambda _catalog: None,
            on_erased=[edge.ctx.manager.forget_member],
        )
        asyncio.run(worker.drain_once())  # the opt-in reaches the centre, which files it under the guest
        assert traces(tmp_path / "edge.db", ADDRESS) and traces(central_db, ADDRESS)

        response = admin.post("/v1/erasures", headers=ADMIN, json={"email": ADDRESS.lower()})
        assert response.status_code == 202, response.text
        assert asyncio.run(worker.erasures_once()) == 1

        with Session(edge.service.db) as db:
            assert [row.email.lower() for row in db.exec(select(EmailList)).all()] == [OTHER, OTHER]
        with Session(central.state.engine) as db:
            assert [e.member_id for e in db.exec(select(Erasure)).all()] == [guest_member_id(ADDRESS)]
        assert traces(tmp_path / "edge.db", ADDRESS) == []
        assert traces(central_db, ADDRESS) == []
        assert traces(tmp_path / "edge.db", OTHER) and traces(central_db, OTHER)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_erasing_an_address_also_erases_the_member_whose_profile_holds_it(tmp_path: Path, kind: str) -> None:
    with database_url(kind, tmp_path / "c.db") as url:
        central = create_app(CentralSettings(db_url=url, admin_token=ADMIN_TOKEN))
        with TestClient(central) as admin:
            enrolled = admin.put(
                "/v1/admin/profiles/m-9",
                headers=ADMIN,
                json={"email": "Ana@Example.org", "email_consent": True},
            )
            assert enrolled.status_code == 200
            response = admin.post("/v1/erasures", headers=ADMIN, json={"email": "ana@example.org"})
            assert response.status_code == 202 and response.json() == {"erased": 2}
            assert admin.get("/v1/admin/profiles/m-9", headers=ADMIN).status_code == 404
            with Session(central.state.engine) as db:
                erased = sorted(e.member_id for e in db.exec(select(Erasure)).all())
            assert erased == sorted([guest_member_id("ana@example.org"), "m-9"])
        central.state.engine.dispose()


def test_a_member_can_be_erased_by_id_through_the_same_route(tmp_path: Path) -> None:
    central = create_app(CentralSettings(db_url=f"sqlite:///{tmp_path / 'c.db'}", admin_token=ADMIN_TOKEN))
    with TestClient(central) as admin:
        enrolled = admin.put("/v1/admin/profiles/m-7", headers=ADMIN, json={"first_name": "Ada"})
        assert enrolled.status_code == 200
        response = admin.post("/v1/erasures", headers=ADMIN, json={"member_id": "m-7"})
        assert response.status_code == 202 and response.json() == {"erased": 1}
        assert admin.get("/v1/admin/profiles/m-7", headers=ADMIN).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@example.com", "member_id": "m-1"},
        {"email": "not an address"},
        {"email": "x@y"},
        {"member_id": ""},
        {"member_id": "m-1", "extra": 1},
    ],
)
def test_a_bad_erasure_request_is_422_with_a_message_and_erases_nothing(tmp_path: Path, body: dict) -> None:  # type: ignore[type-arg]
    central = create_app(CentralSettings(db_url=f"sqlite:///{tmp_path / 'c.db'}", admin_token=ADMIN_TOKEN))
    with TestClient(central) as admin:
        response = admin.post("/v1/erasures", headers=ADMIN, json=body)
        assert response.status_code == 422
        assert all(d["msg"] for d in response.json()["detail"])
        with Session(central.state.engine) as db:
            assert db.exec(select(Erasure)).all() == []


def test_erasure_needs_the_admin_token(tmp_path: Path) -> None:
    central = create_app(CentralSettings(db_url=f"sqlite:///{tmp_path / 'c.db'}", admin_token=ADMIN_TOKEN))
    with TestClient(central) as client:
        assert client.post("/v1/erasures", json={"member_id": "m-1"}).status_code == 401
        wrong = {"Authorization": "Bearer not-the-admin"}
        assert client.post("/v1/erasures", headers=wrong, json={"member_id": "m-1"}).status_code in (401, 403)
