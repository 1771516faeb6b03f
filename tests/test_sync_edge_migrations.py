"""The edge database is migrated with Alembic: the migrations build exactly the tables the code defines,
on SQLite and on PostgreSQL, and a database made before migrations existed is adopted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from edge.storage.db import make_engine
from edge.storage.migrations import edge_metadata, upgrade
from tests.central_support import database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path / "edge.db") as url:
        yield url


def test_migrations_build_exactly_the_edge_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)  # idempotent: every start runs it
    metadata = edge_metadata().metadata
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diffs == []
    assert {"outbox", "sync_state", "sync_erased_member"} <= tables


def test_a_database_from_before_migrations_is_adopted(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    edge_metadata().metadata.create_all(engine)  # how the edge made its tables before
    upgrade(engine)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    assert version
