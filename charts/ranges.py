"""The date range of a figures page or API: ``from``/``to`` as ISO dates (UTC; a ``to`` date counts its
whole day), ISO datetimes or Unix seconds, as the half-open interval ``[start, end)`` in Unix seconds."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

__all__ = ["date_range", "day", "parse_when"]

DAY_S = 86400.0


def parse_when(value: str | None, *, default: float, end_of_day: bool = False) -> float:
    """An ISO date (UTC; with ``end_of_day`` the whole day counts), an ISO datetime, or Unix seconds.
    Raises ValueError, with a message fit for the caller, for anything else."""
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        pass
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            start = datetime(d.year, d.month, d.day, tzinfo=UTC)
            return (start + timedelta(days=1 if end_of_day else 0)).timestamp()
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a date (YYYY-MM-DD) or Unix seconds") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def date_range(
    start: str | None,
    end: str | None,
    *,
    default_days: int = 30,
    max_days: int | None = None,
    now: float | None = None,
) -> tuple[float, float]:
    """``[start, end)``: by default the last ``default_days`` days up to ``now`` (the wall clock unless
    given). ValueError when ``from`` is not before ``to``, a bound is not a finite time, or the range is
    longer than ``max_days``."""
    t1 = parse_when(end, default=time.time() if now is None else now, end_of_day=True)
    t0 = parse_when(start, default=t1 - default_days * DAY_S)
    if not all(abs(t) < 1e11 for t in (t0, t1)):  # NaN, inf, or beyond the year 5000
        raise ValueError("'from' and 'to' must be dates or Unix seconds")
    if t0 >= t1:
        raise ValueError("'from' must be before 'to'")
    if max_days is not None and t1 - t0 > max_days * DAY_S:
        raise ValueError(f"the range is longer than {max_days} days")
    return t0, t1


def day(t: float) -> str:
    """The UTC date of Unix time ``t`` (``2026-12-05``)."""
    return datetime.fromtimestamp(t, UTC).date().isoformat()
