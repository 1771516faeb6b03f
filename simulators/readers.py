"""Simulated RFID readers: inventory rounds on each antenna, and what each vendor's reader reports.

- Impinj IoT: by default every read is one ``tagInventory`` message. With reader-side de-duplication
  (``tagReporting.reportingIntervalSeconds``) a tag seen on an antenna is reported once per interval,
  at the interval's end, with the interval's peak RSSI and last-seen time.
- Zebra IoTC INVENTORY: one event per tag and antenna per interval (1 s) with ``reads`` and whole-dBm
  peak RSSI; with batching, all events of an interval go out as one JSON array.

Each antenna gets ``*_rounds_per_s`` inventory rounds a second (8 by default, the antennas taking turns
as a real reader multiplexes them); in each round every tag in view is read with its own probability.
Reader timestamps carry the reader's own clock skew (they are data, not the clock); the receive time of
each message is the moment it leaves the reader plus a few milliseconds of network.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from edge.decoders.llrp import antenna_event_payload, tag_report_payload
from edge.layout import Reader, ReaderFormat
from simulators.formats import ZebraTagEvent, impinj_antenna_event, impinj_tag_inventory, zebra_inventory
from simulators.messages import Message
from simulators.physics import Sight

__all__ = ["ReaderSettings", "RfidReader", "SightFn"]

# antenna room -> the tags that antenna could read this round, with how well.
SightFn = Callable[[str], list[tuple[str, Sight]]]

_IMPINJ_CHANNELS_KHZ = [902750 + 500 * i for i in range(50)]
_ZEBRA_BATCH_MAX = 50


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """How the readers are configured in this store (the same for every reader of a vendor)."""

    dedup: bool = False
    report_interval_s: float = 1.0
    zebra_batching: bool = False
    impinj_rounds_per_s: float = 8.0
    zebra_rounds_per_s: float = 8.0
    read_rssi_sd_db: float = 1.5


@dataclass(slots=True)
class _Aggregate:
    first: float
    last: float
    peak: float
    reads: int


class RfidReader:
    """One reader. ``inventory(t0, t1, sight)`` runs the rounds due in [t0, t1) and returns its messages."""

    def __init__(
        self,
        spec: Reader,
        settings: ReaderSettings,
        rng: random.Random,
        *,
        legacy_envelope: bool = False,
        utc_offset_minutes: int = 0,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.rng = rng
        self.is_impinj = spec.format is ReaderFormat.IMPINJ_IOT
        # An LLRP reader (Speedway, xArray) reports every read (our ROSpec's N = 1) to the edge over LLRP;
        # its messages are the edge's internal channel (edge/decoders/llrp.py) and never reach the broker.
        self.is_llrp = spec.format is ReaderFormat.LLRP
        self.legacy_envelope = legacy_envelope
        self.utc_offset_minutes = utc_offset_minutes
        self.hostname = f"impinj-{rng.randrange(16**6):06x}" if self.is_impinj else None
        self.clock_skew_s = rng.uniform(-1.5, 1.5)
        self.ports = spec.antenna_rooms()
        zebra = spec.format is ReaderFormat.ZEBRA_IOTC
        rate = settings.zebra_rounds_per_s if zebra else settings.impinj_rounds_per_s
        self.round_period = 1.0 / rate
        # Antennas take turns within one cycle, as a real reader multiplexes them.
        order = sorted(self.ports)
        self.phase = {
            port: rng.random() * self.round_period * 0.2 + i * self.round_period / len(order)
            for i, port in enumerate(order)
        }
        self.down_ports: set[int] = set()
        self.online = True
        self._aggregates: dict[tuple[str, int], _Aggregate] = {}
        self._window_start: float | None = None
        self._event_num = 0
        self._last_rx = 0.0
        self._carry: list[tuple[float, str, int, float]] = []

    @property
    def aggregates(self) -> bool:
        if self.is_llrp:
            return False
        return not self.is_impinj or self.settings.dedup

    def _rx(self, t: float) -> float:
        """When a message the reader sends at ``t`` is received: a few ms later, never before the last."""
        rx = max(t + self.rng.uniform(0.002, 0.025), self._last_rx + 0.0001)
        self._last_rx = rx
        return rx

    def reader_time(self, t: float) -> float:
        return t + self.clock_skew_s

    def inventory(self, t0: float, t1: float, sight: SightFn) -> list[Message]:
        if not self.online:
            return []
        out: list[Message] = []
        reads: list[tuple[float, str, int, float]] = []
        interval = self.settings.report_interval_s
        if self.aggregates and self._window_start is None:
            self._window_start = math.floor(t0 / interval) * interval
        for port, room in self.ports.items():
            if port in self.down_ports:
                continue
            seen = sight(room)
            if not seen:
                continue
            k = math.ceil((t0 - self.phase[port]) / self.round_period)
            while (t := self.phase[port] + k * self.round_period) < t1:
                k += 1
                for epc, s in seen:
                    if s.p > 0 and self.rng.random() < s.p:
                        rssi = s.rssi_dbm + self.rng.gauss(0.0, self.settings.read_rssi_sd_db)
                        reads.append((t + self.rng.uniform(0.0, self.round_period * 0.5), epc, port, rssi))
        # The reader reports in the order it read, and one MQTT connection keeps that order; reads that
        # fall past this step wait for the next one, to be ordered with its reads.
        reads.extend(self._carry)
        reads.sort(key=lambda r: r[0])
        self._carry = [r for r in reads if r[0] >= t1]
        for read_t, epc, port, rssi in reads:
            if read_t < t1:
                self._on_read(epc, port, read_t, rssi, out)
        if self.aggregates and self._window_start is not None:
            while self._window_start + interval <= t1:
                self._window_start += interval
                out.extend(self._flush(self._window_start))
        return out

    def _on_read(self, epc: str, port: int, t: float, rssi: float, out: list[Message]) -> None:
        if self.is_llrp:
            first_seen_us = round(self.reader_time(t) * 1e6)
            payload = tag_report_payload(port, epc, round(rssi, 2), first_seen_us).decode()
            out.append(Message(self._rx(t), self.spec.topic, payload, self.spec.id))
            return
        if not self.aggregates:
            payload = impinj_tag_inventory(
                epc_hex=epc,
                antenna_port=port,
                peak_rssi_cdbm=round(rssi * 100),
                t=self.reader_time(t),
                hostname=self.hostname,
                with_event_type=not self.legacy_envelope,
                frequency_khz=self.rng.choice(_IMPINJ_CHANNELS_KHZ),
                transmit_power_cdbm=3000,
            )
            out.append(Message(self._rx(t), self.spec.topic, payload, self.spec.id))
            return
        key = (epc, port)
        agg = self._aggregates.get(key)
        if agg is None:
            self._aggregates[key] = _Aggregate(t, t, rssi, 1)
        else:
            agg.last = max(agg.last, t)
            agg.peak = max(agg.peak, rssi)
            agg.reads += 1

    def _flush(self, boundary: float) -> list[Message]:
        """Report the window that ends at ``boundary``: de-duplicated Impinj reports or Zebra events."""
        # Reads drawn late in a step may belong to the next window; keep those for it.
        due = {k: a for k, a in self._aggregates.items() if a.first < boundary}
        for key in due:
            del self._aggregates[key]
        if not due:
            return []
        if self.is_impinj:
            return [
                Message(
                    self._rx(boundary),
                    self.spec.topic,
                    impinj_tag_inventory(
                        epc_hex=epc,
                        antenna_port=port,
                        peak_rssi_cdbm=round(agg.peak * 100),
                        t=self.reader_time(boundary),
                        hostname=self.hostname,
                        with_event_type=not self.legacy_envelope,
                        transmit_power_cdbm=3000,
                        last_seen=self.reader_time(agg.last),
                    ),
                    self.spec.id,
                )
                for (epc, port), agg in due.items()
            ]
        events = []
        for (epc, port), agg in due.items():
            self._event_num += 1
            events.append(
                ZebraTagEvent(
                    t=self.reader_time(boundary),
                    epc_hex=epc,
                    antenna=port,
                    peak_rssi_dbm=round(agg.peak),
                    reads=agg.reads,
                    event_num=self._event_num,
                )
            )
        if self.settings.zebra_batching:
            chunks = [events[i : i + _ZEBRA_BATCH_MAX] for i in range(0, len(events), _ZEBRA_BATCH_MAX)]
            return [
                Message(
                    self._rx(boundary),
                    self.spec.topic,
                    zebra_inventory(chunk, self.utc_offset_minutes, batched=True),
                    self.spec.id,
                )
                for chunk in chunks
            ]
        return [
            Message(
                self._rx(boundary),
                self.spec.topic,
                zebra_inventory([ev], self.utc_offset_minutes, batched=False),
                self.spec.id,
            )
            for ev in events
        ]

    def antenna_event(self, port: int, connected: bool, t: float) -> Message | None:
        """Take a port down or up; Impinj and LLRP readers announce it, Zebra's data interface cannot."""
        if connected:
            self.down_ports.discard(port)
        else:
            self.down_ports.add(port)
            self._aggregates = {k: a for k, a in self._aggregates.items() if k[1] != port}
            self._carry = [r for r in self._carry if r[2] != port]
        if self.is_llrp and self.online:  # the edge asks LLRP readers for antenna events
            payload = antenna_event_payload(port, connected).decode()
            return Message(self._rx(t), self.spec.topic, payload, self.spec.id)
        if not self.is_impinj or not self.online:
            return None
        payload = impinj_antenna_event(
            antenna_port=port,
            connected=connected,
            t=self.reader_time(t),
            hostname=self.hostname,
            with_event_type=not self.legacy_envelope,
        )
        return Message(self._rx(t), self.spec.topic, payload, self.spec.id)

    def go_offline(self) -> None:
        """The reader dropped off the network: unsent reports are lost."""
        self.online = False
        self._aggregates.clear()
        self._carry.clear()
        self._window_start = None

    def go_online(self, t: float) -> Message:
        """Back on the network: the reader announces itself on its status topic (retained)."""
        self.online = True
        return self.status_message(t, online=True)

    def status_message(self, t: float, *, online: bool) -> Message:
        return Message(
            t,
            self.spec.status_topic,
            "online" if online else "offline",
            self.spec.id,
            qos=1,
            retain=True,
            will=not online,
        )
