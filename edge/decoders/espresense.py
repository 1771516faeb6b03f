"""ESPresense BLE room-presence reports (FORMATS.md §3), firmware 4.x and 3.x.

Topic ``<root>/devices/<device-id>/<node-id>``: the device id comes from the topic. Only ids that name one
device are identities: ``iBeacon:…`` (our store app), ``irk:…`` (a phone resolved by its identity key)
and ``known:…``. Every other id (``apple:…``, ``name:…``, ``msft:…``, ``md:…``, ...) is a fingerprint that
many devices share: ignored with reason ``ble_fingerprint`` without even parsing the payload. iBeacon ids
are normalised to a lower-case uuid so they match OpenMQTTGateway's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.fields import load_json, opt_number, require_object
from edge.reads import BleSighting

if TYPE_CHECKING:
    from edge.layout import BleNode

__all__ = ["MAX_DEVICE_ID", "EspresenseSightingDecoder", "espresense_identity"]

_IBEACON = "iBeacon:"
_IDENTITY_PREFIXES = (_IBEACON, "irk:", "known:")
# Real ids are well under this (an iBeacon id is 52 characters); longer is junk, not a device to track.
MAX_DEVICE_ID = 128


def espresense_identity(device_id: str) -> str | None:
    """The device id as an identity (iBeacon uuid lower-cased), or None for a shared fingerprint."""
    if not device_id.startswith(_IDENTITY_PREFIXES) or device_id in _IDENTITY_PREFIXES:
        return None
    if device_id.startswith(_IBEACON):
        return _IBEACON + device_id[len(_IBEACON) :].lower()
    return device_id


class EspresenseSightingDecoder:
    """Reports of one device by one node (one topic): the payload's rssi and distance -> ``BleSighting``."""

    kind = "ble"

    def __init__(self, node: BleNode, device_id: str) -> None:
        self.node_id = node.id
        self.room_id = node.room
        self.device_id = espresense_identity(device_id)

    def decode(self, payload: bytes) -> DecodeResult:
        """Raises ``DecodeError`` for an overlong device id or a payload that is not a JSON object."""
        if self.device_id is None:
            return DecodeResult.dropped(IgnoreReason.BLE_FINGERPRINT)
        if len(self.device_id) > MAX_DEVICE_ID:
            raise DecodeError(ErrorKind.BAD_VALUE, f"device id of {len(self.device_id)} characters")
        doc = require_object(load_json(payload), "message")
        return DecodeResult(
            [
                BleSighting(
                    node_id=self.node_id,
                    room_id=self.room_id,
                    device_id=self.device_id,
                    rssi=opt_number(doc, "rssi"),
                    distance_m=opt_number(doc, "distance"),
                )
            ]
        )
