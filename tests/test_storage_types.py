"""The edge tables are typed: task kinds and statuses come back as enums (stored as the same strings), and
the JSON kept in text columns is read through its typed document, never ``json.loads``-ed by callers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import StatementError
from sqlmodel import Session, select

from edge.storage.db import make_engine
from edge.storage.migrations import upgrade
from edge.storage.models import (
    PURCHASE_LINES,
    FittingRoomSession,
    Purchase,
    Task,
    TaskKind,
    TaskStatus,
)


def test_task_kind_and_status_are_enums_stored_as_their_strings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    upgrade(engine)
    with Session(engine) as db:
        db.add(Task(kind=TaskKind.HELP, store_id="s", room_id="fr-1", created_at=1.0))
        db.commit()
    with Session(engine) as db:
        task = db.exec(select(Task)).one()
        assert task.kind is TaskKind.HELP and task.status is TaskStatus.OPEN
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT kind, status FROM task").one() == ("help", "open")


def test_a_task_kind_the_enum_does_not_have_is_refused_before_the_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    upgrade(engine)
    with Session(engine) as db, pytest.raises(StatementError):
        task = Task(kind=TaskKind.HELP, store_id="s", room_id="fr-1", created_at=1.0)
        task.kind = "coffee"  # type: ignore[assignment]  # table models do not validate assignment
        db.add(task)
        db.commit()


def test_json_columns_are_read_as_typed_documents(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    upgrade(engine)
    line = {
        "epc": "3074257BF7194E4000001A85",
        "gtin": "80614141123458",
        "name": "Dress",
        "size": "M",
        "colour": "Red",
        "price_cents": 4999,
    }
    with Session(engine) as db:
        db.add(
            FittingRoomSession(
                id="s1",
                store_id="s",
                room_id="fr-1",
                started_at=1.0,
                opened_by="mirror",
                shopper_devices='["irk:abc"]',
            )
        )
        # Text as an earlier version wrote it: json.dumps with its default separators.
        db.add(
            Purchase(
                store_id="s",
                room_id="fr-1",
                session_id="s1",
                created_at=1.0,
                items=PURCHASE_LINES.dump([line]),
                total_cents=4999,
                currency="EUR",
                payment="x",
            )
        )
        db.commit()
    with Session(engine) as db:
        assert db.exec(select(FittingRoomSession)).one().devices == ["irk:abc"]
        assert db.exec(select(Purchase)).one().lines == [line]


def test_a_malformed_document_is_refused_when_written() -> None:
    with pytest.raises(ValidationError):
        PURCHASE_LINES.dump([{"epc": "X"}])  # type: ignore[typeddict-item]  # on purpose: fields missing


def test_rows_an_earlier_version_wrote_read_back_typed_after_upgrading(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    upgrade(engine, "e0001")  # the first schema, as earlier versions migrated it
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO task (kind, store_id, room_id, detail, created_at, status) "
            """VALUES ('go_back', 's', 'fr-1', '{"items": [{"epc": "AB12"}]}', 1.0, 'done')"""
        )
    upgrade(engine)
    with Session(engine) as db:
        task = db.exec(select(Task)).one()
    assert (task.kind, task.status) == (TaskKind.GO_BACK, TaskStatus.DONE)
    assert task.details == {"items": [{"epc": "AB12"}]}
