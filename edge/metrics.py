"""The edge's Prometheus metrics, in a registry of their own (no process-wide globals).

Built once in the composition root and handed to whoever counts: the ingest pipeline counts messages,
decode errors, ignored messages and presence events; the MQTT adapter counts hand-off overflow
(``count_dropped``), sets the queue depth and the connection state. Every label value that is known in
advance is created at zero so dashboards and alerts see the series before the first increment.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

from edge.decoders.errors import ErrorKind, IgnoreReason
from edge.presence.events import EventType

__all__ = ["MESSAGE_KINDS", "EdgeMetrics"]

MESSAGE_KINDS = ("rfid", "ble", "other")


class EdgeMetrics:
    """All edge metrics. Attributes are prometheus_client metrics; callers may ``.labels(...).inc()``."""

    content_type: str = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.mqtt_messages = Counter(
            "fitroom_mqtt_messages",
            "MQTT messages taken off the broker and processed, by traffic kind (rfid, ble, other)",
            ["kind"],
            registry=r,
        )
        self.decode_errors = Counter(
            "fitroom_decode_errors",
            "Messages (or events of a batch) rejected by the decoders, by error kind",
            ["kind"],
            registry=r,
        )
        self.ignored = Counter(
            "fitroom_ingest_ignored",
            "Well-formed messages or events dropped on purpose, by reason",
            ["reason"],
            registry=r,
        )
        self.rejected_messages = Counter(
            "fitroom_ingest_rejected_messages",
            "Messages that yielded no observation because of decode errors",
            registry=r,
        )
        self.ingest_dropped = Counter(
            "fitroom_ingest_dropped",
            "Messages lost because the hand-off queue from the MQTT thread was full",
            registry=r,
        )
        self.ingest_queue_depth = Gauge(
            "fitroom_ingest_queue_depth",
            "Messages waiting in the hand-off queue from the MQTT thread",
            registry=r,
        )
        self.presence_events = Counter(
            "fitroom_presence_events",
            "Presence events emitted, by type",
            ["type"],
            registry=r,
        )
        self.non_merchandise = Counter(
            "fitroom_non_merchandise",
            "Tag reports whose EPC is not SGTIN-96 (badges, raw chip ids): counted, not tracked",
            registry=r,
        )
        self.tag_reports = Counter(
            "fitroom_tag_reports",
            "RFID tag reports decoded, by reader",
            ["reader"],
            registry=r,
        )
        self.ble_sightings = Counter(
            "fitroom_ble_sightings",
            "BLE identity sightings decoded, by node",
            ["node"],
            registry=r,
        )
        self.dead_letters = Counter(
            "fitroom_dead_letters",
            "Rejected messages kept as dead-letter samples (the rest are only counted)",
            registry=r,
        )
        self.reader_online = Gauge(
            "fitroom_reader_online",
            "1 while the reader is online, 0 after its last will said offline",
            ["reader"],
            registry=r,
        )
        self.ble_node_online = Gauge(
            "fitroom_ble_node_online",
            "1 while the BLE node or gateway says online, 0 after it said offline",
            ["node"],
            registry=r,
        )
        # Short alias: the composition root sets the depth on each scrape.
        self.queue_depth = self.ingest_queue_depth
        self.mqtt_connected = Gauge(
            "fitroom_mqtt_connected", "1 while the edge is connected to the store broker", registry=r
        )
        self.mqtt_connects = Counter(
            "fitroom_mqtt_connects", "Successful connections to the store broker (first and re-)", registry=r
        )
        for kind in MESSAGE_KINDS:
            self.mqtt_messages.labels(kind=kind)
        for error in ErrorKind:
            self.decode_errors.labels(kind=error.value)
        for reason in IgnoreReason:
            self.ignored.labels(reason=reason.value)
        for event_type in EventType:
            self.presence_events.labels(type=event_type.value)

    def count_dropped(self, n: int = 1) -> None:
        """The hand-off queue was full: ``n`` messages were lost. Safe to call from paho's thread."""
        self.ingest_dropped.inc(n)

    def set_queue_depth(self, depth: int) -> None:
        self.ingest_queue_depth.set(depth)

    def value(self, name: str, **labels: str) -> float:
        """The current value of one sample (e.g. ``value("fitroom_mqtt_messages_total", kind="rfid")``).

        0.0 when the sample does not exist yet. For summaries and tests; not for the hot path.
        """
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    def samples(self, name: str) -> dict[str, float]:
        """Every sample of a one-label metric family as {label value: value}, e.g. errors by kind."""
        out: dict[str, float] = {}
        for family in self.registry.collect():
            for sample in family.samples:
                if sample.name == name and len(sample.labels) == 1:
                    out[next(iter(sample.labels.values()))] = sample.value
        return out

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric; serve with ``content_type``."""
        return generate_latest(self.registry)
