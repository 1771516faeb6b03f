"""What a full hand-off does with a message it cannot take: count it and say so, rate-limited."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["Overflow"]

LOG_INTERVAL_S = 10.0


class Overflow:
    """Counts messages a bounded hand-off dropped; calls ``on_dropped`` for each (a failing callback is
    logged, never raised: it may run on a network thread) and logs at most one warning per
    ``LOG_INTERVAL_S`` saying how many were dropped since the last one and in total."""

    def __init__(self, what: str, log: logging.Logger, on_dropped: Callable[[], None] | None) -> None:
        self._what = what
        self._log = log
        self._on_dropped = on_dropped
        self.total = 0
        self._unreported = 0
        self._last_log = 0.0

    def drop(self, queue_size: int) -> None:
        self.total += 1
        self._unreported += 1
        if self._on_dropped is not None:
            try:
                self._on_dropped()
            except Exception:
                self._log.exception("%s: on_dropped callback failed", self._what)
        now = time.monotonic()
        if now - self._last_log >= LOG_INTERVAL_S:
            self._log.warning(
                "%s hand-off full (%d messages): dropped %d since the last report, %d in total",
                self._what,
                queue_size,
                self._unreported,
                self.total,
            )
            self._unreported = 0
            self._last_log = now
