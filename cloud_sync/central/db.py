"""Engine construction and Alembic migration for the central store's database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import create_engine

__all__ = ["make_engine", "migrate", "normalize_url", "url_problem"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> str:
    """Map a plain ``postgresql://`` (or ``postgres://``) URL to the psycopg 3 driver; others unchanged."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def url_problem(url: str) -> str | None:
    """Why ``url`` is no database URL the central store can open, or None when it may be (whether the
    database answers is for the first connection to say). Never quotes the URL: it carries a password.
    (The edge checks its own in ``edge.config``: the central store imports nothing of the edge.)"""
    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError:
        return "not a database URL: postgresql://user:password@host:port/name, or sqlite:///path"
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        return f"no database dialect or driver {parsed.drivername!r} is installed"
    return None


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """One engine per process. SQLite gets WAL and a busy timeout so the API and mailer can share it, and
    ``secure_delete`` so an erasure leaves nothing in free pages (with ``erasure.checkpoint``)."""
    url = normalize_url(url)
    # hide_parameters: a database error logged with its statement must not carry emails or member ids.
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA secure_delete=ON")  # erased rows are zeroed, not left in free pages
            cur.close()

        return engine
    return create_engine(
        url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10
    )


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


# pg_advisory_xact_lock key: several instances starting at once migrate one after the other.
_MIGRATION_LOCK = 0x66697472  # "fitr"


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent; safe on every start, from several instances at once
    on PostgreSQL)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
