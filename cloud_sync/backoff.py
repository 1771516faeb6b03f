"""Retry timing for talking to the central store: exponential backoff with jitter, and ``Retry-After``.

Pure: the random source and the clock are passed in, so the policy is unit-testable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

__all__ = ["Backoff", "parse_retry_after"]


@dataclass
class Backoff:
    """Delays grow ``base_s * 2**n`` up to ``cap_s``; each is drawn from the upper half of that window
    ("equal jitter"), so thousands of edges coming back at once spread out yet never retry at once.
    A server's ``Retry-After`` is a floor: we never come back sooner than it asked."""

    base_s: float = 0.5
    cap_s: float = 60.0
    rng: Callable[[], float] = field(default=random.random)
    attempt: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        window = min(self.cap_s, self.base_s * (2.0 ** min(self.attempt, 30)))
        self.attempt += 1
        delay = window / 2 + float(self.rng()) * window / 2
        if retry_after is not None:
            # Still jittered above the floor, so edges told the same Retry-After do not return in step.
            delay = max(delay, retry_after + float(self.rng()) * self.base_s)
        return delay

    def reset(self) -> None:
        self.attempt = 0


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)
