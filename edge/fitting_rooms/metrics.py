"""Prometheus metrics of the fitting rooms, registered in the edge's own registry (``/metrics``).

Associates' response times (claim and completion, seconds from the task's creation) per task kind,
sessions ended and the items they left behind, mirror actions, and the live WebSocket connections.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from edge.sessions.changes import SessionEnded

__all__ = ["RoomMetrics"]

# Seconds: associates answer in tens of seconds to a few minutes.
_RESPONSE_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 3600.0)


class RoomMetrics:
    """One set per edge (registering twice in one registry is an error: the composition root builds it)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.task_claim_seconds = Histogram(
            "fitroom_task_claim_seconds",
            "Time from a task's creation to an associate claiming it",
            ["kind"],
            buckets=_RESPONSE_BUCKETS,
            registry=registry,
        )
        self.task_complete_seconds = Histogram(
            "fitroom_task_complete_seconds",
            "Time from a task's creation to its completion",
            ["kind"],
            buckets=_RESPONSE_BUCKETS,
            registry=registry,
        )
        self.sessions_ended = Counter(
            "fitroom_sessions_ended_total", "Fitting-room sessions that ended", registry=registry
        )
        self.go_back_items = Counter(
            "fitroom_go_back_items_total", "Items left in a room at the end of a session", registry=registry
        )
        self.mirror_actions = Counter(
            "fitroom_mirror_actions_total", "Shopper actions at the mirrors", ["action"], registry=registry
        )
        self.live_connections = Gauge(
            "fitroom_live_connections", "Open mirror and console WebSockets", registry=registry
        )

    def count_live_connections(self, connections: Callable[[], int]) -> None:
        """Read the gauge of open WebSockets from ``connections()`` at each scrape (the web app's hub)."""
        self.live_connections.set_function(lambda: float(connections()))

    def session_ended(self, ended: SessionEnded) -> None:
        """The session manager's ``on_session_ended``: count the session and its go-back items."""
        self.sessions_ended.inc()
        self.go_back_items.inc(len(ended.leftovers))
