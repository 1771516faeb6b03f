"""Is the edge's database writable? Watches every statement on the engine (SQLAlchemy engine events) so a
full disk is noticed wherever a write fails, and cleared by the next write that succeeds.

- ``fitroom_storage_write_errors_total{kind}``: writes the database refused, ``disk_full`` (SQLite's
  SQLITE_FULL, ``ENOSPC``/``EDQUOT`` from the file system) or ``other``;
- ``fitroom_disk_full``: 1 from a write that failed for want of space until a write succeeds (the alert).

Nothing here retries: the writers keep what they could not write (the session manager's unsaved changes,
the dead-letter buffer, the outbox rows of an action that answered 507) and the next write after space
returns goes through by itself.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import event
from sqlalchemy.engine import Engine

__all__ = ["DISK_FULL_MESSAGE", "DiskFull", "StorageHealth", "is_disk_full"]

log = logging.getLogger(__name__)

DISK_FULL_MESSAGE = "the edge's disk is full: nothing was saved; free space on the edge and try again"
_READS = ("SELECT", "PRAGMA", "EXPLAIN", "WITH")


class DiskFull(Exception):
    """A write not even tried: earlier writes are still waiting for space and must go first."""

    def __init__(self) -> None:
        super().__init__(DISK_FULL_MESSAGE)


def is_disk_full(exc: BaseException) -> bool:
    """True for a database error caused by a full disk (or a quota), at any depth of wrapping."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, DiskFull):
            return True
        if isinstance(seen, sqlite3.Error) and getattr(seen, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "database or disk is full" in str(seen) or "No space left on device" in str(seen):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


class StorageHealth:
    """Counts refused writes and raises ``fitroom_disk_full`` while the disk is full."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.write_errors = Counter(
            "fitroom_storage_write_errors",
            "Writes the edge's database refused, by kind (disk_full: no space left; other)",
            ["kind"],
            registry=registry,
        )
        self.disk_full_gauge = Gauge(
            "fitroom_disk_full",
            "1 while the edge's disk is full (the last write failed for want of space), else 0",
            registry=registry,
        )
        for kind in ("disk_full", "other"):
            self.write_errors.labels(kind=kind)
        self._lock = threading.Lock()
        self._full = False

    @property
    def disk_full(self) -> bool:
        return self._full

    def watch(self, engine: Engine) -> None:
        """Follow every statement and commit of ``engine``."""
        event.listen(engine, "handle_error", self._on_error)
        event.listen(engine, "after_cursor_execute", self._on_executed)

    def _on_error(self, context: Any) -> None:
        statement = (context.statement or "").lstrip().upper()
        if statement.startswith(_READS):
            return
        full = is_disk_full(context.original_exception)
        self.write_errors.labels(kind="disk_full" if full else "other").inc()
        if full:
            self._set(True)

    def _on_executed(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._full and not statement.lstrip().upper().startswith(_READS):
            self._set(False)

    def _set(self, full: bool) -> None:
        with self._lock:
            if full == self._full:
                return
            self._full = full
        self.disk_full_gauge.set(1 if full else 0)
        if full:
            log.error(
                "storage: the disk is full; writes fail until space is freed (presence and mirrors go on)"
            )
        else:
            log.warning("storage: writes succeed again (the disk has space)")
