"""Shared helpers for decoder tests: a small layout and payload builders."""

from __future__ import annotations

import json
from typing import Any

from edge.layout import Layout, parse_layout

LAYOUT_DOC: dict[str, Any] = {
    "store": {"id": "s1", "name": "Test store"},
    "rooms": [
        {"id": "fr-1", "name": "Fitting room 1"},
        {"id": "fr-2", "name": "Fitting room 2"},
        {"id": "fr-3", "name": "Fitting room 3"},
        {"id": "entrance", "name": "Entrance", "kind": "entrance"},
    ],
    "readers": [
        {
            "id": "impinj-a",
            "format": "impinj_iot",
            "topic": "stores/s1/rfid/impinj-a",
            "antennas": {"1": "fr-1", "2": "fr-2"},
        },
        {
            "id": "zebra-b",
            "format": "zebra_iotc",
            "topic": "stores/s1/rfid/zebra-b",
            "antennas": {"1": "fr-3", "3": "fr-2"},
            "will_topic": "stores/s1/lwt/zebra-b",
        },
        {
            "id": "zebra-solo",
            "format": "zebra_iotc",
            "topic": "stores/s1/rfid/zebra-solo",
            "antennas": {"4": "fr-1"},
        },
    ],
    "ble_nodes": [
        {"id": "fr-1", "format": "espresense", "room": "fr-1"},
        {"id": "fr-2", "format": "espresense", "room": "fr-2"},
        {"id": "omg-entrance", "format": "openmqttgateway", "room": "entrance"},
        {"id": "theengs-hall", "format": "openmqttgateway", "room": "fr-3", "base_topic": "shop/ble"},
    ],
}

CHECK_EPC = "3074257BF7194E4000001A85"
CHECK_GTIN = "80614141123458"


def small_layout() -> Layout:
    return parse_layout(json.loads(json.dumps(LAYOUT_DOC)))


def dumps(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()
