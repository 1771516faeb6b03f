"""The edge's clock: wall-clock seconds that never jump.

``now()`` is the Unix time when the process started plus the monotonic time elapsed since, so it reads
like ``time.time()`` (it is stored, shown and compared with times from before a restart) but an NTP
step, a manual ``date -s`` or a daylight-saving mistake moving the wall clock an hour forward or back
does not move it: idle timeouts, presence silences and token expiries count real elapsed seconds, and
no session ends because the wall clock jumped. The price: after a wall-clock correction the times the
edge records differ from the wall clock by that correction until the edge restarts (``offset()`` says
by how much; ``fitroom_clock_offset_seconds`` exports it).
"""

from __future__ import annotations

import time

__all__ = ["now", "offset"]

_WALL_AT_START = time.time()
_MONO_AT_START = time.monotonic()


def now() -> float:
    """Unix seconds, advancing with the monotonic clock from the wall time at start."""
    return _WALL_AT_START + (time.monotonic() - _MONO_AT_START)


def offset() -> float:
    """The wall clock minus ``now()``: 0 unless the wall clock was stepped since the edge started."""
    return time.time() - now()
