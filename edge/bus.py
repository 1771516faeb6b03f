"""A tiny in-process publish/subscribe hub for fanning events out (sessions, WebSockets, sync).

Subscribers are plain callables run on the event loop thread, in subscription order. A subscriber that
raises is logged and the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

__all__ = ["EventBus", "Subscriber"]

log = logging.getLogger(__name__)
Subscriber = Callable[[str, Any], None]


class EventBus:
    def __init__(self) -> None:
        self._subs: dict[str, list[Subscriber]] = {}

    def subscribe(self, topic: str, fn: Subscriber) -> Callable[[], None]:
        """Call ``fn(topic, event)`` per event on ``topic`` ('*' for all); returns an unsubscribe."""
        self._subs.setdefault(topic, []).append(fn)

        def unsubscribe() -> None:
            subs = self._subs.get(topic, [])
            if fn in subs:
                subs.remove(fn)

        return unsubscribe

    def publish(self, topic: str, event: Any) -> None:
        for fn in [*self._subs.get(topic, ()), *self._subs.get("*", ())]:
            try:
                fn(topic, event)
            except Exception:
                log.exception("subscriber %r failed on %s", fn, topic)

    def stop(self) -> None:
        self._subs.clear()
