"""A poison event at the central store (issue 21): one the database refuses to store (a number beyond its
column) goes to the dead letters with the reason and is
acknowledged, while the rest of its batch is stored and the store's backlog goes on; the admin sees it at
/v1/admin/dead-letters, /v1/admin/stats counts events from counters kept at ingest (a resent batch adds
nothing), and erasing the member removes the dead letter too."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cloud_sync.central.app import create_app
from cloud_sync.central.counts import EventCount
from cloud_sync.central.dead_letters import CentralDeadLetter
from cloud_sync.central.models import SyncEvent
from cloud_sync.central.settings import CentralSettings
from cloud_sync.central.stores import create_store
from tests.central_support import ADMIN_TOKEN, database_url

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(params=["sqlite", "postgresql"])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with database_url(request.param, tmp_path / "central.db") as url:
        app = create_app(CentralSettings(db_url=url, admin_token=ADMIN_TOKEN))
        with TestClient(app) as client:
            with Session(app.state.engine) as session:
                key = create_store(session, store_id="s1", name="Flagship", now=time.time())
                session.commit()
            yield client, {"Authorization": f"Bearer {key}"}
        app.state.engine.dispose()


def _event(event_id: str, type_: str, member: str | None = None, **payload: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": type_,
        "store_id": "s1",
        "created_at": time.time(),
        "member_id": member,
        "payload": payload,
    }


def _claimed(event_id: str, task_id: int) -> dict[str, Any]:
    now = time.time()
    return _event(event_id, "task_claimed", task_id=task_id, kind="help", created_at=now - 5, claimed_at=now)


def test_a_poison_event_is_dead_lettered_and_the_batch_goes_on(
    central: tuple[TestClient, dict[str, str]],
) -> None:
    client, key = central
    batch = [
        _claimed("ok-1", 1),
        _claimed("poison-1", 2**70),  # beyond any integer column: the database refuses it
        _event("ok-2", "help_call", member="m-7", room_id="fr-1"),
        {**_claimed("poison-2", -(2**70)), "member_id": "m-7"},
    ]
    r = client.post("/v1/stores/s1/events", headers=key, json={"events": batch})
    assert r.status_code == 200, r.text
    ack = r.json()
    assert sorted(ack["acked"]) == ["ok-1", "ok-2", "poison-1", "poison-2"]  # the edge may mark all sent
    assert (ack["accepted"], ack["dead_lettered"], ack["rejected"]) == (2, 2, [])
    again = client.post("/v1/stores/s1/events", headers=key, json={"events": batch}).json()
    assert (again["accepted"], again["duplicates"], again["dead_lettered"]) == (0, 2, 2)
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        stored = sorted(e.event_id for e in session.exec(select(SyncEvent)).all())
        counts = {(c.store_id, c.type): c.n for c in session.exec(select(EventCount)).all()}
    assert stored == ["ok-1", "ok-2"]
    assert counts == {("s1", "task_claimed"): 1, ("s1", "help_call"): 1}  # the resend added nothing

    letters = client.get("/v1/admin/dead-letters", headers=ADMIN)
    assert letters.status_code == 200
    assert {d["event_id"] for d in letters.json()} == {"poison-1", "poison-2"}
    assert all(d["reason"] and "m-7" not in d["reason"] for d in letters.json())
    assert client.get("/v1/admin/dead-letters").status_code == 401
    stats = client.get("/v1/admin/stats", headers=ADMIN).json()
    assert (
        stats["events"] == {"task_claimed": 1, "help_call": 1} and stats["dead_letters"] == 2
    )  # resent, not kept twice

    # Erasing the member: their dead letters go too.
    assert client.delete("/v1/profiles/m-7", headers=ADMIN).status_code == 204
    with Session(engine) as session:
        left = session.exec(select(CentralDeadLetter.member_id)).all()
    assert left == [None]  # poison-2 named m-7
