"""The edge database never puts row values (emails, member ids) into error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from edge.storage.db import make_engine


def test_a_failed_statement_does_not_quote_its_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE shopper (email TEXT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO shopper VALUES (:e)"), {"e": "ana@example.com"})
    with pytest.raises(IntegrityError) as failure, engine.begin() as conn:
        conn.execute(text("INSERT INTO shopper VALUES (:e)"), {"e": "ana@example.com"})
    assert "ana@example.com" not in str(failure.value)


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
