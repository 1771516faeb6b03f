"""Encoders for the real device formats of docs/formats.md: what each device would publish, byte for byte.

Every function is pure: it takes the values a device would know and returns the payload string (and
topics are built by the ``*_topic`` helpers). Callers may rely on the field names, casing and number
formats below matching the vendors' documentation:

- Impinj IoT Device Interface: ``epcHex`` upper-case, ``epc`` base64url (as R700s send it),
  ``antennaPort`` int, ``peakRssiCdbm`` int (centi-dBm), ``timestamp`` RFC 3339 with 9 fractional digits
  and ``Z``; the older envelope has no ``eventType``.
- Zebra IoT Connector: ``idHex`` lower-case, timestamp with a ``+HHMM`` offset (no colon) and
  milliseconds, whole-dBm ``peakRssi``, ``reads``; a batch is a JSON array of events.
- ESPresense 4.x and 3.x (3.x adds ``idType`` and ``raw``), node status ``online``/``offline``.
- OpenMQTTGateway / Theengs iBeacon, uuid without hyphens.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

__all__ = [
    "IBEACON_APP_UUID",
    "ZebraTagEvent",
    "espresense_device_payload",
    "espresense_device_topic",
    "espresense_status_topic",
    "ibeacon_device_id",
    "impinj_antenna_event",
    "impinj_tag_inventory",
    "omg_ibeacon_payload",
    "omg_topic",
    "rfc3339_nanos",
    "zebra_inventory",
    "zebra_timestamp",
]

IBEACON_APP_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
_COMPACT = (",", ":")
# ESPresense firmware 3.x idType codes: 1 = iBeacon-derived ids (the node's own enum, kept as data).
_ESPRESENSE_IDTYPE_IBEACON = 1


def rfc3339_nanos(t: float) -> str:
    """Unix seconds -> ``2026-05-01T12:00:00.123456789Z`` (9 fractional digits, UTC, ``Z``)."""
    # Work in integer nanoseconds so the digits never pass through a float formatter's rounding.
    nanos = round(t * 1_000_000_000)
    secs, frac = divmod(nanos, 1_000_000_000)
    base = datetime.fromtimestamp(secs, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}Z"


def zebra_timestamp(t: float, utc_offset_minutes: int) -> str:
    """Unix seconds -> ``2026-05-01T08:55:44.625+0300`` (milliseconds, offset without a colon)."""
    millis = round(t * 1000)
    secs, ms = divmod(millis, 1000)
    tz = timezone(timedelta(minutes=utc_offset_minutes))
    local = datetime.fromtimestamp(secs, tz=tz)
    sign = "+" if utc_offset_minutes >= 0 else "-"
    hh, mm = divmod(abs(utc_offset_minutes), 60)
    return f"{local.strftime('%Y-%m-%dT%H:%M:%S')}.{ms:03d}{sign}{hh:02d}{mm:02d}"


def impinj_tag_inventory(
    *,
    epc_hex: str,
    antenna_port: int,
    peak_rssi_cdbm: int,
    t: float,
    hostname: str | None = None,
    with_event_type: bool = True,
    frequency_khz: int | None = None,
    transmit_power_cdbm: int | None = None,
    last_seen: float | None = None,
) -> str:
    """An Impinj ``tagInventory`` event (one tag report)."""
    epc_hex = epc_hex.upper()
    event: dict[str, object] = {
        "epc": base64.urlsafe_b64encode(bytes.fromhex(epc_hex)).decode("ascii"),
        "epcHex": epc_hex,
        "antennaPort": antenna_port,
        "antennaName": f"Antenna {antenna_port}",
        "peakRssiCdbm": peak_rssi_cdbm,
    }
    if frequency_khz is not None:
        event["frequency"] = frequency_khz
    if transmit_power_cdbm is not None:
        event["transmitPowerCdbm"] = transmit_power_cdbm
    if last_seen is not None:
        event["lastSeenTime"] = rfc3339_nanos(last_seen)
    return _impinj_envelope("tagInventory", event, t, hostname, with_event_type)


def impinj_antenna_event(
    *,
    antenna_port: int,
    connected: bool,
    t: float,
    hostname: str | None = None,
    with_event_type: bool = True,
) -> str:
    """``antennaConnected`` / ``antennaDisconnected`` for one port."""
    name = "antennaConnected" if connected else "antennaDisconnected"
    return _impinj_envelope(name, {"antennaPort": antenna_port}, t, hostname, with_event_type)


def _impinj_envelope(
    name: str, event: dict[str, object], t: float, hostname: str | None, with_event_type: bool
) -> str:
    doc: dict[str, object] = {"timestamp": rfc3339_nanos(t)}
    if hostname:
        doc["hostname"] = hostname
    if with_event_type:
        doc["eventType"] = name
    doc[f"{name}Event"] = event
    return json.dumps(doc, separators=_COMPACT)


@dataclass(frozen=True, slots=True)
class ZebraTagEvent:
    """One Zebra INVENTORY aggregate: a tag on an antenna over one interval."""

    t: float
    epc_hex: str
    antenna: int
    peak_rssi_dbm: int
    reads: int
    event_num: int
    channel_mhz: float | None = None


def _zebra_event(ev: ZebraTagEvent, utc_offset_minutes: int) -> dict[str, object]:
    data: dict[str, object] = {
        "eventNum": ev.event_num,
        "format": "epc",
        "idHex": ev.epc_hex.lower(),
        "antenna": ev.antenna,
        "peakRssi": ev.peak_rssi_dbm,
        "reads": ev.reads,
    }
    if ev.channel_mhz is not None:
        data["channel"] = ev.channel_mhz
    return {"type": "INVENTORY", "timestamp": zebra_timestamp(ev.t, utc_offset_minutes), "data": data}


def zebra_inventory(events: list[ZebraTagEvent], utc_offset_minutes: int, *, batched: bool) -> str:
    """One Zebra message: a single event object, or with batching a JSON array of events.

    Without batching exactly one event must be given.
    """
    if not events:
        raise ValueError("a Zebra message carries at least one event")
    docs = [_zebra_event(ev, utc_offset_minutes) for ev in events]
    if batched:
        return json.dumps(docs, separators=_COMPACT)
    if len(docs) != 1:
        raise ValueError("an unbatched Zebra message carries exactly one event")
    return json.dumps(docs[0], separators=_COMPACT)


def ibeacon_device_id(uuid: str, major: int, minor: int) -> str:
    """ESPresense's id for an iBeacon: ``iBeacon:<uuid lower-case with hyphens>-<major>-<minor>``."""
    return f"iBeacon:{uuid.lower()}-{major}-{minor}"


def espresense_device_topic(root: str, device_id: str, node_id: str) -> str:
    return f"{root}/devices/{device_id}/{node_id}"


def espresense_status_topic(root: str, node_id: str) -> str:
    return f"{root}/rooms/{node_id}/status"


def espresense_device_payload(
    *,
    device_id: str,
    mac: str,
    rssi: float,
    rssi_at_1m: int,
    rssi_var: float,
    distance_m: float,
    distance_var: float,
    interval_ms: int,
    raw_distance_m: float | None = None,
    firmware: int = 4,
) -> str:
    """One ESPresense device report. ``firmware=3`` adds ``idType`` and ``raw`` (unfiltered distance)."""
    doc: dict[str, object] = {"mac": mac.replace(":", "").lower(), "id": device_id}
    if firmware == 3:
        doc["idType"] = _ESPRESENSE_IDTYPE_IBEACON if device_id.startswith("iBeacon:") else 0
    doc["rssi@1m"] = rssi_at_1m
    doc["rssi"] = round(rssi, 2)
    doc["rxAdj"] = 0
    doc["rssiVar"] = round(rssi_var, 2)
    if firmware == 3:
        doc["raw"] = round(raw_distance_m if raw_distance_m is not None else distance_m, 2)
    doc["distance"] = round(distance_m, 2)
    doc["var"] = round(distance_var, 2)
    doc["int"] = interval_ms
    return json.dumps(doc, separators=_COMPACT)


def omg_topic(root: str, gateway: str, mac: str) -> str:
    """``home/<gateway>/BTtoMQTT/<MAC without colons, upper-case>``."""
    return f"{root}/{gateway}/BTtoMQTT/{mac.replace(':', '').upper()}"


def omg_ibeacon_payload(
    *, mac: str, rssi: int, distance_m: float, uuid: str, major: int, minor: int, txpower: int
) -> str:
    """An OpenMQTTGateway/Theengs iBeacon decode; the uuid has no hyphens."""
    doc: dict[str, object] = {
        "id": _colon_mac(mac),
        "mac_type": 1,
        "rssi": rssi,
        "distance": round(distance_m, 5),
        "brand": "GENERIC",
        "model": "iBeacon",
        "model_id": "IBEACON",
        "mfid": "4c00",
        "uuid": uuid.replace("-", "").lower(),
        "major": major,
        "minor": minor,
        "txpower": txpower,
    }
    return json.dumps(doc, separators=_COMPACT)


def _colon_mac(mac: str) -> str:
    bare = mac.replace(":", "").upper()
    return ":".join(bare[i : i + 2] for i in range(0, 12, 2))
