"""Backups of the edge's SQLite database, taken while the edge runs, and putting one back.

``back_up(db, out)`` copies the database with SQLite's online backup API inside one read transaction:
the copy is the database as of one moment, whatever the running edge writes meanwhile (WAL readers do
not block the writer). The copy is checked (``PRAGMA integrity_check``), switched out of WAL so it is one
self-contained file, and appears at ``out`` only when complete.

``restore(backup, db)`` refuses while any process has the database open (the running edge keeps its
connections open), checks the backup is a sound edge database this code can migrate, keeps the current
database beside it as ``<name>.before-restore-<UTC time>`` (with its -wal), and puts the backup in place.
The edge migrates a restored older backup forward on its next start; a backup from a newer version is
refused. PostgreSQL edge databases are backed up with ``pg_dump`` instead.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["BackupError", "BackupInfo", "back_up", "database_in_use", "restore", "sqlite_path"]

# In WAL mode every connection holds a shared lock on this byte of the -shm file for as long as it is open
# (SQLite's unix VFS "DMS" slot: (22 + SQLITE_SHM_NLOCK) * 4 + SQLITE_SHM_NLOCK = 128).
_SHM_DMS_BYTE = 128
# A connection in the middle of a transaction holds SHARED/RESERVED/PENDING locks from this offset.
_PENDING_BYTE = 0x40000000


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """What a backup holds: its file, size in bytes, schema revision and row counts per table."""

    path: Path
    size: int
    revision: str | None
    rows: dict[str, int]


def sqlite_path(db_url: str) -> Path:
    """The file of an ``sqlite:///…`` URL; ``BackupError`` for any other database."""
    try:
        url = make_url(db_url)
    except ArgumentError as exc:
        raise BackupError(f"not a database URL: {exc}") from None
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"{url.get_backend_name()} database: back it up with its own tools (pg_dump)")
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(url.database)


def database_in_use(db: Path) -> bool:
    """True while any other process has ``db`` open (the running edge does, for as long as it runs)."""
    probes = [(Path(f"{db}-shm"), _SHM_DMS_BYTE), (db, _PENDING_BYTE)]
    for path, offset in probes:
        if not path.exists():
            continue
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset, os.SEEK_SET)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return True
            raise
        else:
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset, os.SEEK_SET)
        finally:
            os.close(fd)
    return False


def back_up(db: Path, out: Path, *, overwrite: bool = False) -> BackupInfo:
    """Copy the live database ``db`` to ``out`` consistently; returns what the copy holds."""
    if not db.is_file():
        raise BackupError(f"no database at {db}")
    if out.exists() and not overwrite:
        raise BackupError(f"{out} exists: choose another file (or --force to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one read transaction, one moment
            copy.execute("PRAGMA journal_mode=DELETE")
            _check(copy, partial)
            info = _describe(copy, out)
        finally:
            copy.close()
        os.chmod(partial, 0o600)  # shoppers' data: as private as the database itself
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, out)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {db} failed: {exc}") from None
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return BackupInfo(out, out.stat().st_size, info.revision, info.rows)


def restore(backup: Path, db: Path, *, known_revisions: set[str], now: float | None = None) -> Path | None:
    """Put ``backup`` in place of ``db``; returns where the previous database was kept (None: there was none).

    Refuses (``BackupError``) while ``db`` is open in any process, and a backup that is not a sound edge
    database or whose schema revision is not in ``known_revisions`` (made by a newer version).
    """
    if not backup.is_file():
        raise BackupError(f"no backup at {backup}")
    if db.exists() and database_in_use(db):
        raise BackupError(
            f"{db} is in use: stop the edge first (systemctl stop fitroom-edge, or docker compose stop edge)"
        )
    try:
        check = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            _check(check, backup)
            revision = _describe(check, backup).revision
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup} is not an SQLite database: {exc}") from None
    if revision is None:
        raise BackupError(f"{backup} is not an edge database (it has no schema revision)")
    if revision not in known_revisions:
        raise BackupError(
            f"{backup} is at schema revision {revision}, which this version does not know: it was made by "
            "a newer edge; install that version to restore it"
        )
    kept: Path | None = None
    if db.exists():
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
        kept = db.with_name(f"{db.name}.before-restore-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            current = Path(f"{db}{suffix}")
            if current.exists():
                os.replace(current, Path(f"{kept}{suffix}"))
    partial = db.with_name(f".{db.name}.restoring-{os.getpid()}")
    shutil.copyfile(backup, partial)
    os.chmod(partial, 0o600)
    os.replace(partial, db)
    return kept


def _check(conn: sqlite3.Connection, path: Path) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result[0] if result else 'no answer'}")


def _describe(conn: sqlite3.Connection, path: Path) -> BackupInfo:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    rows = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
    revision = None
    if "alembic_version" in tables:
        found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = str(found[0]) if found else None
    rows.pop("alembic_version", None)
    return BackupInfo(path, 0, revision, rows)
