"""Dead letters: samples of rejected messages, kept so a person can see what a device really sent.

Every rejected message is counted in the metrics; only a sample is kept here: at most
``per_kind_per_minute`` per error kind per minute of message time, so a flood of garbage cannot fill the
disk. Payloads are truncated to ``MAX_PAYLOAD_BYTES``. Two sinks share one small protocol: an in-memory
ring for tests and replay, and a SQL sink that buffers and writes in batches.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from edge.storage.dead_letters import MAX_ERROR_CHARS, MAX_TOPIC_CHARS, DeadLetter

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "DeadLetter",
    "DeadLetterSampler",
    "DeadLetterSink",
    "MemoryDeadLetterSink",
    "SqlDeadLetterSink",
    "list_dead_letters",
]

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 4096


def dead_letter_row(*, t: float, kind: str, topic: str, payload: bytes, error: str) -> dict[str, Any]:
    """The column values of a dead letter, truncated to their limits."""
    return {
        "t": t,
        "kind": kind[:32],
        "topic": topic[:MAX_TOPIC_CHARS],
        "payload": payload[:MAX_PAYLOAD_BYTES].decode("utf-8", "backslashreplace"),
        "payload_size": len(payload),
        "error": error[:MAX_ERROR_CHARS],
    }


class DeadLetterSink(Protocol):
    """Where the pipeline offers rejected messages."""

    def offer(self, *, t: float, kind: str, topic: str, payload: bytes, error: str) -> bool:
        """Keep a sample if the kind's budget allows; True when kept. Never raises, never blocks long."""
        ...

    def flush(self) -> None:
        """Write anything buffered. Never raises."""
        ...


class DeadLetterSampler:
    """At most ``per_kind_per_minute`` admissions per kind per minute of (message) time."""

    def __init__(self, per_kind_per_minute: int = 10) -> None:
        self.per_kind_per_minute = per_kind_per_minute
        self._windows: dict[str, tuple[int, int]] = {}

    def admit(self, kind: str, t: float) -> bool:
        minute = int(t // 60)
        window, used = self._windows.get(kind, (minute, 0))
        if window != minute:
            used = 0
        if used >= self.per_kind_per_minute:
            return False
        self._windows[kind] = (minute, used + 1)
        return True


class MemoryDeadLetterSink:
    """Keeps the newest ``capacity`` samples in memory (tests, replay, a broker-less demo)."""

    def __init__(self, *, per_kind_per_minute: int = 10, capacity: int = 1000) -> None:
        self._sampler = DeadLetterSampler(per_kind_per_minute)
        self._letters: deque[DeadLetter] = deque(maxlen=capacity)

    def offer(self, *, t: float, kind: str, topic: str, payload: bytes, error: str) -> bool:
        if not self._sampler.admit(kind, t):
            return False
        self._letters.append(
            DeadLetter(**dead_letter_row(t=t, kind=kind, topic=topic, payload=payload, error=error))
        )
        return True

    def flush(self) -> None:
        return None

    @property
    def letters(self) -> list[DeadLetter]:
        """Kept samples, oldest first."""
        return list(self._letters)


class SqlDeadLetterSink:
    """Buffers samples and writes them to the ``dead_letter`` table in batches.

    ``offer`` only appends to a buffer, writing inline once ``batch_size`` samples are waiting (with the
    sampling budget that is rare). ``flush`` writes the rest; call it periodically and at shutdown. It is
    safe to call ``flush`` from another thread. If the database refuses, samples stay buffered (at most
    ``max_pending``; older ones are discarded and counted in ``lost``) and the next flush retries.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        per_kind_per_minute: int = 10,
        batch_size: int = 50,
        max_pending: int = 1000,
    ) -> None:
        self._engine = engine
        self._sampler = DeadLetterSampler(per_kind_per_minute)
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.lost = 0

    def offer(self, *, t: float, kind: str, topic: str, payload: bytes, error: str) -> bool:
        if not self._sampler.admit(kind, t):
            return False
        row = dead_letter_row(t=t, kind=kind, topic=topic, payload=payload, error=error)
        with self._lock:
            self._pending.append(row)
            self._trim()
            due = len(self._pending) >= self._batch_size
        if due:
            self.flush()
        return True

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> None:
        with self._write_lock:
            with self._lock:
                rows, self._pending = self._pending, []
            if not rows:
                return
            try:
                with self._engine.begin() as conn:
                    conn.execute(insert(DeadLetter), rows)
            except SQLAlchemyError as exc:
                log.warning("dead letters: could not write %d samples (%s); will retry", len(rows), exc.code)
                with self._lock:
                    self._pending = rows + self._pending
                    self._trim()

    def _trim(self) -> None:
        excess = len(self._pending) - self._max_pending
        if excess > 0:
            del self._pending[:excess]
            self.lost += excess


def list_dead_letters(*, session: Session, kind: str | None = None, limit: int = 100) -> list[DeadLetter]:
    """The newest dead letters, newest first, optionally of one kind."""
    query = select(DeadLetter)
    if kind is not None:
        query = query.where(DeadLetter.kind == kind)
    query = query.order_by(col(DeadLetter.t).desc(), col(DeadLetter.id).desc()).limit(limit)
    return list(session.exec(query).all())
