"""Which iBeacons are shoppers, and one id per phone while its member code rotates.

Only iBeacons with the chain's app UUID (``FITROOM_APP_BEACON_UUID``) are shoppers' phones. ESPresense
nodes advertise an iBeacon of their own (UUID ``e5ca1ade-f007-ba11-0000-000000000000``) that other nodes
report like any device: a node, never a shopper (ignored with reason ``ble_node_beacon``). Any other UUID
is someone else's beacon (a shop fitting, a neighbour's tracker): ignored with reason ``foreign_beacon``,
counted in ``fitroom_ingest_ignored_total{reason="foreign_beacon"}``. ``irk:`` and ``known:`` ids are not
iBeacons and pass unchanged.

A phone's member code (the minor) rotates; an ESPresense node keeps the first id it resolved for a MAC, so
for minutes some nodes report a phone under its old id and others under its new one. ``MacAliases``
keys by the advertiser's MAC where the payload carries one: per MAC, the id that appeared most recently is
the phone's id, and reports of an earlier id from the same MAC are reported under it. Only ids from one MAC
are ever joined, so two phones (two MACs) stay two shoppers even when one is given the other's old code.
Per-MAC state is bounded (least recently heard MACs are forgotten first).
"""

from __future__ import annotations

import re
from collections import OrderedDict

from edge.decoders.errors import IgnoreReason

__all__ = ["DEFAULT_APP_BEACON_UUID", "NODE_BEACON_UUID", "BeaconPolicy", "MacAliases", "normal_uuid"]

NODE_BEACON_UUID = "e5ca1ade-f007-ba11-0000-000000000000"
# The chain's app UUID when none is configured: the same default as the central store's.
DEFAULT_APP_BEACON_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
_IBEACON = "iBeacon:"
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_MAC = re.compile(r"[0-9a-f]{12}")
_MACS_KEPT = 4096
_IDS_PER_MAC = 4


def normal_uuid(text: str) -> str:
    """A UUID with or without hyphens, any case -> lower-case with hyphens. Raises ``ValueError``."""
    bare = text.strip().lower().replace("-", "")
    if len(bare) != 32 or _UUID.fullmatch(bare) is None:
        raise ValueError(f"not a UUID: {text[:40]!r}")
    return f"{bare[:8]}-{bare[8:12]}-{bare[12:16]}-{bare[16:20]}-{bare[20:]}"


class BeaconPolicy:
    """Sorts device ids (ESPresense notation) into shoppers' phones, node beacons and foreign beacons."""

    __slots__ = ("app_prefix", "node_prefix")

    def __init__(self, app_uuid: str = DEFAULT_APP_BEACON_UUID) -> None:
        self.app_prefix = _IBEACON + normal_uuid(app_uuid) + "-"
        self.node_prefix = _IBEACON + NODE_BEACON_UUID

    def reason_to_drop(self, device_id: str) -> IgnoreReason | None:
        """None for a device that may be a shopper; else why it never is."""
        if not device_id.startswith(_IBEACON) or device_id.startswith(self.app_prefix):
            return None
        if device_id.startswith(self.node_prefix):
            return IgnoreReason.BLE_NODE_BEACON
        return IgnoreReason.FOREIGN_BEACON


class MacAliases:
    """Per advertiser MAC, the phone's current iBeacon id (see the module docstring). Not thread-safe:
    one per router, used from the ingest thread."""

    def __init__(self, capacity: int = _MACS_KEPT) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, list[str]] = OrderedDict()  # mac -> ids in order of appearance

    def resolve(self, mac: object, device_id: str) -> str:
        """The id to report for ``device_id`` heard from ``mac`` (any MAC notation; None or junk: as is)."""
        if type(mac) is not str or not device_id.startswith(_IBEACON):
            return device_id
        key = mac.lower().replace(":", "").replace("-", "")
        if _MAC.fullmatch(key) is None:
            return device_id
        ids = self._ids.get(key)
        if ids is None:
            self._ids[key] = [device_id]
            if len(self._ids) > self._capacity:
                self._ids.popitem(last=False)
            return device_id
        self._ids.move_to_end(key)
        if device_id not in ids:
            ids.append(device_id)  # a node resolved this MAC anew: the newest code is the phone's
            if len(ids) > _IDS_PER_MAC:
                del ids[0]
        return ids[-1]
