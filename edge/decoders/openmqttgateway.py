"""OpenMQTTGateway / Theengs Gateway BLE decodes (docs/formats.md §4).

Topic ``<gateway topic>/BTtoMQTT/<MAC>``, or Theengs Gateway's two-level ``<gateway topic>/<MAC>``
(``BleNode.gateway_topic``, the layout's ``topic``); the gateway is the node. An iBeacon decode (``model_id``
``IBEACON``, or no ``model_id`` but a ``uuid``) becomes a ``BleSighting`` whose device id is
ESPresense's notation, ``iBeacon:<uuid lower-case with hyphens>-<major>-<minor>``, so a shopper is the
same device whichever kind of node hears them. Other adverts are ignored with reason ``ble_not_ibeacon``;
node and foreign beacons as ``BeaconPolicy`` says; the advertiser's MAC (``id``) keys ``MacAliases``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from edge.decoders.beacons import BeaconPolicy, MacAliases
from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.fields import load_json, opt_number, require_object
from edge.reads import BleSighting

if TYPE_CHECKING:
    from edge.layout import BleNode

__all__ = ["OpenMqttGatewayDecoder", "ibeacon_id"]

_UUID_HEX = re.compile(r"[0-9a-f]{32}")


def ibeacon_id(uuid: str, major: int, minor: int) -> str:
    """(uuid with or without hyphens, major, minor) -> ``iBeacon:<uuid-with-hyphens>-<major>-<minor>``.

    Raises ``DecodeError(bad_value)`` for a uuid that is not 32 hex digits or a major/minor outside 0..65535.
    """
    bare = uuid.replace("-", "").lower()
    if _UUID_HEX.fullmatch(bare) is None:
        raise DecodeError(ErrorKind.BAD_VALUE, "iBeacon uuid is not 32 hex digits")
    if not (0 <= major <= 0xFFFF and 0 <= minor <= 0xFFFF):
        raise DecodeError(ErrorKind.BAD_VALUE, "iBeacon major/minor must be 0..65535")
    return f"iBeacon:{bare[:8]}-{bare[8:12]}-{bare[12:16]}-{bare[16:20]}-{bare[20:]}-{major}-{minor}"


class OpenMqttGatewayDecoder:
    """Decodes the BLE adverts one gateway publishes."""

    kind = "ble"

    def __init__(
        self, node: BleNode, policy: BeaconPolicy | None = None, aliases: MacAliases | None = None
    ) -> None:
        self.node_id = node.id
        self.room_id = node.room
        self._policy = policy or BeaconPolicy()
        self._aliases = aliases

    def decode(self, payload: bytes) -> DecodeResult:
        """Raises ``DecodeError`` for a malformed payload or a broken iBeacon decode."""
        doc = require_object(load_json(payload), "message")
        model = doc.get("model_id")
        uuid = doc.get("uuid")
        if (model is not None and model != "IBEACON") or (model is None and uuid is None):
            return DecodeResult.dropped(IgnoreReason.BLE_NOT_IBEACON)
        if uuid is None:
            raise DecodeError(ErrorKind.MISSING_FIELD, "iBeacon decode without uuid")
        if type(uuid) is not str:
            raise DecodeError(ErrorKind.WRONG_TYPE, "uuid must be a string")
        device = ibeacon_id(uuid, _code(doc, "major"), _code(doc, "minor"))
        drop = self._policy.reason_to_drop(device)
        if drop is not None:
            return DecodeResult.dropped(drop)
        if self._aliases is not None:
            device = self._aliases.resolve(doc.get("id"), device)
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


def _code(doc: dict[str, Any], key: str) -> int:
    value = doc.get(key)
    if type(value) is int:
        return value
    # Some gateway builds publish the numbers as decimal strings.
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= 5:
        return int(value)
    if value is None:
        raise DecodeError(ErrorKind.MISSING_FIELD, f"iBeacon decode without {key}")
    raise DecodeError(ErrorKind.WRONG_TYPE, f"{key} must be an integer")
