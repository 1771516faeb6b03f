"""The ingest pipeline: MQTT message -> decoder -> presence engine -> presence events.

Live traffic and replay drive this same object; time is always an argument. ``handle`` never raises:
every message ends in exactly one outcome — observations (zero or more presence events), rejected
(counted per error kind in ``fitroom_decode_errors_total``, sampled into the dead letters, logged at most
once per kind per interval) or ignored on purpose (counted per reason). A bug below (a decoder or the
engine raising) is the ``internal_error`` kind, never a stopped ingest.

The hot path is a dict lookup, ``json.loads``, explicit field checks, one frozen dataclass and the
engine: no validation framework, prometheus children bound once up front.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from edge.decoders.beacons import DEFAULT_APP_BEACON_UUID
from edge.decoders.errors import DecodeError, ErrorKind, IgnoreReason
from edge.decoders.router import TopicRouter
from edge.presence.events import EventType
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, Observation, ReaderStatus, TagRead

if TYPE_CHECKING:
    from edge.ingest.deadletter import DeadLetterSink
    from edge.layout import Layout
    from edge.metrics import EdgeMetrics
    from edge.presence.events import PresenceEvent

__all__ = ["IngestPipeline", "PresenceCore", "loggable_topic"]

log = logging.getLogger(__name__)

_TOPIC_IN_LOG = 200
# Topic levels after these name a device (ESPresense device id, a gateway's MAC): never logged.
_DEVICE_LEVEL_AFTER = frozenset({"devices", "BTtoMQTT"})


def loggable_topic(topic: str) -> str:
    """The topic with device identities masked, truncated: phones are people, logs are not the place."""
    levels = topic[:_TOPIC_IN_LOG].split("/")
    for i in range(len(levels)):
        if ":" in levels[i] or (i and levels[i - 1] in _DEVICE_LEVEL_AFTER):
            levels[i] = "<device>"
    return "/".join(levels)


class PresenceCore(Protocol):
    """What the pipeline needs from the presence engine."""

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]: ...

    def tick(self, now: float) -> list[PresenceEvent]: ...


class _RateLimitedLog:
    """Logs a warning at most once per key per ``interval_s`` of (message) time, counting the rest."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._last: dict[str, list[float]] = {}  # key -> [logged at, suppressed since]

    def allow(self, key: str, now: float) -> int | None:
        """None to stay quiet; else the number of messages suppressed since the last line."""
        state = self._last.get(key)
        if state is None:
            self._last[key] = [now, 0]
            return 0
        if now - state[0] >= self.interval_s or now < state[0]:
            suppressed = int(state[1])
            state[0], state[1] = now, 0
            return suppressed
        state[1] += 1
        return None


class IngestPipeline:
    """Decode and feed one store's MQTT traffic to the presence engine.

    Not thread-safe: call ``handle`` and ``tick`` from one thread (the event loop), in time order.
    """

    def __init__(
        self,
        layout: Layout,
        engine: PresenceCore,
        *,
        metrics: EdgeMetrics,
        dead_letters: DeadLetterSink | None = None,
        log_interval_s: float = 60.0,
        dead_letter_flush_s: float = 5.0,
        app_beacon_uuid: str = DEFAULT_APP_BEACON_UUID,
    ) -> None:
        self._router = TopicRouter(layout, app_beacon_uuid=app_beacon_uuid)
        self._engine = engine
        self._metrics = metrics
        self._dead_letters = dead_letters
        self._log = _RateLimitedLog(log_interval_s)
        self._flush_every = dead_letter_flush_s
        self._flushed_at: float | None = None
        self._offline_readers: set[str] = set()
        # Bound once: label lookups cost more than the increments on the hot path.
        self._messages = {k: metrics.mqtt_messages.labels(kind=k) for k in ("rfid", "ble", "other")}
        self._errors = {k: metrics.decode_errors.labels(kind=k.value) for k in ErrorKind}
        self._ignored = {r: metrics.ignored.labels(reason=r.value) for r in IgnoreReason}
        self._events = {t: metrics.presence_events.labels(type=t.value) for t in EventType}
        self._tag_reports = {r.id: metrics.tag_reports.labels(reader=r.id) for r in layout.readers}
        self._sightings = {n.id: metrics.ble_sightings.labels(node=n.id) for n in layout.ble_nodes}
        self._rejected = metrics.rejected_messages
        self._non_merchandise = metrics.non_merchandise

    @property
    def router(self) -> TopicRouter:
        return self._router

    def subscriptions(self) -> list[str]:
        """Topic filters to subscribe to with QoS 1: every reader topic and its last-will topic, every
        BLE prefix the layout implies (ESPresense devices and node status, gateway adverts and LWT)."""
        return self._router.subscriptions()

    def handle(self, topic: str, payload: bytes, now: float) -> list[PresenceEvent]:
        """Process one message received at ``now``; returns the presence events it caused. Never raises."""
        try:
            decoder = self._router.route(topic)
            counter = self._messages.get(decoder.kind)
            if counter is None:
                counter = self._messages[decoder.kind] = self._metrics.mqtt_messages.labels(kind=decoder.kind)
            counter.inc()
            try:
                result = decoder.decode(payload)
            except DecodeError as exc:
                self._rejected.inc()
                self._reject(exc.kind, exc.message, topic, payload, now)
                return []
            events: list[PresenceEvent] = []
            for obs in result.observations:
                produced = self._observe(obs, now)
                if produced:
                    events += produced
            if result.errors:
                if not result.observations:
                    self._rejected.inc()
                for err in result.errors:
                    self._reject(err.kind, err.message, topic, payload, now)
            for reason in result.ignored:
                self._ignored[reason].inc()
            if events:
                self._count_events(events)
            return events
        except Exception as exc:  # a bug below must never stop ingest: count, keep a sample, go on
            self._rejected.inc()
            self._internal_error(exc, topic, payload, now)
            return []

    def tick(self, now: float) -> list[PresenceEvent]:
        """Let time pass without traffic (leaves are decided here); also flushes dead letters
        every ``dead_letter_flush_s``. Never raises."""
        try:
            events = self._engine.tick(now)
        except Exception as exc:
            self._internal_error(exc, "(tick)", b"", now)
            events = []
        if events:
            self._count_events(events)
        if self._dead_letters is not None and (
            self._flushed_at is None or now - self._flushed_at >= self._flush_every or now < self._flushed_at
        ):
            self._flushed_at = now
            self.flush()
        return events

    def flush(self) -> None:
        """Write buffered dead letters now (at shutdown, at the end of a replay)."""
        if self._dead_letters is None:
            return
        try:
            self._dead_letters.flush()
        except Exception:
            log.exception("ingest: dead-letter flush failed")

    # -- internals -----------------------------------------------------------------------------

    def _observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        pre: list[PresenceEvent] | None = None
        if isinstance(obs, TagRead):
            reports = self._tag_reports.get(obs.reader_id)
            if reports is not None:
                reports.inc()
            if obs.gtin is None:
                self._non_merchandise.inc()
            if self._offline_readers and obs.reader_id in self._offline_readers:
                pre = self._reader_back(obs.reader_id, now)
        elif isinstance(obs, BleSighting):
            sightings = self._sightings.get(obs.node_id)
            if sightings is not None:
                sightings.inc()
        elif isinstance(obs, ReaderStatus):
            if obs.online:
                self._offline_readers.discard(obs.reader_id)
            else:
                self._offline_readers.add(obs.reader_id)
            self._metrics.reader_online.labels(reader=obs.reader_id).set(1 if obs.online else 0)
        elif isinstance(obs, AntennaStatus):
            if obs.reader_id in self._offline_readers:
                pre = self._reader_back(obs.reader_id, now)
        elif isinstance(obs, BleNodeStatus):
            self._metrics.ble_node_online.labels(node=obs.node_id).set(1 if obs.online else 0)
        events = self._engine.observe(obs, now)
        if pre:
            return pre + events
        return events

    def _reader_back(self, reader_id: str, now: float) -> list[PresenceEvent]:
        # A reader's will said offline (possibly a stale retained will) but it is talking again: it is
        # online, whether or not it republishes its status.
        return self._observe(ReaderStatus(reader_id, True), now)

    def _count_events(self, events: list[PresenceEvent]) -> None:
        for event in events:
            counter = self._events.get(event.type)
            if counter is None:
                counter = self._metrics.presence_events.labels(type=str(event.type))
                self._events[event.type] = counter
            counter.inc()

    def _reject(self, kind: ErrorKind, message: str, topic: str, payload: bytes, now: float) -> None:
        self._errors[kind].inc()
        if self._dead_letters is not None and self._dead_letters.offer(
            t=now, kind=kind.value, topic=topic, payload=payload, error=message
        ):
            self._metrics.dead_letters.inc()
        suppressed = self._log.allow(kind.value, now)
        if suppressed is not None:
            log.warning(
                "ingest: %s on %s: %s%s",
                kind.value,
                loggable_topic(topic),
                message,
                f" ({suppressed} more {kind.value} since the last report)" if suppressed else "",
            )

    def _internal_error(self, exc: Exception, topic: str, payload: bytes, now: float) -> None:
        kind = ErrorKind.INTERNAL_ERROR
        try:
            self._errors[kind].inc()
            if self._dead_letters is not None and self._dead_letters.offer(
                t=now, kind=kind.value, topic=topic, payload=payload, error=f"{type(exc).__name__}: {exc}"
            ):
                self._metrics.dead_letters.inc()
            suppressed = self._log.allow(kind.value, now)
            if suppressed is not None:
                log.error(
                    "ingest: internal error on %s (%d more since the last report)",
                    loggable_topic(topic),
                    suppressed,
                    exc_info=exc,
                )
        except Exception:  # the error path itself failed (a broken sink): stay alive
            log.exception("ingest: error while recording an internal error")
