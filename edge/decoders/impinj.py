"""Impinj R700/R720 "IoT Device Interface" events (FORMATS.md §1).

One event per message. ``tagInventory`` becomes a ``TagRead``; ``antennaConnected`` /
``antennaDisconnected`` become an ``AntennaStatus``; every other event type (``inventoryStatus``,
``overflow``, ...) is ignored with reason ``reader_event``. Older firmware omits ``eventType``: then the
message must hold exactly one ``…Event`` object, whose key names the event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.fields import (
    classify_epc,
    epc_from_base64,
    load_json,
    opt_number,
    parse_timestamp,
    require_int,
    require_object,
)
from edge.reads import AntennaStatus, TagRead

if TYPE_CHECKING:
    from edge.layout import Reader

__all__ = ["ImpinjDecoder"]

_TAG = "tagInventory"
_ANTENNA_UP = "antennaConnected"
_ANTENNA_DOWN = "antennaDisconnected"
_USED = frozenset({_TAG, _ANTENNA_UP, _ANTENNA_DOWN})


class ImpinjDecoder:
    """Decodes the messages of one Impinj reader; antenna ports map to rooms through the layout."""

    kind = "rfid"

    def __init__(self, reader: Reader) -> None:
        self.reader_id = reader.id
        self._rooms = reader.antenna_rooms()

    def decode(self, payload: bytes) -> DecodeResult:
        """Raises ``DecodeError`` for an unusable message; see the module docstring for the rest."""
        doc = require_object(load_json(payload), "message")
        name, body = _event_of(doc)
        if name == _TAG:
            return DecodeResult([self._tag_read(body, doc)])
        if name in _USED:
            event = require_object(body, f"{name}Event")
            port, room = self._port_room(event, f"{name}Event")
            return DecodeResult([AntennaStatus(self.reader_id, port, room, name == _ANTENNA_UP)])
        return DecodeResult.dropped(IgnoreReason.READER_EVENT)

    def _tag_read(self, body: Any, doc: dict[str, Any]) -> TagRead:
        # The hot path: plain type checks inline, the helpers only to word the error.
        event = body if type(body) is dict else require_object(body, "tagInventoryEvent")
        epc_hex = event.get("epcHex")
        if type(epc_hex) is not str:
            epc_hex = _base64_epc(event)
        epc, gtin, serial = classify_epc(epc_hex)
        port: Any = event.get("antennaPort")
        room = self._rooms.get(port) if type(port) is int else None
        if room is None:
            port, room = self._port_room(event, "tagInventoryEvent")
        cdbm = event.get("peakRssiCdbm")
        if type(cdbm) is int:
            rssi: float | None = cdbm / 100.0
        else:
            number = opt_number(event, "peakRssiCdbm")
            rssi = None if number is None else number / 100.0
        seen = event.get("lastSeenTime")
        reader_time = None if seen is None else parse_timestamp(seen)
        if reader_time is None:
            reader_time = parse_timestamp(doc.get("timestamp"))
        return TagRead(self.reader_id, port, room, epc, gtin, serial, rssi, 1, reader_time)

    def _port_room(self, event: dict[str, Any], what: str) -> tuple[int, str]:
        port = require_int(event, "antennaPort", what)
        room = self._rooms.get(port)
        if room is None:
            raise DecodeError(
                ErrorKind.UNKNOWN_ANTENNA, f"reader {self.reader_id!r} antenna {port} is not in the layout"
            )
        return port, room


def _base64_epc(event: dict[str, Any]) -> str:
    """``epc`` (base64) when ``epcHex`` is not configured; raises when neither is usable."""
    epc_hex, b64 = event.get("epcHex"), event.get("epc")
    if type(b64) is str:
        return epc_from_base64(b64)
    if epc_hex is None and b64 is None:
        raise DecodeError(ErrorKind.MISSING_FIELD, "tagInventoryEvent has neither epcHex nor epc")
    raise DecodeError(ErrorKind.WRONG_TYPE, "tagInventoryEvent.epcHex / epc must be a string")


def _event_of(doc: dict[str, Any]) -> tuple[str, Any]:
    """The event's name and its body (the body is only required for events we use)."""
    name = doc.get("eventType")
    if type(name) is str:
        if name not in _USED:
            return name, None
        key = name + "Event"
        if key not in doc:
            raise DecodeError(ErrorKind.MISSING_FIELD, f"eventType is {name!r} but {key} is missing")
        return name, doc[key]
    if name is not None:
        raise DecodeError(ErrorKind.WRONG_TYPE, "eventType must be a string")
    # Older firmware: no eventType, the one "...Event" key names the event.
    keys = [k for k in doc if k.endswith("Event") and len(k) > 5]
    if len(keys) == 1:
        return keys[0][:-5], doc[keys[0]]
    if not keys:
        raise DecodeError(ErrorKind.MISSING_FIELD, "message has neither eventType nor an ...Event object")
    raise DecodeError(ErrorKind.BAD_VALUE, f"message has {len(keys)} ...Event objects, expected one")
