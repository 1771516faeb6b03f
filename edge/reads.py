"""Typed observations decoded from device messages.

Decoders turn the real devices' payloads into these small immutable values; everything above the
decoders (presence, sessions, web) sees only these, never a raw payload.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AntennaStatus",
    "BleNodeStatus",
    "BleSighting",
    "Observation",
    "ReaderStatus",
    "TagRead",
]


@dataclass(frozen=True, slots=True)
class TagRead:
    """One RFID report of a tag by one reader antenna.

    ``reads`` is the number of air reads the report stands for: 1 for a plain Impinj report, the
    ``reads`` count of a Zebra INVENTORY aggregate. ``gtin``/``serial`` are set for SGTIN-96 EPCs and
    ``None`` for anything else (not merchandise).
    """

    reader_id: str
    antenna: int
    room_id: str
    epc: str
    gtin: str | None
    serial: int | None
    rssi_dbm: float | None
    reads: int = 1
    reader_time: float | None = None

    @property
    def is_merchandise(self) -> bool:
        return self.gtin is not None


@dataclass(frozen=True, slots=True)
class AntennaStatus:
    """An antenna port came up or went down (Impinj antennaConnected / antennaDisconnected)."""

    reader_id: str
    antenna: int
    room_id: str
    connected: bool


@dataclass(frozen=True, slots=True)
class ReaderStatus:
    """A whole reader is online or gone (its MQTT last will, or its first message after)."""

    reader_id: str
    online: bool


@dataclass(frozen=True, slots=True)
class BleSighting:
    """A BLE node heard a device.

    ``device_id`` uses ESPresense's notation: ``iBeacon:<uuid>-<major>-<minor>`` (uuid lower-case with
    hyphens), ``irk:…``, ``known:…``; OpenMQTTGateway iBeacons are normalised to the same form.
    """

    node_id: str
    room_id: str
    device_id: str
    rssi: float | None
    distance_m: float | None


@dataclass(frozen=True, slots=True)
class BleNodeStatus:
    """A BLE node's own status (ESPresense ``rooms/<node>/status``)."""

    node_id: str
    room_id: str
    online: bool


Observation = TagRead | AntennaStatus | ReaderStatus | BleSighting | BleNodeStatus
