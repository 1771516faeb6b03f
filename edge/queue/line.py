"""The fitting-room queue (pure: time is passed in). Walk-in parties take a ticket; a room released by
sensing (its session ended) calls the next one; the wait estimate comes from the store's own measured
session lengths."""

from __future__ import annotations

import statistics
import threading
from collections import deque
from dataclasses import dataclass

__all__ = ["Called", "QueueLine", "Waiting"]

DEFAULT_SESSION_S = 600.0  # until the store has measured a few sessions of its own
KEEP_CALLED = 10


@dataclass(frozen=True, slots=True)
class Waiting:
    ticket: int
    name: str | None
    party: int
    joined_at: float


@dataclass(frozen=True, slots=True)
class Called:
    ticket: int
    room_id: str
    called_at: float


class QueueLine:
    def __init__(self, rooms: int, *, keep_lengths: int = 50) -> None:
        self._rooms = max(1, rooms)
        self._lock = threading.Lock()
        self._next = 1
        self._waiting: deque[Waiting] = deque()
        self._called: deque[Called] = deque(maxlen=KEEP_CALLED)
        self._lengths: deque[float] = deque(maxlen=keep_lengths)

    def restore(
        self, *, waiting: list[Waiting], called: list[Called], next_ticket: int, lengths: list[float]
    ) -> None:
        """Take up where a previous run left off (oldest first in each list)."""
        with self._lock:
            self._waiting = deque(waiting)
            self._called.extend(called)
            self._next = max(self._next, next_ticket)
            self._lengths.extend(lengths)

    def session_length(self) -> float:
        """The median of the measured sessions (the default until three are measured)."""
        with self._lock:
            lengths = list(self._lengths)
        return statistics.median(lengths) if len(lengths) >= 3 else DEFAULT_SESSION_S

    def estimate_s(self, position: int) -> float:
        """Rooms free at ``rooms / session length`` a second (each room turns over once a session), so
        position ``p`` waits for the ``p``-th release: ``p × session length / rooms``."""
        return round(position * self.session_length() / self._rooms, 1)

    def join(self, name: str | None, party: int, now: float) -> tuple[Waiting, int]:
        with self._lock:
            entry = Waiting(self._next, name, party, now)
            self._next += 1
            self._waiting.append(entry)
            return entry, len(self._waiting)

    def waiting(self) -> list[Waiting]:
        with self._lock:
            return list(self._waiting)

    def called(self) -> list[Called]:
        with self._lock:
            return list(reversed(self._called))

    def measure(self, *, started_at: float, ended_at: float) -> None:
        """A session ended in a room that stays held (a reservation is ready there): measure it only."""
        with self._lock:
            if ended_at > started_at:
                self._lengths.append(ended_at - started_at)

    def room_released(self, room_id: str, *, started_at: float, ended_at: float) -> Called | None:
        """A room's session ended: measure it, and call the next ticket to that room."""
        with self._lock:
            if ended_at > started_at:
                self._lengths.append(ended_at - started_at)
            if not self._waiting:
                return None
            entry = self._waiting.popleft()
            call = Called(entry.ticket, room_id, ended_at)
            self._called.append(call)
            return call
