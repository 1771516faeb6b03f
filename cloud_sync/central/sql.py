"""Dialect-aware bulk statements (INSERT … ON CONFLICT) for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from cloud_sync.central.models import ChangeCounter

__all__ = ["bump_versions", "insert_for"]


def insert_for(session: Session, table: Any) -> Any:
    """An ``INSERT`` supporting ``on_conflict_do_nothing/_do_update`` on the session's dialect."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    if bind.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {bind.dialect.name!r}")


def bump_versions(session: Session, count: int, *, name: str = "changes") -> range:
    """Reserve ``count`` consecutive versions. The counter row stays locked until the caller commits,
    so a reader never sees version n+1 committed before version n."""
    if count <= 0:
        return range(0)
    stmt = (
        update(ChangeCounter)
        .where(col(ChangeCounter.name) == name)
        .values(value=col(ChangeCounter.value) + count)
        .returning(col(ChangeCounter.value))
    )
    top = session.execute(stmt).scalar_one_or_none()
    if top is None:
        first = insert_for(session, ChangeCounter).values(name=name, value=0)
        session.execute(first.on_conflict_do_nothing())
        top = session.execute(stmt).scalar_one()
    return range(int(top) - count + 1, int(top) + 1)
