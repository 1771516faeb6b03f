"""ESPresense BLE room-presence reports (docs/formats.md §3), firmware 4.x and 3.x.

Topic ``<root>/devices/<device-id>/<node-id>``: the device id comes from the topic. Only ids that name one
device are identities: ``iBeacon:…`` (our store app), ``irk:…`` (a phone resolved by its identity key)
and ``known:…``. Every other id (``apple:…``, ``name:…``, ``msft:…``, ``md:…``, ...) is a fingerprint that
many devices share: ignored with reason ``ble_fingerprint`` without even parsing the payload. iBeacon ids
are normalised to a lower-case uuid so they match OpenMQTTGateway's. iBeacons are then sorted by
``BeaconPolicy`` (only the chain's app UUID is a shopper; a node's own beacon and foreign beacons are
ignored) and, where the payload carries the advertiser's ``mac``, reported under the phone's current id
(``MacAliases``: a node that resolved the phone before its code rotated goes on using the old id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge.decoders.beacons import BeaconPolicy, MacAliases
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

    def __init__(
        self,
        node: BleNode,
        device_id: str,
        policy: BeaconPolicy | None = None,
        aliases: MacAliases | None = None,
    ) -> None:
        self.node_id = node.id
        self.room_id = node.room
        self.device_id = espresense_identity(device_id)
        self._aliases = aliases
        self._drop: IgnoreReason | None = IgnoreReason.BLE_FINGERPRINT
        if self.device_id is not None:
            self._drop = (policy or BeaconPolicy()).reason_to_drop(self.device_id)

    def decode(self, payload: bytes) -> DecodeResult:
        """Raises ``DecodeError`` for an overlong device id or a payload that is not a JSON object."""
        if self._drop is not None or self.device_id is None:
            return DecodeResult.dropped(self._drop or IgnoreReason.BLE_FINGERPRINT)
        if len(self.device_id) > MAX_DEVICE_ID:
            raise DecodeError(ErrorKind.BAD_VALUE, f"device id of {len(self.device_id)} characters")
        doc = require_object(load_json(payload), "message")
        device = self.device_id
        if self._aliases is not None:
            device = self._aliases.resolve(doc.get("mac"), device)
        return DecodeResult(
            [
                BleSighting(
                    node_id=self.node_id,
                    room_id=self.room_id,
                    device_id=device,
                    rssi=opt_number(doc, "rssi"),
                    distance_m=opt_number(doc, "distance"),
                )
            ]
        )
