"""``fitroom-edge backup`` / ``restore``: a consistent copy while the edge writes, a round trip, a refusal
while the database is in use, and an upgrade that migrates a copy of real data forward."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from edge.storage.db import make_engine
from edge.storage.migrations import BASELINE, alembic_config, upgrade
from tests.conftest import ROOT

BATCH = 10  # the writer's transactions each add this many rows: a torn copy would show a partial batch

WRITER = textwrap.dedent(
    """
    import os, sqlite3, sys, time
    BATCH = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    db, stop_after, stop_file = sys.argv[1], float(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else ""
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    batch, end = 0, time.monotonic() + stop_after
    print("writing", flush=True)
    while time.monotonic() < end and not (stop_file and os.path.exists(stop_file)):
        batch += 1
        conn.execute("BEGIN")
        for i in range(BATCH):
            conn.execute(
                "INSERT INTO dead_letter (t, kind, topic, payload, payload_size, error) VALUES (?,?,?,?,?,?)",
                (time.time(), "malformed_json", f"batch-{batch}", "x" * 200, 200, "test"),
            )
        conn.execute("COMMIT")
    conn.close()
    """
)

HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1])
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("SELECT count(*) FROM dead_letter").fetchone()
    print("open", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def _edge(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
    return subprocess.run(
        [sys.executable, "-m", "edge.cli", *args, "--db-url", f"sqlite:///{db}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _edge_db(path: Path, revision: str = "head") -> Path:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, revision)
    engine.dispose()
    return path


def _batches(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return dict(conn.execute("SELECT topic, count(*) FROM dead_letter GROUP BY topic").fetchall())
    finally:
        conn.close()


@pytest.fixture
def edge_db(tmp_path: Path) -> Iterator[Path]:
    yield _edge_db(tmp_path / "edge.db")


def test_a_backup_taken_while_the_edge_writes_is_consistent(edge_db: Path, tmp_path: Path) -> None:
    stop = tmp_path / "stop-writing"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(edge_db), "90", str(stop), str(BATCH)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
        time.sleep(0.5)
        copies = []
        for n in range(3):
            out = tmp_path / f"backup-{n}.db"
            done = _edge("backup", "--out", str(out), db=edge_db)
            assert done.returncode == 0, done.stderr
            copies.append(out)
            time.sleep(0.3)
        assert writer.poll() is None, "the writer stopped before the backups were taken"
    finally:
        stop.touch()
        writer.wait(30)
    sizes = []
    for copy in copies:
        batches = _batches(copy)
        assert batches and set(batches.values()) == {BATCH}  # whole transactions only
        sizes.append(len(batches))
        assert oct(copy.stat().st_mode & 0o777) == oct(0o600)
        assert not Path(f"{copy}-wal").exists()  # one self-contained file
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1] < len(_batches(edge_db))


def test_restore_round_trips_and_keeps_the_database_it_replaces(edge_db: Path, tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", WRITER, str(edge_db), "0.3"], check=True, capture_output=True)
    before = _batches(edge_db)
    backup = tmp_path / "nightly.db"
    assert _edge("backup", "--out", str(backup), db=edge_db).returncode == 0
    again = _edge("backup", "--out", str(backup), db=edge_db)
    assert again.returncode == 1 and "exists" in again.stderr  # never overwrites a backup silently
    conn = sqlite3.connect(edge_db)
    conn.execute("DELETE FROM dead_letter")
    conn.commit()
    conn.close()
    done = _edge("restore", str(backup), db=edge_db)
    assert done.returncode == 0, done.stderr
    assert _batches(edge_db) == before
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("edge.db.before-restore-")]
    assert kept and any(_batches(p) == {} for p in kept if not p.name.endswith(("-wal", "-shm")))


def test_restore_is_refused_while_the_database_is_in_use(edge_db: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    assert _edge("backup", "--out", str(backup), db=edge_db).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(edge_db), "20"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        done = _edge("restore", str(backup), db=edge_db)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1 and "in use" in done.stderr and "stop the edge" in done.stderr
    assert not [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]


def test_restore_refuses_a_backup_from_a_newer_version_and_a_file_that_is_no_database(
    edge_db: Path, tmp_path: Path
) -> None:
    newer = _edge_db(tmp_path / "newer.db")
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = 'e9999'")
    conn.commit()
    conn.close()
    done = _edge("restore", str(newer), db=edge_db)
    assert done.returncode == 1 and "e9999" in done.stderr and "newer" in done.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    done = _edge("restore", str(junk), db=edge_db)
    assert done.returncode == 1 and "not an SQLite database" in done.stderr


def test_an_upgrade_migrates_a_copy_of_real_data_forward_with_its_rows_intact(tmp_path: Path) -> None:
    old = _edge_db(tmp_path / "store.db", BASELINE)  # the first schema revision, as an early store has it
    subprocess.run([sys.executable, "-c", WRITER, str(old), "0.3"], check=True, capture_output=True)
    rows = _batches(old)
    copy = tmp_path / "copy.db"
    assert _edge("backup", "--out", str(copy), db=old).returncode == 0
    engine = make_engine(f"sqlite:///{copy}")
    upgrade(engine)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_current_head()
    assert version == head
    assert _batches(copy) == rows and rows
    assert _batches(old) == rows  # the store's own database untouched
