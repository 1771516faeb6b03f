"""Zebra FX7500/FX9600/ATR7000 "IoT Connector" data events (docs/formats.md §2).

A message is one event object or, with batching on, a JSON array of them. Tag events (``type`` one of
the operating modes SIMPLE, INVENTORY, PORTAL, CONVEYOR, CUSTOM) become ``TagRead`` with ``reads`` = the
aggregate's read count; any other ``type`` is ignored with reason ``reader_event``. In a batch each event
stands alone: a bad one is reported in ``DecodeResult.errors`` and the rest still count.

Zebra FXR90 readers also scan BLE and report sightings as ``BLE_DATA`` events on the same data topic:
an iBeacon sighting becomes a ``BleSighting`` from the reader's room (the layout's ``ble_room``, else the
one room its antennas cover), sorted by ``BeaconPolicy`` like any node's. Zebra's public IoT Connector
pages do not show the event's body, so it is read defensively: the iBeacon as decoded fields (``uuid``,
``major``, ``minor``, possibly under ``ibeacon``/``iBeacon``) or, failing those, the raw advertisement in
hex (any string field holding Apple's iBeacon record ``4C000215`` + uuid + major + minor + power);
``rssi``/``peakRssi`` and the advertiser's ``mac``/``macAddress``/``address``. A BLE sighting that is not
an iBeacon is ignored with reason ``ble_not_ibeacon``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from edge.decoders.beacons import BeaconPolicy, MacAliases
from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.fields import (
    classify_epc,
    load_json,
    opt_number,
    parse_timestamp,
    require_object,
    require_str,
)
from edge.decoders.openmqttgateway import ibeacon_id
from edge.reads import BleSighting, Observation, TagRead

if TYPE_CHECKING:
    from edge.layout import Reader

__all__ = ["ZebraDecoder"]

_TAG_MODES = frozenset({"SIMPLE", "INVENTORY", "PORTAL", "CONVEYOR", "CUSTOM"})
_BLE = "BLE_DATA"
_IBEACON_RECORD = re.compile(r"4c000215([0-9a-f]{32})([0-9a-f]{4})([0-9a-f]{4})")
_HEX_ADVERT = re.compile(r"(?:0x)?[0-9a-fA-F]{50,1000}")


class ZebraDecoder:
    """Decodes the messages of one Zebra reader; antenna ports map to rooms through the layout."""

    kind = "rfid"

    def __init__(
        self, reader: Reader, policy: BeaconPolicy | None = None, aliases: MacAliases | None = None
    ) -> None:
        self.reader_id = reader.id
        self._rooms = reader.antenna_rooms()
        self._policy = policy or BeaconPolicy()
        self._aliases = aliases
        rooms = set(self._rooms.values())
        self._ble_room = reader.ble_room or (next(iter(rooms)) if len(rooms) == 1 else None)
        # SIMPLE mode leaves the antenna out unless configured; a one-antenna reader still says where.
        self._only_port = next(iter(self._rooms)) if len(self._rooms) == 1 else None

    def decode(self, payload: bytes) -> DecodeResult:
        """Raises ``DecodeError`` when the message (or every event of a batch) is unusable."""
        doc = load_json(payload)
        if type(doc) is dict:
            if doc.get("type") == _BLE:
                return self._ble(doc, "event")
            read = self._tag_read(doc, "event")
            if read is None:
                return DecodeResult.dropped(IgnoreReason.READER_EVENT)
            return DecodeResult([read])
        if type(doc) is not list:
            raise DecodeError(ErrorKind.WRONG_TYPE, "message must be an event object or an array of events")
        if not doc:
            return DecodeResult.dropped(IgnoreReason.EMPTY_BATCH)
        reads: list[Observation] = []
        errors: list[DecodeError] = []
        ignored: list[IgnoreReason] = []
        for i, item in enumerate(doc):
            try:
                if type(item) is dict and item.get("type") == _BLE:
                    ble = self._ble(item, f"event[{i}]")
                    reads += ble.observations
                    ignored += ble.ignored
                    continue
                read = self._tag_read(item, f"event[{i}]")
            except DecodeError as exc:
                errors.append(exc)
                continue
            if read is None:
                ignored.append(IgnoreReason.READER_EVENT)
            else:
                reads.append(read)
        return DecodeResult(reads, errors, ignored)

    def _tag_read(self, item: Any, what: str) -> TagRead | None:
        event = require_object(item, what)
        mode = require_str(event, "type", what)
        if mode not in _TAG_MODES:
            return None
        data = event.get("data")
        if data is None:
            raise DecodeError(ErrorKind.MISSING_FIELD, f"{what}.data is missing")
        data = require_object(data, f"{what}.data")
        epc, gtin, serial = classify_epc(require_str(data, "idHex", f"{what}.data"))
        port = data.get("antenna")
        if port is None and self._only_port is not None:
            port = self._only_port
        elif type(port) is not int:
            kind = ErrorKind.MISSING_FIELD if port is None else ErrorKind.WRONG_TYPE
            raise DecodeError(kind, f"{what}.data.antenna must be an integer port")
        room = self._rooms.get(port)
        if room is None:
            raise DecodeError(
                ErrorKind.UNKNOWN_ANTENNA, f"reader {self.reader_id!r} antenna {port} is not in the layout"
            )
        reads = data.get("reads")
        return TagRead(
            reader_id=self.reader_id,
            antenna=port,
            room_id=room,
            epc=epc,
            gtin=gtin,
            serial=serial,
            rssi_dbm=opt_number(data, "peakRssi"),
            reads=reads if type(reads) is int and reads > 0 else 1,
            reader_time=parse_timestamp(event.get("timestamp")),
        )

    def _ble(self, event: dict[str, Any], what: str) -> DecodeResult:
        data = event.get("data")
        if data is None:
            raise DecodeError(ErrorKind.MISSING_FIELD, f"{what}.data is missing")
        data = require_object(data, f"{what}.data")
        device = _ibeacon_of(data, what)
        if device is None:
            return DecodeResult.dropped(IgnoreReason.BLE_NOT_IBEACON)
        drop = self._policy.reason_to_drop(device)
        if drop is not None:
            return DecodeResult.dropped(drop)
        if self._ble_room is None:
            raise DecodeError(
                ErrorKind.UNKNOWN_NODE,
                f"reader {self.reader_id!r} covers several rooms: set its ble_room to place BLE_DATA",
            )
        if self._aliases is not None:
            mac = next((data[k] for k in ("mac", "macAddress", "address") if type(data.get(k)) is str), None)
            device = self._aliases.resolve(mac, device)
        rssi = opt_number(data, "rssi")
        if rssi is None:
            rssi = opt_number(data, "peakRssi")
        return DecodeResult(
            [BleSighting(self.reader_id, self._ble_room, device, rssi, opt_number(data, "distance"))]
        )


def _ibeacon_of(data: dict[str, Any], what: str) -> str | None:
    """The iBeacon device id of a BLE_DATA body, or None when it carries no iBeacon."""
    for body in (data, data.get("ibeacon"), data.get("iBeacon"), data.get("iBeaconData")):
        if type(body) is dict and type(body.get("uuid")) is str:
            major, minor = body.get("major"), body.get("minor")
            if type(major) is not int or type(minor) is not int:
                raise DecodeError(ErrorKind.WRONG_TYPE, f"{what}.data: iBeacon major/minor must be integers")
            return ibeacon_id(body["uuid"], major, minor)
    for value in data.values():
        if type(value) is str and _HEX_ADVERT.fullmatch(value):
            found = _IBEACON_RECORD.search(value.lower())
            if found is not None:
                uuid, major, minor = found.groups()
                return ibeacon_id(uuid, int(major, 16), int(minor, 16))
    return None
