"""Alembic migrations of the edge database (every ``SQLModel.metadata`` table of the edge and of cloud
sync's ledger). ``upgrade(engine)`` brings a database to the latest schema; safe on every start.

A database created before migrations existed (tables made by ``create_all``, no ``alembic_version``)
is adopted: stamped at head if it already matches the code's tables, else at the first revision
(exactly the schema ``create_all`` made then), and upgraded.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

__all__ = ["BASELINE", "alembic_config", "edge_metadata", "upgrade"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
BASELINE = "e0001"
# Table modules are found by their source, so a table added anywhere in the edge is never forgotten here.
_SCAN = ("edge", "cloud_sync")
_SKIP = ("cloud_sync/central/",)


def _table_modules() -> list[str]:
    found = []
    for package in _SCAN:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if any(rel.startswith(skip) for skip in _SKIP) or "/migrations/" in rel:
                continue
            if "table=True" in path.read_text(encoding="utf-8"):
                found.append(rel.removesuffix(".py").replace("/", "."))
    return found


def edge_metadata() -> type[SQLModel]:
    """Import every module defining an edge table; returns SQLModel, whose ``metadata`` then holds them."""
    for module in _table_modules():
        importlib.import_module(module)
    return SQLModel


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the edge database to ``revision``."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and "outbox" in tables:
            # Made by create_all, before migrations: already the latest schema → head; else the baseline.
            current = not compare_metadata(MigrationContext.configure(conn), edge_metadata().metadata)
            command.stamp(cfg, "head" if current else BASELINE)
        command.upgrade(cfg, revision)
