"""Cloud sync on the edge's ``/metrics``: a Prometheus collector read at scrape time from the ledger."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["SyncCollector"]


class SyncCollector(Collector):
    """``fitroom_sync_*``: backlog, oldest age, acknowledged and rejected totals, last success, up."""

    def __init__(self, status: Callable[[], dict[str, Any]]) -> None:
        self._status = status

    def collect(self) -> Iterator[Metric]:
        try:
            s = self._status()
        except SQLAlchemyError:  # the tables are not there yet (scraped before start-up finished)
            return
        yield GaugeMetricFamily(
            "fitroom_sync_backlog", "Outbox events not acknowledged by the centre", value=s["backlog"]
        )
        yield GaugeMetricFamily(
            "fitroom_sync_oldest_age_seconds",
            "Age of the oldest unacknowledged event",
            value=s["oldest_age_s"],
        )
        yield CounterMetricFamily(
            "fitroom_sync_sent", "Events the central store acknowledged (persisted)", value=s["sent_total"]
        )
        yield CounterMetricFamily(
            "fitroom_sync_rejected", "Events the central store rejected as invalid", value=s["rejected_total"]
        )
        last = s.get("last_success")
        yield GaugeMetricFamily(
            "fitroom_sync_last_success_age_seconds",
            "Seconds since the central store last acknowledged a batch (-1: never)",
            value=(time.time() - last) if last else -1.0,
        )
        yield GaugeMetricFamily(
            "fitroom_sync_up",
            "1 when sync is enabled and not waiting out a failure",
            value=1.0 if s.get("enabled") and s.get("state") != "retrying" else 0.0,
        )
