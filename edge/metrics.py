"""The edge's Prometheus metrics, in a registry of their own (no process-wide globals).

Built once in the composition root and handed to whoever counts: the ingest pipeline counts messages,
decode errors, ignored messages and presence events; the MQTT adapter counts hand-off overflow
(``count_dropped``), sets the queue depth and the connection state. Every label value that is known in
advance is created at zero so dashboards and alerts see the series before the first increment.

The per-message counters are ``LoopCounter``s: incremented only from the thread that runs the ingest
pipeline (the event loop), so an increment is a plain add with no lock — a prometheus_client Counter
takes a lock per increment, which at thousands of reads a second is a measurable share of the hot path.
Counters other threads touch (``ingest_dropped`` from paho's thread) stay prometheus_client Counters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from edge import clock
from edge.decoders.errors import ErrorKind, IgnoreReason
from edge.presence.events import EventType

__all__ = ["MESSAGE_KINDS", "EdgeMetrics", "LoopCounter", "LoopCounterChild"]

MESSAGE_KINDS = ("rfid", "ble", "other")


class LoopCounterChild:
    """One labelled series of a ``LoopCounter``."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount


class LoopCounter(Collector):
    """A counter for one thread's hot path: ``labels(...)`` / ``inc()`` like prometheus_client's, no lock.

    Increment from one thread only (scrapes from any thread are fine: they read floats).
    """

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str] = (), *, registry: CollectorRegistry
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._labelnames = tuple(labelnames)
        self._children: dict[tuple[str, ...], LoopCounterChild] = {}
        if not self._labelnames:
            self._children[()] = LoopCounterChild()
        registry.register(self)

    def labels(self, **labels: str) -> LoopCounterChild:
        if set(labels) != set(self._labelnames):
            raise ValueError(f"{self._name} takes labels {self._labelnames}, got {tuple(labels)}")
        key = tuple(str(labels[n]) for n in self._labelnames)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = LoopCounterChild()
        return child

    def inc(self, amount: float = 1.0) -> None:
        """Increment the unlabelled series."""
        self._children[()].value += amount

    def describe(self) -> Iterable[Metric]:
        return [CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)]

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)
        for key, child in list(self._children.items()):
            family.add_metric(list(key), child.value)
        return [family]


class EdgeMetrics:
    """All edge metrics. Attributes are prometheus_client metrics; callers may ``.labels(...).inc()``."""

    content_type: str = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.mqtt_messages = LoopCounter(
            "fitroom_mqtt_messages",
            "MQTT messages taken off the broker and processed, by traffic kind (rfid, ble, other)",
            ["kind"],
            registry=r,
        )
        self.decode_errors = LoopCounter(
            "fitroom_decode_errors",
            "Messages (or events of a batch) rejected by the decoders, by error kind",
            ["kind"],
            registry=r,
        )
        self.ignored = LoopCounter(
            "fitroom_ingest_ignored",
            "Well-formed messages or events dropped on purpose, by reason",
            ["reason"],
            registry=r,
        )
        self.rejected_messages = LoopCounter(
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
        self.presence_events = LoopCounter(
            "fitroom_presence_events",
            "Presence events emitted, by type",
            ["type"],
            registry=r,
        )
        self.non_merchandise = LoopCounter(
            "fitroom_non_merchandise",
            "Tag reports whose EPC is not SGTIN-96 (badges, raw chip ids): counted, not tracked",
            registry=r,
        )
        self.tag_reports = LoopCounter(
            "fitroom_tag_reports",
            "RFID tag reports decoded, by reader",
            ["reader"],
            registry=r,
        )
        self.ble_sightings = LoopCounter(
            "fitroom_ble_sightings",
            "BLE identity sightings decoded, by node",
            ["node"],
            registry=r,
        )
        self.dead_letters = LoopCounter(
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
        self.reader_up = Gauge(
            "fitroom_reader_up",
            "LLRP readers the edge drives: 1 while inventory runs, 0 while unreachable or in LLRP error",
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
        self.clock_offset = Gauge(
            "fitroom_clock_offset_seconds",
            "The wall clock minus the edge's steady clock (edge.clock): how far the wall clock was stepped"
            " since the edge started; the edge keeps counting real elapsed time",
            registry=r,
        )
        self.clock_offset.set_function(clock.offset)
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
