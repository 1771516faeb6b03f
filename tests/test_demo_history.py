"""The demo's month of history (``simulators.demo_history``) goes through the edge's own code paths and
reads back in the manager's figures as what it played: every visit a session, every purchase a
session with a purchase and a synced outbox event, every task worked by the demo's associates, the same
for the same seed, nothing in the future and nothing left open."""

from __future__ import annotations

import time
from pathlib import Path

from sqlmodel import Session, select

from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG, load_settings
from edge.layout import load_layout
from edge.storage import figures
from edge.storage.db import make_engine
from edge.storage.models import Associate, FittingRoomSession, Task, TaskStatus
from edge.storage.outbox import OutboxEvent
from simulators.demo_history import History, prepare_demo_store
from tests.conftest import DEMO_LAYOUT

STAFF = [("ana", "Ana", "1234"), ("luis", "Luis", "1234")]


def _history(tmp_path: Path, name: str, seed: int) -> tuple[History, str]:
    url = f"sqlite:///{tmp_path / name}"
    settings = load_settings({"layout": str(DEMO_LAYOUT), "catalog": str(DEMO_CATALOG), "db_url": url})
    layout, catalog = load_layout(DEMO_LAYOUT), load_catalog(DEMO_CATALOG)
    history = prepare_demo_store(
        settings, layout, catalog, staff=STAFF, manager=("mia", "Mia", "1234"), days=4, seed=seed
    )
    assert history is not None
    return history, url


def test_the_history_reads_back_as_what_it_played(tmp_path: Path) -> None:
    now = time.time()
    history, url = _history(tmp_path, "a.db", seed=7)
    again, _ = _history(tmp_path, "b.db", seed=7)
    other, _ = _history(tmp_path, "c.db", seed=8)
    assert history == again and history != other
    engine = make_engine(url)
    with engine.connect() as conn:
        k = figures.kpis(conn, now - 5 * 86400, now)
    with Session(engine) as db:
        sessions = db.exec(select(FittingRoomSession)).all()
        tasks = db.exec(select(Task)).all()
        purchases = db.exec(select(OutboxEvent).where(OutboxEvent.type == "purchase")).all()
        roles = {a.id: a.role for a in db.exec(select(Associate)).all()}
    engine.dispose()
    assert k.sessions == history.visits == len(sessions) > 20
    assert k.sessions_with_purchase == history.purchases == len(purchases)
    assert 0.2 < (k.conversion or 0) < 0.8 and k.go_back_items > 0 and k.claim_p50_s is not None
    assert all(s.ended_at is not None and s.ended_at < now for s in sessions)
    assert len(tasks) == history.tasks
    assert {t.status for t in tasks} == {TaskStatus.DONE}
    assert {t.completed_by for t in tasks} == {"ana", "luis"}
    assert roles == {"ana": "associate", "luis": "associate", "mia": "manager"}
