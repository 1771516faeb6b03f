"""Zebra FX7500/FX9600/ATR7000 "IoT Connector" data events (FORMATS.md §2).

A message is one event object or, with batching on, a JSON array of them. Tag events (``type`` one of
the operating modes SIMPLE, INVENTORY, PORTAL, CONVEYOR, CUSTOM) become ``TagRead`` with ``reads`` = the
aggregate's read count; any other ``type`` is ignored with reason ``reader_event``. In a batch each event
stands alone: a bad one is reported in ``DecodeResult.errors`` and the rest still count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.fields import (
    classify_epc,
    load_json,
    opt_number,
    parse_timestamp,
    require_object,
    require_str,
)
from edge.reads import Observation, TagRead

if TYPE_CHECKING:
    from edge.layout import Reader

__all__ = ["ZebraDecoder"]

_TAG_MODES = frozenset({"SIMPLE", "INVENTORY", "PORTAL", "CONVEYOR", "CUSTOM"})


class ZebraDecoder:
    """Decodes the messages of one Zebra reader; antenna ports map to rooms through the layout."""

    kind = "rfid"

    def __init__(self, reader: Reader) -> None:
        self.reader_id = reader.id
        self._rooms = reader.antenna_rooms()
        # SIMPLE mode leaves the antenna out unless configured; a one-antenna reader still says where.
        self._only_port = next(iter(self._rooms)) if len(self._rooms) == 1 else None

    def decode(self, payload: bytes) -> DecodeResult:
        """Raises ``DecodeError`` when the message (or every event of a batch) is unusable."""
        doc = load_json(payload)
        if type(doc) is dict:
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
