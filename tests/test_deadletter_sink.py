"""The SQL dead-letter sink: batched writes, truncation, sampling, and a database that refuses."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from edge.ingest import SqlDeadLetterSink, list_dead_letters
from edge.ingest.deadletter import MAX_PAYLOAD_BYTES
from edge.storage.db import make_engine
from edge.storage.dead_letters import DeadLetter
from edge.storage.migrations import upgrade


def migrated(path: Path) -> Engine:
    """An edge database at ``path``, migrated as the edge migrates it (the sink creates no table)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def test_sql_sink_writes_in_batches_and_on_flush(tmp_path: Path) -> None:
    engine = migrated(tmp_path / "edge.db")
    sink = SqlDeadLetterSink(engine, batch_size=3)
    for i in range(2):
        assert sink.offer(t=float(i), kind="malformed_json", topic="a/b", payload=b"x", error="not JSON")
    with Session(engine) as session:
        assert list_dead_letters(session=session) == []
    sink.offer(t=2.0, kind="bad_epc", topic="a/b", payload=b"y", error="bad")
    with Session(engine) as session:
        assert [d.t for d in list_dead_letters(session=session)] == [2.0, 1.0, 0.0]
    sink.offer(t=3.0, kind="bad_epc", topic="a/b", payload=b"z", error="bad")
    sink.flush()
    with Session(engine) as session:
        assert [d.payload for d in list_dead_letters(session=session, kind="bad_epc")] == ["z", "y"]


def test_sql_sink_truncates_and_escapes_payloads(tmp_path: Path) -> None:
    engine = migrated(tmp_path / "edge.db")
    sink = SqlDeadLetterSink(engine)
    sink.offer(
        t=1.0, kind="malformed_json", topic="t" * 2000, payload=b"\xff" + b"a" * 20000, error="e" * 900
    )
    sink.flush()
    with Session(engine) as session:
        (letter,) = list_dead_letters(session=session)
    assert letter.payload.startswith("\\xffaaa")
    assert letter.payload_size == 20001
    assert len(letter.payload) == len("\\xff") + MAX_PAYLOAD_BYTES - 1
    assert len(letter.topic) == 512 and len(letter.error) == 500


def test_sql_sink_samples_a_flood(tmp_path: Path) -> None:
    engine = migrated(tmp_path / "edge.db")
    sink = SqlDeadLetterSink(engine, per_kind_per_minute=5)
    kept = sum(sink.offer(t=0.5, kind="bad_epc", topic="a", payload=b"x", error="e") for _ in range(1000))
    sink.flush()
    assert kept == 5
    with Session(engine) as session:
        assert len(list_dead_letters(session=session, limit=1000)) == 5


def test_sql_sink_keeps_samples_while_the_database_refuses(tmp_path: Path) -> None:
    engine = migrated(tmp_path / "edge.db")
    sink = SqlDeadLetterSink(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE dead_letter"))
    sink.offer(t=1.0, kind="bad_epc", topic="a", payload=b"x", error="e")
    sink.flush()  # fails, never raises
    assert sink.pending == 1
    DeadLetter.__table__.create(engine)  # type: ignore[attr-defined]  # the table is back
    sink.flush()
    assert sink.pending == 0
    with Session(engine) as session:
        assert len(list_dead_letters(session=session)) == 1
