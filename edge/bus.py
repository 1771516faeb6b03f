"""A tiny in-process publish/subscribe hub for fanning events out (sessions, WebSockets, sync).

Topics are typed keys (``Topic[T]``, all of them in ``edge.topics``): mypy checks that what is published
on a topic is its payload type and that a subscriber takes it, so no subscriber needs an ``isinstance``
guard. Subscribers are plain callables ``fn(topic, payload)`` run on the event loop thread, in
subscription order. A subscriber that raises is logged and the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["EventBus", "Subscriber", "Topic"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Topic(Generic[T]):
    """A bus topic whose payloads are ``T``; ``name`` is how logs call it. Define topics in
    ``edge.topics`` only, so one module lists everything the bus carries. A topic is its own key
    (compared by identity): two topics with one name are two topics."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Topic({self.name!r})"

    def __str__(self) -> str:
        return self.name


Subscriber = Callable[[Topic[T], T], None]


class EventBus:
    def __init__(self) -> None:
        # Keyed by topic; each list holds subscribers of that topic's own payload type.
        self._subs: dict[Topic[Any], list[Callable[[Topic[Any], Any], None]]] = {}

    def subscribe(self, topic: Topic[T], fn: Subscriber[T]) -> Callable[[], None]:
        """Call ``fn(topic, payload)`` per payload published on ``topic``; returns an unsubscribe."""
        self._subs.setdefault(topic, []).append(fn)

        def unsubscribe() -> None:
            subs = self._subs.get(topic, [])
            if fn in subs:
                subs.remove(fn)

        return unsubscribe

    def publish(self, topic: Topic[T], payload: T) -> None:
        """Run every subscriber of ``topic`` now, on this thread (the event loop's)."""
        for fn in list(self._subs.get(topic, ())):
            try:
                fn(topic, payload)
            except Exception:
                log.exception("subscriber %r failed on %s", fn, topic)

    def stop(self) -> None:
        """Drop every subscriber (the edge stopped; parts subscribe again when it starts)."""
        self._subs.clear()
