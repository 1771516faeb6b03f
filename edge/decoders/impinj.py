"""Impinj R700/R720 "IoT Device Interface" events (docs/formats.md §1).

One event per message, or a JSON array of events (what the reader's webhook and HTTP stream deliver and
some relays forward onto MQTT): each event of an array stands alone, as in a Zebra batch, a bad one
reported in ``DecodeResult.errors`` while the rest still count. ``tagInventory`` becomes a ``TagRead``;
``antennaConnected`` / ``antennaDisconnected`` become an ``AntennaStatus``; every other event type
(``inventoryStatus``, ``overflow``, ...) is ignored with reason ``reader_event``. Older firmware omits
``eventType``: then the message must hold exactly one ``…Event`` object, whose key names the event.

The antenna is ``antennaPort``, mapped through the layout; a store that turned ports off and names its
antennas (``antennaName``) maps the names in the layout instead (``Reader.named_antennas``). A name the
layout maps wins over the port, so a read carries the same antenna number whichever fields are on.
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
from edge.reads import AntennaStatus, Observation, TagRead

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
        self._rooms = {int(p): room for p, room in reader.antennas.items() if p.isdigit()}
        self._names = reader.named_antennas()

    def decode(self, payload: bytes) -> DecodeResult:
        """Raises ``DecodeError`` for an unusable message (or every event of an array unusable)."""
        doc = load_json(payload)
        if type(doc) is list:
            return self._batch(doc)
        obs = self._event(require_object(doc, "message"), "")
        if obs is None:
            return DecodeResult.dropped(IgnoreReason.READER_EVENT)
        return DecodeResult([obs])

    def _batch(self, items: list[Any]) -> DecodeResult:
        if not items:
            return DecodeResult.dropped(IgnoreReason.EMPTY_BATCH)
        found: list[Observation] = []
        errors: list[DecodeError] = []
        ignored: list[IgnoreReason] = []
        for i, item in enumerate(items):
            try:
                obs = self._event(require_object(item, f"event[{i}]"), f"event[{i}].")
            except DecodeError as exc:
                errors.append(
                    DecodeError(exc.kind, exc.message)
                    if exc.message.startswith("event[")
                    else DecodeError(exc.kind, f"event[{i}]: {exc.message}")
                )
                continue
            if obs is None:
                ignored.append(IgnoreReason.READER_EVENT)
            else:
                found.append(obs)
        if errors and not found and not ignored:
            raise errors[0]
        return DecodeResult(found, errors, ignored)

    def _event(self, doc: dict[str, Any], where: str) -> Observation | None:
        name, body = _event_of(doc)
        if name == _TAG:
            return self._tag_read(body, doc)
        if name in _USED:
            event = require_object(body, f"{where}{name}Event")
            port, room = self._port_room(event, f"{where}{name}Event")
            return AntennaStatus(self.reader_id, port, room, name == _ANTENNA_UP)
        return None

    def _tag_read(self, body: Any, doc: dict[str, Any]) -> TagRead:
        # The hot path: plain type checks inline, the helpers only to word the error.
        event = body if type(body) is dict else require_object(body, "tagInventoryEvent")
        epc_hex = event.get("epcHex")
        if type(epc_hex) is not str:
            epc_hex = _base64_epc(event)
        epc, gtin, serial = classify_epc(epc_hex)
        port: Any = event.get("antennaPort")
        room = self._rooms.get(port) if type(port) is int and not self._names else None
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
        if self._names:
            name = event.get("antennaName")
            named = self._names.get(name) if type(name) is str else None
            if named is not None:
                return named
            if "antennaPort" not in event and type(name) is str:
                raise DecodeError(
                    ErrorKind.UNKNOWN_ANTENNA,
                    f"reader {self.reader_id!r} antenna named {name[:64]!r} is not in the layout",
                )
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
