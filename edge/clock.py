"""The edge's clock: Unix seconds that never go backwards and do not jump with a stepped wall clock.

``now()`` reads like ``time.time()`` (it is stored, shown and compared with times from before a restart):
it follows the wall clock while the wall clock agrees, within ``STEP_S``, with the monotonic clock's count
since they last agreed; small corrections are followed (a VM's clock resynchronised by its host moves by
seconds). A larger change (a wrong ``date -s``, an NTP step, a daylight-saving mistake: an hour forward or
back) is a step, and ``now()`` keeps counting monotonic seconds instead: idle timeouts, presence silences
and token expiries count real elapsed time, and no session ends because the wall clock jumped. It never
goes backwards. The price: after a step the times the edge records differ from the wall clock by that step
until the wall clock comes back or the edge restarts (``offset()`` says by how much;
``fitroom_clock_offset_seconds`` exports it).
"""

from __future__ import annotations

import threading
import time

__all__ = ["STEP_S", "now", "offset"]

# A wall-clock change larger than this is a step to ignore (a wrong ``date -s``, an NTP step after a boot
# on a stale clock); a smaller one is followed, as clocks are kept (a VM's clock resynchronised by its host).
STEP_S = 120.0

_lock = threading.Lock()
_wall_anchor = time.time()
_mono_anchor = time.monotonic()
_last = _wall_anchor


def now() -> float:
    """Unix seconds that never go backwards and ignore wall-clock steps over ``STEP_S``: the wall clock
    while it agrees with the monotonic clock's count from the last agreement (within ``STEP_S``), else that
    count."""
    global _wall_anchor, _mono_anchor, _last
    with _lock:
        mono, wall = time.monotonic(), time.time()
        counted = _wall_anchor + (mono - _mono_anchor)
        if abs(wall - counted) <= STEP_S:
            _wall_anchor, _mono_anchor, counted = wall, mono, wall
        _last = max(_last, counted)
        return _last


def offset() -> float:
    """The wall clock minus ``now()``: about 0 unless the wall clock was stepped by more than ``STEP_S``."""
    return time.time() - now()
