"""Two stores sending events about the same shopper at the same moment: every purchase counts once and
no update is lost (profiles are locked per batch), on PostgreSQL and SQLite, through the real server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from cloud_sync.central.db import alembic_config, make_engine, migrate
from cloud_sync.central.models import Profile, ProfilePurchase
from tests.central_support import CentralServer, add_store, database_url, fresh_pg_database, pg_available
from tests.conftest import require

GTIN = "07012345000017"
ROUNDS = 15


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path / "central.db") as url:
        yield url


def test_concurrent_batches_about_one_shopper_lose_nothing(db_url: str, tmp_path: Path) -> None:
    keys = {store: add_store(db_url, store) for store in ("s1", "s2", "s3")}
    server = CentralServer(db_url, tmp_path)
    server.start()
    sku = {"gtin": GTIN, "size": "M", "colour": "Olive", "colour_hex": "#556b2f"}
    catalog = {
        "styles": [
            {
                "id": "JK-1",
                "name": "Rain jacket",
                "brand": "Northwind",
                "category": "outerwear",
                "price_cents": 9900,
                "skus": [sku],
            }
        ]
    }
    errors: list[Any] = []

    def send(store: str) -> None:
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {keys[store]}"}, timeout=60
        ) as client:
            for i in range(ROUNDS):
                events = [
                    {
                        "event_id": f"{store}-{i}",
                        "type": "purchase",
                        "store_id": store,
                        "created_at": time.time(),
                        "member_id": "m-1",
                        "payload": {"items": [{"gtin": GTIN}], "channel": "fitting_room"},
                    }
                ]
                for _ in range(20):  # a 503 (shed load) is retried, as the edge does
                    response = client.post(f"/v1/stores/{store}/events", json={"events": events})
                    if response.status_code != 503:
                        break
                    time.sleep(0.1)
                if response.status_code != 200:
                    errors.append((store, i, response.status_code, response.text))

    try:
        assert server.admin("PUT", "/v1/admin/catalog", json=catalog).status_code == 200
        threads = [threading.Thread(target=send, args=(store,)) for store in keys]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    assert errors == []
    engine = make_engine(db_url)
    with Session(engine) as session:
        purchases = session.exec(select(ProfilePurchase)).all()
        profile = session.get(Profile, "m-1")
    engine.dispose()
    assert len(purchases) == 3 * ROUNDS
    assert profile is not None
    assert profile.size_counts == {"outerwear": {"M": 3 * 3 * ROUNDS}}  # weight 3 per purchase, none lost
    assert profile.colour_counts == {"Olive": 3 * 3 * ROUNDS}


def test_instances_starting_together_migrate_the_schema_once() -> None:
    require(pg_available(), "PostgreSQL at 127.0.0.1:5432 (database test, trust auth)")
    errors: list[str] = []

    def start(url: str) -> None:
        engine = make_engine(url)
        try:
            migrate(engine)
        except Exception as err:
            errors.append(f"{type(err).__name__}: {err}")
        finally:
            engine.dispose()

    with fresh_pg_database() as url:
        threads = [threading.Thread(target=start, args=(url,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "concurrent migrations deadlocked"
        engine = make_engine(url)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        engine.dispose()
    assert errors == []
    head = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_current_head()
    assert version == head  # one schema at the newest revision, not a half-applied one
