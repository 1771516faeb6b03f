"""BLE as stores run it (issue #15): node beacons, the chain's app UUID, Theengs two-level topics and
named gateway topics, Zebra FXR90 BLE_DATA, and one shopper per phone while its member code rotates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edge.config import SettingsError, load_settings
from edge.decoders import DecodeError, ErrorKind, IgnoreReason, TopicRouter
from edge.ingest.pipeline import IngestPipeline
from edge.layout import LayoutError, parse_layout
from edge.metrics import EdgeMetrics
from edge.reads import BleSighting, Observation
from tests.decoder_support import LAYOUT_DOC, dumps, small_layout

APP = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
NODE_BEACON = "iBeacon:e5ca1ade-f007-ba11-0000-000000000000-0-0"
PHONE_42 = f"iBeacon:{APP}-100-42"
PHONE_43 = f"iBeacon:{APP}-100-43"


def espresense(device: str, node: str = "fr-1", **fields: Any) -> tuple[str, bytes]:
    doc = {"id": device, "rssi": -65.0, "distance": 1.2, **fields}
    return f"espresense/devices/{device}/{node}", dumps(doc)


def sighting(router: TopicRouter, topic: str, payload: bytes) -> BleSighting:
    (obs,) = router.route(topic).decode(payload).observations
    assert isinstance(obs, BleSighting)
    return obs


def dropped(router: TopicRouter, topic: str, payload: bytes) -> tuple[IgnoreReason, ...]:
    result = router.route(topic).decode(payload)
    assert result.observations == []
    return tuple(result.ignored)


def test_an_espresense_nodes_own_beacon_is_never_a_shopper() -> None:
    router = TopicRouter(small_layout())
    assert dropped(router, *espresense(NODE_BEACON, mac="e5ca1ade0001")) == (IgnoreReason.BLE_NODE_BEACON,)


def test_only_the_chains_app_uuid_is_a_shopper() -> None:
    router = TopicRouter(small_layout())
    assert sighting(router, *espresense(PHONE_42)).device_id == PHONE_42
    foreign = "iBeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825-10011-19641"
    assert dropped(router, *espresense(foreign)) == (IgnoreReason.FOREIGN_BEACON,)
    # The setting picks the UUID: another chain's app is foreign here and ours there.
    theirs = TopicRouter(small_layout(), app_beacon_uuid="FDA50693A4E24FB1AFCFC6EB07647825")
    assert sighting(theirs, *espresense(foreign)).device_id == foreign
    assert dropped(theirs, *espresense(PHONE_42)) == (IgnoreReason.FOREIGN_BEACON,)
    # irk:/known: ids are not iBeacons: they pass as before.
    assert sighting(router, *espresense("irk:0123456789abcdef0123456789abcdef")).device_id.startswith("irk:")


def test_foreign_and_node_beacons_are_counted_not_errors() -> None:
    metrics = EdgeMetrics()

    class Engine:
        def __init__(self) -> None:
            self.seen: list[Observation] = []

        def observe(self, obs: Observation, now: float) -> list[Any]:
            self.seen.append(obs)
            return []

        def tick(self, now: float) -> list[Any]:
            return []

    engine = Engine()
    pipeline = IngestPipeline(small_layout(), engine, metrics=metrics)
    foreign = omg_doc("fda50693a4e24fb1afcfc6eb07647825", 10011, 19641)
    pipeline.handle("home/omg-entrance/BTtoMQTT/AABBCCDDEEFF", foreign, 1.0)
    pipeline.handle(*espresense(NODE_BEACON), 2.0)
    pipeline.handle(*espresense(PHONE_42), 3.0)
    assert metrics.value("fitroom_ingest_ignored_total", reason="foreign_beacon") == 1
    assert metrics.value("fitroom_ingest_ignored_total", reason="ble_node_beacon") == 1
    assert sum(metrics.samples("fitroom_decode_errors_total").values()) == 0
    assert [o.device_id for o in engine.seen if isinstance(o, BleSighting)] == [PHONE_42]


def test_app_beacon_uuid_setting() -> None:
    assert load_settings({}).app_beacon_uuid == APP
    assert load_settings({"app_beacon_uuid": APP.upper().replace("-", "")}).app_beacon_uuid == APP
    with pytest.raises(SettingsError, match="FITROOM_APP_BEACON_UUID"):
        load_settings({"app_beacon_uuid": "not-a-uuid"})


def omg_doc(uuid: str, major: int, minor: int, mac: str = "60:87:57:4C:9B:C2") -> bytes:
    return dumps(
        {"id": mac, "rssi": -70, "model_id": "IBEACON", "uuid": uuid, "major": major, "minor": minor}
    )


def gateway_layout(*nodes: dict[str, Any]) -> Any:
    doc = json.loads(json.dumps(LAYOUT_DOC))
    doc["ble_nodes"] = list(nodes)
    return parse_layout(doc)


def test_theengs_two_level_topics_and_named_gateway_topics() -> None:
    layout = gateway_layout(
        {"id": "gw-fr1", "format": "openmqttgateway", "room": "fr-1", "topic": "home/TheengsGateway"},
        {"id": "gw-fr2", "format": "openmqttgateway", "room": "fr-2", "topic": "home/TheengsGateway2"},
    )
    router = TopicRouter(layout)
    a = sighting(router, "home/TheengsGateway/6087574C9BC2", omg_doc(APP, 100, 42))
    b = sighting(router, "home/TheengsGateway2/BTtoMQTT/6087574C9BC2", omg_doc(APP, 100, 42))
    assert (a.node_id, a.room_id, b.node_id, b.room_id) == ("gw-fr1", "fr-1", "gw-fr2", "fr-2")
    assert sighting(router, "home/TheengsGateway/60:87:57:4C:9B:C2", omg_doc(APP, 100, 42)).room_id == "fr-1"
    # The gateway's own messages one level down are not devices; its LWT is its status.
    assert dropped(router, "home/TheengsGateway/SYStoMQTT", b"{}") == (IgnoreReason.GATEWAY_MESSAGE,)
    (status,) = router.route("home/TheengsGateway/LWT").decode(b"offline").observations
    assert type(status).__name__ == "BleNodeStatus"
    assert "home/TheengsGateway/+" in router.subscriptions()


def test_two_gateways_never_share_a_topic() -> None:
    with pytest.raises(LayoutError, match=r"ble_nodes\[1\]\.topic: 'home/TheengsGateway' is also gateway"):
        gateway_layout(
            {"id": "gw-a", "format": "openmqttgateway", "room": "fr-1", "topic": "home/TheengsGateway"},
            {"id": "gw-b", "format": "openmqttgateway", "room": "fr-2", "topic": "home/TheengsGateway/"},
        )
    with pytest.raises(LayoutError, match=r"ble_nodes\[0\]\.topic: only openmqttgateway"):
        gateway_layout({"id": "fr-1", "format": "espresense", "room": "fr-1", "topic": "x/y"})


def fxr90_layout(**changes: Any) -> Any:
    doc = json.loads(json.dumps(LAYOUT_DOC))
    doc["readers"][2].update(changes)  # zebra-solo: one antenna, over fr-1
    return parse_layout(doc)


def test_fxr90_ble_data_is_a_ble_report_from_the_readers_room() -> None:
    router = TopicRouter(fxr90_layout())
    event = {
        "type": "BLE_DATA",
        "timestamp": "2026-05-01T08:55:44.625+0300",
        "data": {"mac": "6087574C9BC2", "rssi": -67, "uuid": APP, "major": 100, "minor": 42},
    }
    s = sighting(router, "stores/s1/rfid/zebra-solo", dumps(event))
    assert (s.node_id, s.room_id, s.device_id, s.rssi) == ("zebra-solo", "fr-1", PHONE_42, -67.0)
    # The raw advertisement alone (Apple iBeacon record) is enough.
    adv = "0201061AFF4C000215" + APP.replace("-", "").upper() + "0064" + "002B" + "C5"
    raw = {"type": "BLE_DATA", "data": {"macAddress": "60:87:57:4C:9B:C3", "rssi": -70, "advData": adv}}
    assert sighting(router, "stores/s1/rfid/zebra-solo", dumps(raw)).device_id == f"iBeacon:{APP}-100-43"
    # Batched with tag events, each counts; a non-iBeacon sighting is ignored.
    batch = [
        event,
        {"type": "INVENTORY", "data": {"idHex": "3074257bf7194e4000001a85", "antenna": 4, "peakRssi": -61}},
        {"type": "BLE_DATA", "data": {"mac": "112233445566", "rssi": -80, "advData": "02010603030FFE"}},
    ]
    result = router.route("stores/s1/rfid/zebra-solo").decode(dumps(batch))
    assert [type(o).__name__ for o in result.observations] == ["BleSighting", "TagRead"]
    assert list(result.ignored) == [IgnoreReason.BLE_NOT_IBEACON]


def test_fxr90_over_several_rooms_needs_its_ble_room() -> None:
    event = dumps({"type": "BLE_DATA", "data": {"rssi": -67, "uuid": APP, "major": 100, "minor": 42}})
    router = TopicRouter(small_layout())  # zebra-b covers fr-3 and fr-2
    with pytest.raises(DecodeError) as err:
        router.route("stores/s1/rfid/zebra-b").decode(event)
    assert err.value.kind is ErrorKind.UNKNOWN_NODE and "ble_room" in err.value.message
    doc = json.loads(json.dumps(LAYOUT_DOC))
    doc["readers"][1]["ble_room"] = "fr-3"
    assert sighting(TopicRouter(parse_layout(doc)), "stores/s1/rfid/zebra-b", event).room_id == "fr-3"


def test_a_rotated_phone_is_one_shopper_not_two() -> None:
    """Node fr-1 resolved the phone before its code rotated and keeps the old id; fr-2 resolved it after.
    Both report the same MAC: one phone, under its newest id, whichever node hears it."""
    router = TopicRouter(small_layout())
    mac = "5a3f1c9d0e42"
    assert sighting(router, *espresense(PHONE_42, "fr-1", mac=mac)).device_id == PHONE_42
    assert sighting(router, *espresense(PHONE_43, "fr-2", mac=mac)).device_id == PHONE_43
    assert sighting(router, *espresense(PHONE_42, "fr-1", mac=mac)).device_id == PHONE_43
    assert sighting(router, *espresense(PHONE_43, "fr-2", mac=mac)).device_id == PHONE_43
    # A gateway hearing the same advertiser agrees (OpenMQTTGateway's id is the MAC, with colons).
    gw = omg_doc(APP, 100, 42, mac="5A:3F:1C:9D:0E:42")
    assert sighting(router, "home/omg-entrance/BTtoMQTT/5A3F1C9D0E42", gw).device_id == PHONE_43


def test_two_phones_are_never_merged() -> None:
    """Another member later given the old code (another MAC) stays another shopper, and a phone whose
    report carries no MAC is never joined to anyone."""
    router = TopicRouter(small_layout())
    assert sighting(router, *espresense(PHONE_42, "fr-1", mac="5a3f1c9d0e42")).device_id == PHONE_42
    assert sighting(router, *espresense(PHONE_43, "fr-1", mac="5a3f1c9d0e42")).device_id == PHONE_43
    assert sighting(router, *espresense(PHONE_42, "fr-2", mac="7b00aa11bb22")).device_id == PHONE_42
    assert sighting(router, *espresense(PHONE_42, "fr-2")).device_id == PHONE_42
    other = f"iBeacon:{APP}-100-44"
    assert sighting(router, *espresense(other, "fr-2", mac="7b00aa11bb23")).device_id == other
