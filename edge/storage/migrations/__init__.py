"""Alembic migrations of the edge database, the only thing that creates or changes its tables (those of
the modules in ``TABLE_MODULES``, among them the fitting rooms, the outbox, dead letters, cloud sync's
ledger and what presence learned of the radio). ``upgrade(engine)`` brings a database to the latest
schema; safe on every start.

A database created before migrations existed (tables made by ``create_all``, no ``alembic_version``)
is adopted: stamped at head if it already matches the code's tables, else at the first revision
(exactly the schema ``create_all`` made then), and upgraded.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from edge.storage import (
    dead_letters,
    demand,
    models,
    offers,
    orders,
    outbox,
    presence_radio,
    queue_tickets,
    replies,
    reservation_log,
    reservations,
    sync_ledger,
)

__all__ = ["BASELINE", "TABLE_MODULES", "alembic_config", "edge_metadata", "upgrade"]

HERE = Path(__file__).resolve().parent
BASELINE = "e0001"
# Every module defining an edge table (a test fails when a table is defined anywhere else).
TABLE_MODULES = (
    models,
    outbox,
    dead_letters,
    sync_ledger,
    orders,
    offers,
    demand,
    queue_tickets,
    reservation_log,
    replies,
    reservations,
    presence_radio,
)


def edge_metadata() -> type[SQLModel]:
    """SQLModel, whose ``metadata`` holds the edge tables (their modules are imported above)."""
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
