"""Simulated BLE nodes hearing opted-in shoppers' phones.

- ESPresense (firmware 4.x, or 3.x with ``idType``/``raw``): reports a device on
  ``<root>/devices/<device-id>/<node-id>`` at QoS 0; a device that has not moved for a few seconds is
  reported about every 5 s, a moving one about every second. RSSI is noisy; the node smooths it before
  estimating distance, as the firmware does.
- OpenMQTTGateway/Theengs: every advertisement it decodes, about every 1–3 s, on
  ``<root>/<gateway>/BTtoMQTT/<MAC>``, RSSI in whole dBm; its status (last will) on ``<root>/<gateway>/LWT``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from edge.layout import BleFormat, BleNode
from simulators.formats import (
    IBEACON_APP_UUID,
    espresense_device_payload,
    espresense_device_topic,
    espresense_status_topic,
    ibeacon_device_id,
    omg_ibeacon_payload,
    omg_topic,
)
from simulators.messages import Message
from simulators.physics import BleParams, Corridor, Place, ble_distance_m

__all__ = ["BleNodeDevice", "Phone"]

# ESPresense's default distance model (its "absorption" setting) differs from the true path loss.
_ESPRESENSE_ABSORPTION = 3.5


@dataclass(slots=True)
class Phone:
    """An opted-in shopper's phone advertising the store app's iBeacon."""

    major: int
    minor: int
    mac: str
    place: Place
    moved_at: float = 0.0
    uuid: str = IBEACON_APP_UUID

    @property
    def device_id(self) -> str:
        return ibeacon_device_id(self.uuid, self.major, self.minor)


@dataclass(slots=True)
class _Track:
    next_at: float
    smoothed: float | None = None
    history: list[float] = field(default_factory=list)


class BleNodeDevice:
    """One node; ``listen(t0, t1, phones)`` returns the reports due in [t0, t1)."""

    def __init__(
        self, spec: BleNode, corridor: Corridor, params: BleParams, rng: random.Random, *, firmware: int = 4
    ) -> None:
        self.spec = spec
        self.corridor = corridor
        self.params = params
        self.rng = rng
        self.firmware = firmware
        self.is_espresense = spec.format is BleFormat.ESPRESENSE
        self._tracks: dict[str, _Track] = {}
        self.online = True
        self._last_rx = 0.0

    @property
    def status_topic(self) -> str:
        """ESPresense's ``<root>/rooms/<node>/status``; OpenMQTTGateway's ``<root>/<gateway>/LWT``."""
        if self.is_espresense:
            return espresense_status_topic(self.spec.root, self.spec.id)
        return f"{self.spec.root}/{self.spec.id}/LWT"

    def status_message(self, t: float, *, online: bool) -> Message:
        """The node's retained status; ``offline`` is its last will, published by the broker."""
        return Message(
            t,
            self.status_topic,
            "online" if online else "offline",
            self.spec.id,
            qos=1,
            retain=True,
            will=not online,
        )

    def go_offline(self) -> None:
        self.online = False
        self._tracks.clear()

    def listen(self, t0: float, t1: float, phones: list[Phone]) -> list[Message]:
        if not self.online:
            return []
        due: list[tuple[float, int, Phone, _Track]] = []
        for i, phone in enumerate(phones):
            key = phone.device_id
            track = self._tracks.get(key)
            if track is None:
                track = self._tracks[key] = _Track(next_at=t0 + self.rng.uniform(0.0, 1.5))
            while track.next_at < t1:
                t = max(track.next_at, t0)
                track.next_at = t + self._interval(phone, t)
                due.append((t, i, phone, track))
        # One node, one MQTT connection: its reports arrive in the order it sends them.
        due.sort(key=lambda d: (d[0], d[1]))
        out: list[Message] = []
        for t, _, phone, track in due:
            msg = self._hear(phone, track, t)
            if msg is not None:
                out.append(msg)
        return out

    def _interval(self, phone: Phone, t: float) -> float:
        if not self.is_espresense:
            return self.rng.uniform(1.0, 3.0)
        moving = t - phone.moved_at < self.params.stationary_interval_s
        base = self.params.moving_interval_s if moving else self.params.stationary_interval_s
        return base * self.rng.uniform(0.9, 1.1)

    def _hear(self, phone: Phone, track: _Track, t: float) -> Message | None:
        found = ble_distance_m(phone.place, self.spec.room, self.corridor, self.rng, self.params)
        if found is None:
            track.smoothed = None
            return None
        distance, wall = found
        p = self.params
        rssi = p.rssi_at_1m - 10.0 * p.path_loss_exponent * math.log10(max(distance, 0.3)) - wall
        rssi += self.rng.gauss(0.0, p.rssi_sd_db)
        if rssi < p.min_rssi:
            return None
        track.smoothed = rssi if track.smoothed is None else 0.6 * track.smoothed + 0.4 * rssi
        track.history = [*track.history[-9:], rssi]
        t_rx = max(t + self.rng.uniform(0.005, 0.04), self._last_rx + 0.0001)
        self._last_rx = t_rx
        if not self.is_espresense:
            est = 10 ** ((p.rssi_at_1m - rssi) / (10.0 * 2.0))
            payload = omg_ibeacon_payload(
                mac=phone.mac,
                rssi=round(rssi),
                distance_m=est,
                uuid=phone.uuid,
                major=phone.major,
                minor=phone.minor,
                txpower=p.rssi_at_1m,
            )
            topic = omg_topic(self.spec.root, self.spec.id, phone.mac)
            return Message(t_rx, topic, payload, self.spec.id, qos=0)
        raw = 10 ** ((p.rssi_at_1m - rssi) / (10.0 * _ESPRESENSE_ABSORPTION))
        filtered = 10 ** ((p.rssi_at_1m - track.smoothed) / (10.0 * _ESPRESENSE_ABSORPTION))
        mean = sum(track.history) / len(track.history)
        rssi_var = sum((x - mean) ** 2 for x in track.history) / len(track.history)
        payload = espresense_device_payload(
            device_id=phone.device_id,
            mac=phone.mac,
            rssi=track.smoothed,
            rssi_at_1m=p.rssi_at_1m,
            rssi_var=rssi_var,
            distance_m=filtered,
            distance_var=abs(raw - filtered) ** 2 / 4.0,
            interval_ms=round(1000 * self._interval(phone, t)),
            raw_distance_m=raw,
            firmware=self.firmware,
        )
        topic = espresense_device_topic(self.spec.root, phone.device_id, self.spec.id)
        return Message(t_rx, topic, payload, self.spec.id, qos=0)
