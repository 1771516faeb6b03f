"""ESPresense (docs/formats.md §3) and OpenMQTTGateway/Theengs iBeacon (§4) reports, through the router."""

from __future__ import annotations

from typing import Any

import pytest

from edge.decoders import DecodeError, DecodeResult, ErrorKind, IgnoreReason, TopicRouter, ibeacon_id
from edge.reads import BleNodeStatus, BleSighting
from simulators.formats import espresense_device_payload, omg_ibeacon_payload
from tests.decoder_support import dumps, small_layout

APP_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
IBEACON = f"iBeacon:{APP_UUID}-100-42"
FORMATS_ESPRESENSE = (
    b'{"mac":"5a3f1c9d0e42","id":"iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42","rssi@1m":-59,'
    b'"rssi":-72.35,"rxAdj":0,"rssiVar":1.84,"distance":3.42,"var":0.21,"int":1032}'
)
FORMATS_OMG = (
    b'{"id":"60:87:57:4C:9B:C2","mac_type":1,"rssi":-78,"distance":7.85288,"brand":"GENERIC","model":"iBeacon",'
    b'"model_id":"IBEACON","mfid":"4c00","uuid":"1de4b189115e45f6b44e509352269977","major":100,"minor":42,'
    b'"txpower":-66}'
)


# docs/formats.md §4's example beacon; a chain whose app uses it sees that phone as a shopper.
FORMATS_OMG_UUID = "1de4b189-115e-45f6-b44e-509352269977"


@pytest.fixture(scope="module")
def router() -> TopicRouter:
    return TopicRouter(small_layout())


@pytest.fixture(scope="module")
def omg_router() -> TopicRouter:
    return TopicRouter(small_layout(), app_beacon_uuid=FORMATS_OMG_UUID)


def decode(router: TopicRouter, topic: str, payload: bytes) -> DecodeResult:
    return router.route(topic).decode(payload)


def rejected(router: TopicRouter, topic: str, payload: bytes) -> ErrorKind:
    with pytest.raises(DecodeError) as err:
        decode(router, topic, payload)
    return err.value.kind


# -- ESPresense ----------------------------------------------------------------------------------


def test_espresense_formats_example(router: TopicRouter) -> None:
    result = decode(router, f"espresense/devices/{IBEACON}/fr-2", FORMATS_ESPRESENSE)
    assert result.observations == [BleSighting("fr-2", "fr-2", IBEACON, rssi=-72.35, distance_m=3.42)]
    assert router.route(f"espresense/devices/{IBEACON}/fr-2").kind == "ble"


def test_espresense_firmware_3_payload(router: TopicRouter) -> None:
    payload = espresense_device_payload(
        device_id=IBEACON,
        mac="5a:3f:1c:9d:0e:42",
        rssi=-80.5,
        rssi_at_1m=-59,
        rssi_var=2.0,
        distance_m=5.5,
        distance_var=0.3,
        interval_ms=1000,
        raw_distance_m=6.1,
        firmware=3,
    ).encode()
    (sighting,) = decode(router, f"espresense/devices/{IBEACON}/fr-1", payload).observations
    assert sighting == BleSighting("fr-1", "fr-1", IBEACON, rssi=-80.5, distance_m=5.5)


def test_espresense_ibeacon_uuid_is_lower_cased(router: TopicRouter) -> None:
    topic = f"espresense/devices/iBeacon:{APP_UUID.upper()}-100-42/fr-1"
    (sighting,) = decode(router, topic, b'{"rssi":-70}').observations
    assert isinstance(sighting, BleSighting) and sighting.device_id == IBEACON


@pytest.mark.parametrize("device", ["irk:0123456789abcdef0123456789abcdef", "known:5a3f1c9d0e42"])
def test_espresense_other_identities_are_kept(router: TopicRouter, device: str) -> None:
    (sighting,) = decode(
        router, f"espresense/devices/{device}/fr-1", b'{"rssi":-70,"distance":1.5}'
    ).observations
    assert isinstance(sighting, BleSighting) and sighting.device_id == device


@pytest.mark.parametrize(
    "device", ["apple:1005:9-26", "name:Jane's AirPods", "msft:cdp:0109", "md:0075:9", "iBeacon:", "irk:"]
)
def test_espresense_shared_fingerprints_are_never_an_identity(router: TopicRouter, device: str) -> None:
    result = decode(router, f"espresense/devices/{device}/fr-1", FORMATS_ESPRESENSE)
    assert result.observations == [] and result.ignored == (IgnoreReason.BLE_FINGERPRINT,)


def test_espresense_missing_numbers_keep_the_sighting(router: TopicRouter) -> None:
    (sighting,) = decode(router, f"espresense/devices/{IBEACON}/fr-1", b'{"rssi":"strong"}').observations
    assert sighting == BleSighting("fr-1", "fr-1", IBEACON, rssi=None, distance_m=None)


def test_espresense_node_not_in_the_layout(router: TopicRouter) -> None:
    assert (
        rejected(router, f"espresense/devices/{IBEACON}/kitchen", FORMATS_ESPRESENSE)
        is ErrorKind.UNKNOWN_NODE
    )


@pytest.mark.parametrize(
    ("payload", "kind"), [(b"{", ErrorKind.MALFORMED_JSON), (b"[1]", ErrorKind.WRONG_TYPE)]
)
def test_espresense_bad_payload(router: TopicRouter, payload: bytes, kind: ErrorKind) -> None:
    assert rejected(router, f"espresense/devices/{IBEACON}/fr-1", payload) is kind


@pytest.mark.parametrize(
    ("payload", "online"), [(b"online", True), (b"offline", False), (b"OFFLINE\n", False)]
)
def test_espresense_node_status(router: TopicRouter, payload: bytes, online: bool) -> None:
    assert decode(router, "espresense/rooms/fr-2/status", payload).observations == [
        BleNodeStatus("fr-2", "fr-2", online)
    ]


def test_espresense_status_of_an_unknown_node(router: TopicRouter) -> None:
    assert rejected(router, "espresense/rooms/garage/status", b"online") is ErrorKind.UNKNOWN_NODE


# -- OpenMQTTGateway / Theengs -------------------------------------------------------------------


def test_omg_formats_example_is_normalised_to_espresense_notation(omg_router: TopicRouter) -> None:
    result = decode(omg_router, "home/omg-entrance/BTtoMQTT/6087574C9BC2", FORMATS_OMG)
    assert result.observations == [
        BleSighting(
            "omg-entrance",
            "entrance",
            "iBeacon:1de4b189-115e-45f6-b44e-509352269977-100-42",
            rssi=-78.0,
            distance_m=7.85288,
        )
    ]


def test_omg_and_espresense_name_the_same_phone_alike(router: TopicRouter) -> None:
    payload = omg_ibeacon_payload(
        mac="60:87:57:4C:9B:C2", rssi=-70, distance_m=2.0, uuid=APP_UUID, major=100, minor=42, txpower=-66
    ).encode()
    (sighting,) = decode(router, "home/omg-entrance/BTtoMQTT/6087574C9BC2", payload).observations
    assert isinstance(sighting, BleSighting) and sighting.device_id == IBEACON


def test_theengs_gateway_under_its_own_base_topic(omg_router: TopicRouter) -> None:
    (sighting,) = decode(omg_router, "shop/ble/theengs-hall/BTtoMQTT/AABBCCDDEEFF", FORMATS_OMG).observations
    assert isinstance(sighting, BleSighting) and (sighting.node_id, sighting.room_id) == (
        "theengs-hall",
        "fr-3",
    )


@pytest.mark.parametrize(
    "doc",
    [
        {
            "id": "AA:BB:CC:DD:EE:FF",
            "rssi": -60,
            "brand": "Xiaomi",
            "model": "LYWSD03MMC",
            "model_id": "LYWSD03MMC",
            "tempc": 21.5,
        },
        {"id": "AA:BB:CC:DD:EE:FF", "rssi": -60, "manufacturerdata": "4c0010050b1c"},
    ],
)
def test_omg_non_ibeacon_adverts_are_counted_and_dropped(router: TopicRouter, doc: dict[str, Any]) -> None:
    result = decode(router, "home/omg-entrance/BTtoMQTT/AABBCCDDEEFF", dumps(doc))
    assert result.observations == [] and result.ignored == (IgnoreReason.BLE_NOT_IBEACON,)


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"uuid": None}, ErrorKind.MISSING_FIELD),
        ({"uuid": 7}, ErrorKind.WRONG_TYPE),
        ({"uuid": "1de4b189"}, ErrorKind.BAD_VALUE),
        ({"major": None}, ErrorKind.MISSING_FIELD),
        ({"minor": 1.5}, ErrorKind.WRONG_TYPE),
        ({"minor": 70000}, ErrorKind.BAD_VALUE),
    ],
)
def test_omg_broken_ibeacon_decodes(router: TopicRouter, change: dict[str, Any], kind: ErrorKind) -> None:
    import json

    doc = json.loads(FORMATS_OMG)
    for key, value in change.items():
        if value is None:
            del doc[key]
        else:
            doc[key] = value
    assert rejected(router, "home/omg-entrance/BTtoMQTT/6087574C9BC2", dumps(doc)) is kind


def test_omg_decimal_string_major_minor_are_accepted(omg_router: TopicRouter) -> None:
    doc = {"uuid": "1DE4B189-115E-45F6-B44E-509352269977", "major": "100", "minor": "42", "rssi": -60}
    (sighting,) = decode(omg_router, "home/omg-entrance/BTtoMQTT/6087574C9BC2", dumps(doc)).observations
    assert isinstance(sighting, BleSighting)
    assert sighting.device_id == "iBeacon:1de4b189-115e-45f6-b44e-509352269977-100-42"


@pytest.mark.parametrize(("payload", "online"), [(b"online", True), (b"offline", False)])
def test_omg_gateway_lwt(router: TopicRouter, payload: bytes, online: bool) -> None:
    assert decode(router, "home/omg-entrance/LWT", payload).observations == [
        BleNodeStatus("omg-entrance", "entrance", online)
    ]


def test_ibeacon_id_accepts_hyphenated_and_bare_uuids() -> None:
    assert ibeacon_id(APP_UUID.replace("-", ""), 1, 2) == ibeacon_id(APP_UUID.upper(), 1, 2)
    assert ibeacon_id(APP_UUID, 1, 2) == f"iBeacon:{APP_UUID}-1-2"
