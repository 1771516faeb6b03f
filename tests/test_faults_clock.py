"""Fault: the wall clock jumps an hour forward or back while a session is open (an NTP step, a manual
``date -s``). The edge counts time with ``edge.clock`` (start wall time + monotonic elapsed), so neither
jump ends the session, and the outbox keeps its order (sequence numbers; stamps never go backwards)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import Session

from cloud_sync.ledger import next_batch
from edge import clock
from edge.storage.outbox import add_outbox_event
from tests.mirror_support import mirror_edge

ROOM = "fr-1"


def test_a_wall_clock_jump_neither_ends_a_session_nor_reorders_the_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = time.time
    with mirror_edge(tmp_path / "edge.db", session_idle_s=300.0) as edge:
        style = edge.style(0)
        epc = edge.put_in_room(ROOM, edge.sku_in_stock(style), 1, t=clock.now())
        edge.take_out(ROOM, epc, t=clock.now())  # an empty room: the session ends after 300 s idle
        session = edge.ctx.manager.snapshot(ROOM).session_id
        assert session is not None

        def stamp(n: int) -> None:
            with Session(edge.service.db) as db:
                add_outbox_event(session=db, type="go_back", store_id="s1", payload={"n": n})
                db.commit()

        stamp(1)
        for jump in (3600.0, -3600.0):
            monkeypatch.setattr(time, "time", lambda j=jump: real() + j)
            time.sleep(1.5)  # a tick of the session worker (every 1 s) on the jumped clock
            assert edge.ctx.manager.snapshot(ROOM).session_id == session, f"a {jump:+.0f} s jump ended it"
            stamp(2 if jump > 0 else 3)
        monkeypatch.setattr(time, "time", real)

        rows = next_batch(edge.service.db, 100)
        assert [r.body["n"] for r in rows if r.type == "go_back" and "n" in r.body] == [1, 2, 3]
        stamps = [r.created_at for r in rows]
        assert stamps == sorted(stamps)
        assert abs(clock.offset()) < 1.0


def test_the_clock_offset_is_exported(monkeypatch: pytest.MonkeyPatch) -> None:
    from edge.metrics import EdgeMetrics

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 3600.0)
    assert EdgeMetrics().value("fitroom_clock_offset_seconds") == pytest.approx(-3600.0, abs=5.0)


def test_a_small_correction_is_followed_and_the_clock_never_goes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A VM's clock resynchronised by its host moves by seconds: the edge follows it (forward at once, and
    back by standing still), so its times stay the wall clock's; only steps over STEP_S are ignored."""
    real = time.time
    before = clock.now()
    monkeypatch.setattr(time, "time", lambda: real() + 11.0)
    ahead = clock.now()
    assert ahead == pytest.approx(real() + 11.0, abs=0.5) and abs(clock.offset()) < 0.5
    monkeypatch.setattr(time, "time", lambda: real() - 5.0)
    assert clock.now() >= ahead  # never backwards
    monkeypatch.setattr(time, "time", real)
    assert clock.now() >= ahead > before
