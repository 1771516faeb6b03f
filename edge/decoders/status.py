"""Online/offline status messages: a reader's MQTT last will, ESPresense node status, gateway LWT.

Devices publish a short word, usually retained: ``online`` / ``offline`` (ESPresense, OpenMQTTGateway),
or an Impinj reader's default connect message ``connected`` and last will ``connection lost``. Accepted,
case-insensitively: online, connected, up, true, 1 / offline, disconnected, down, false, 0, lost,
connection lost — bare, as a JSON string, or as a JSON object's ``status`` / ``state`` field. A reader
whose store set its own words names them in the layout (``will_message``, ``connect_message``); those are
matched exactly as configured (surrounding white space aside) before the words above. An empty payload
clears a retained status: ignored with reason
``status_cleared``. Anything else is ``bad_value``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.fields import load_json
from edge.reads import BleNodeStatus, ReaderStatus

if TYPE_CHECKING:
    from edge.layout import BleNode, Reader

__all__ = ["BleNodeStatusDecoder", "ReaderStatusDecoder", "parse_online"]

_ONLINE = frozenset({"online", "connected", "up", "true", "1"})
_OFFLINE = frozenset({"offline", "disconnected", "down", "false", "0", "lost", "connection lost"})
_MAX_STATUS_BYTES = 1024


def parse_online(payload: bytes) -> bool | None:
    """True for online, False for offline, None for an empty (cleared) status; else ``DecodeError``."""
    text = payload.strip()
    if not text:
        return None
    if len(text) > _MAX_STATUS_BYTES:
        raise DecodeError(ErrorKind.BAD_VALUE, f"status payload of {len(text)} bytes is not a status")
    verdict = _word(text.decode("utf-8", "replace"))
    if verdict is not None:
        return verdict
    if text[:1] in (b"{", b'"'):
        doc = load_json(text)
        verdict = _from_json(doc)
        if verdict is not None:
            return verdict
    raise DecodeError(ErrorKind.BAD_VALUE, "status must say online or offline")


def _word(word: str) -> bool | None:
    word = word.strip().lower()
    if word in _ONLINE:
        return True
    if word in _OFFLINE:
        return False
    return None


def _from_json(doc: Any) -> bool | None:
    if type(doc) is str:
        return _word(doc)
    if type(doc) is dict:
        for key in ("status", "state"):
            value = doc.get(key)
            if type(value) is str:
                return _word(value)
            if type(value) is bool:
                return value
    return None


class ReaderStatusDecoder:
    """A reader's last-will topic (``Reader.status_topic``) -> ``ReaderStatus``."""

    kind = "rfid"

    def __init__(self, reader: Reader) -> None:
        self.reader_id = reader.id
        self._own: dict[bytes, bool] = {}
        if reader.will_message is not None:
            self._own[reader.will_message.strip().encode()] = False
        if reader.connect_message is not None:
            self._own[reader.connect_message.strip().encode()] = True

    def decode(self, payload: bytes) -> DecodeResult:
        own = self._own.get(payload.strip()) if self._own else None
        online = own if own is not None else parse_online(payload)
        if online is None:
            return DecodeResult.dropped(IgnoreReason.STATUS_CLEARED)
        return DecodeResult([ReaderStatus(self.reader_id, online)])


class BleNodeStatusDecoder:
    """ESPresense ``<root>/rooms/<node>/status`` or a gateway's ``<root>/<gw>/LWT`` -> ``BleNodeStatus``."""

    kind = "ble"

    def __init__(self, node: BleNode) -> None:
        self.node_id = node.id
        self.room_id = node.room

    def decode(self, payload: bytes) -> DecodeResult:
        online = parse_online(payload)
        if online is None:
            return DecodeResult.dropped(IgnoreReason.STATUS_CLEARED)
        return DecodeResult([BleNodeStatus(self.node_id, self.room_id, online)])
