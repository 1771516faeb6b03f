"""Alembic owns the edge schema: every table the edge and cloud sync define is in a module the edge's
migrations import by name, a freshly migrated database has exactly those tables (``alembic check``:
nothing missing, nothing extra), and nothing but the migrations creates a table."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import cloud_sync
import edge
from edge.ingest.deadletter import SqlDeadLetterSink
from edge.storage.db import make_engine
from edge.storage.migrations import TABLE_MODULES, upgrade
from tests.central_support import database_url


def _table_classes() -> Iterator[type[SQLModel]]:
    for package in (edge, cloud_sync):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" in info.name or info.name.startswith("cloud_sync.central"):
                continue  # the central store's tables are its own schema's
            importlib.import_module(info.name)
    stack: list[type[SQLModel]] = list(SQLModel.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        ours = cls.__module__.startswith(("edge.", "cloud_sync.")) and ".central" not in cls.__module__
        if ours and getattr(cls, "__table__", None) is not None:
            yield cls


def test_every_edge_table_is_defined_in_a_module_the_migrations_import() -> None:
    owned = {m.__name__ for m in TABLE_MODULES}
    outside = sorted(f"{c.__module__}.{c.__name__}" for c in _table_classes() if c.__module__ not in owned)
    assert outside == []


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path / "edge.db") as url:
        yield url


def test_a_fresh_database_has_exactly_the_tables_the_code_uses(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    used = {str(c.__tablename__) for c in _table_classes()}
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert tables == used
    assert diffs == []  # what `alembic check` checks: no table, column, index or type to add or drop


def test_the_dead_letter_sink_creates_no_table(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    SqlDeadLetterSink(engine)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()
