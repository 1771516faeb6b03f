"""Engine construction for the edge database (one per process, built in the composition root)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

__all__ = ["checkpoint_after_erasure", "make_engine"]


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and ``secure_delete`` (deleted rows
    are overwritten with zeros, so an erased address does not linger in free pages).

    Statement parameters are kept out of error messages: rows carry email addresses and member ids,
    which must never reach a log through an exception.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)


def checkpoint_after_erasure(engine: Engine) -> None:
    """After an erasure, copy the WAL into the database file and truncate it to zero bytes: the WAL still
    holds the pages as they were before the delete. Waits (busy timeout) for readers; a no-op elsewhere
    than SQLite. Whatever a still-open reader pins is checkpointed by the next erasure or SQLite's own
    automatic checkpoints."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
