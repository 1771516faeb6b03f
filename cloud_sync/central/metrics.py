"""The central store's Prometheus metrics (a registry of its own per app, no process-wide globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest

from cloud_sync.wire import IngestAck

__all__ = ["CentralMetrics"]


class CentralMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "fitroom_central_events", "Edge events by what ingest did with them", ["outcome"], registry=r
        )
        self.batches = Counter("fitroom_central_batches", "Event batches ingested", registry=r)
        self.shed = Counter(
            "fitroom_central_batches_shed", "Batches refused with 503 (load shedding)", registry=r
        )
        self.emails_sent = Counter(
            "fitroom_central_emails_sent", "Follow-up emails handed to SMTP", registry=r
        )

    def ingested(self, ack: IngestAck) -> None:
        self.batches.inc()
        for outcome, n in (
            ("accepted", ack.accepted),
            ("duplicate", ack.duplicates),
            ("discarded", ack.discarded),
            ("rejected", len(ack.rejected)),
        ):
            if n:
                self.events.labels(outcome).inc(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)
