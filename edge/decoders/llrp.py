"""Tag reports of readers the edge drives over LLRP, as they travel the ingest pipeline and traces.

LLRP is binary and the edge is its client (edge/ingest/llrp.py); each ``TagReportData`` of a reader's
``RO_ACCESS_REPORT`` enters the pipeline as one message on the reader's internal channel
``llrp/<reader-id>`` (``Reader.topic``; never subscribed on the broker), its payload a JSON object named
after the LLRP parameters it carries:

    {"AntennaID": 1, "EPC": "3074257BF7194E4000001A85", "PeakRSSI": -53.25,
     "FirstSeenTimestampUTC": 1795000003888000}

``EPC`` is the EPC-96 or EPCData bits in hex; ``PeakRSSI`` is dBm (the core parameter's whole dBm, or the
Impinj extension's hundredths); ``FirstSeenTimestampUTC`` is the reader's clock in microseconds since the
Unix epoch (optional, kept as data). The reader's ``AntennaEvent`` notifications travel the same channel,
``{"AntennaEvent": {"AntennaID": 2, "EventType": "Antenna_Disconnected"}}`` (or ``Antenna_Connected``), and
become an ``AntennaStatus``; one on an antenna the layout does not map is ignored (``reader_event``). The
connection's state goes on ``llrp/<reader-id>/status`` as ``online`` / ``offline``, so a recorded trace
replays LLRP readers as it does MQTT ones.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.fields import classify_epc, load_json, opt_number, require_int, require_object
from edge.decoders.status import ReaderStatusDecoder
from edge.reads import AntennaStatus, TagRead

if TYPE_CHECKING:
    from edge.layout import Reader

__all__ = ["LlrpStatusDecoder", "LlrpTagDecoder", "antenna_event_payload", "tag_report_payload"]


_ANTENNA_UP = "Antenna_Connected"
_ANTENNA_DOWN = "Antenna_Disconnected"


def antenna_event_payload(antenna: int, connected: bool) -> bytes:
    """The channel payload for one ``AntennaEvent`` notification."""
    event = {"AntennaID": antenna, "EventType": _ANTENNA_UP if connected else _ANTENNA_DOWN}
    return json.dumps({"AntennaEvent": event}, separators=(",", ":")).encode()


def tag_report_payload(
    antenna: int, epc_hex: str, rssi_dbm: float | None, first_seen_us: int | None
) -> bytes:
    """The channel payload for one LLRP ``TagReportData`` (the inverse of ``LlrpTagDecoder``)."""
    doc: dict[str, Any] = {"AntennaID": antenna, "EPC": epc_hex.upper()}
    if rssi_dbm is not None:
        doc["PeakRSSI"] = rssi_dbm
    if first_seen_us is not None:
        doc["FirstSeenTimestampUTC"] = first_seen_us
    return json.dumps(doc, separators=(",", ":")).encode()


class LlrpTagDecoder:
    """Decodes one LLRP reader's tag reports; antenna ids map to rooms through the layout."""

    kind = "llrp"  # counted apart from what came off the broker (fitroom_mqtt_messages_total{kind})

    def __init__(self, reader: Reader) -> None:
        self.reader_id = reader.id
        self._rooms = reader.antenna_rooms()

    def decode(self, payload: bytes) -> DecodeResult:
        """One ``TagRead``; raises ``DecodeError`` for an unusable report."""
        doc = require_object(load_json(payload), "TagReportData")
        if "AntennaEvent" in doc:
            return self._antenna_event(require_object(doc["AntennaEvent"], "AntennaEvent"))
        epc_hex = doc.get("EPC")
        if epc_hex is None:
            raise DecodeError(ErrorKind.MISSING_FIELD, "TagReportData has no EPC")
        if type(epc_hex) is not str:
            raise DecodeError(ErrorKind.WRONG_TYPE, "TagReportData.EPC must be a hex string")
        epc, gtin, serial = classify_epc(epc_hex)
        antenna = require_int(doc, "AntennaID", "TagReportData")
        room = self._rooms.get(antenna)
        if room is None:
            raise DecodeError(
                ErrorKind.UNKNOWN_ANTENNA, f"reader {self.reader_id!r} antenna {antenna} is not in the layout"
            )
        rssi = opt_number(doc, "PeakRSSI")
        seen = opt_number(doc, "FirstSeenTimestampUTC")
        reader_time = None if seen is None else seen / 1e6
        return DecodeResult([TagRead(self.reader_id, antenna, room, epc, gtin, serial, rssi, 1, reader_time)])

    def _antenna_event(self, event: dict[str, Any]) -> DecodeResult:
        antenna = require_int(event, "AntennaID", "AntennaEvent")
        kind = event.get("EventType")
        if kind not in (_ANTENNA_UP, _ANTENNA_DOWN):
            wanted = f"{_ANTENNA_UP} or {_ANTENNA_DOWN}"
            raise DecodeError(ErrorKind.BAD_VALUE, f"AntennaEvent.EventType must be {wanted}")
        room = self._rooms.get(antenna)
        if room is None:
            return DecodeResult.dropped(IgnoreReason.READER_EVENT)
        return DecodeResult([AntennaStatus(self.reader_id, antenna, room, kind == _ANTENNA_UP)])


class LlrpStatusDecoder(ReaderStatusDecoder):
    """The LLRP connection's ``online`` / ``offline`` on ``llrp/<reader-id>/status``."""

    kind = "llrp"
