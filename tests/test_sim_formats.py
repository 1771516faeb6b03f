"""The simulator's encoders write exactly the vendors' formats (docs/formats.md §1–5); the edge reads them."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.decoders import TopicRouter
from edge.layout import Layout
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, ReaderStatus, TagRead
from simulators.formats import (
    IBEACON_APP_UUID,
    ZebraTagEvent,
    espresense_device_payload,
    espresense_device_topic,
    espresense_status_topic,
    ibeacon_device_id,
    impinj_antenna_event,
    impinj_tag_inventory,
    omg_ibeacon_payload,
    omg_topic,
    rfc3339_nanos,
    zebra_inventory,
    zebra_timestamp,
)

CHECK_EPC = "3074257BF7194E4000001A85"  # docs/formats.md §6 check value, GTIN 80614141123458
T = 1777636800.123456  # 2026-05-01T12:00:00.123456Z


def test_rfc3339_has_nine_fraction_digits_and_z() -> None:
    assert re.fullmatch(r"2026-05-01T12:00:00\.\d{9}Z", rfc3339_nanos(T))
    assert rfc3339_nanos(1777636800.0) == "2026-05-01T12:00:00.000000000Z"


def test_zebra_timestamp_offset_has_no_colon() -> None:
    assert zebra_timestamp(1777625744.625, 180) == "2026-05-01T11:55:44.625+0300"
    assert zebra_timestamp(1777625744.625, -300).endswith("-0500")


def test_impinj_tag_inventory_matches_the_documented_example() -> None:
    doc = json.loads(
        impinj_tag_inventory(
            epc_hex=CHECK_EPC.lower(), antenna_port=1, peak_rssi_cdbm=-5325, t=T, hostname="impinj-13-f8-f5"
        )
    )
    assert doc["eventType"] == "tagInventory"
    assert doc["hostname"] == "impinj-13-f8-f5"
    event = doc["tagInventoryEvent"]
    assert event["epcHex"] == CHECK_EPC
    assert event["epc"] == "MHQle_cZTkAAABqF"  # base64url, as docs/formats.md §1 (corrected) shows
    assert event["antennaPort"] == 1 and isinstance(event["antennaPort"], int)
    assert event["peakRssiCdbm"] == -5325


def test_older_impinj_envelope_has_no_event_type() -> None:
    doc = json.loads(
        impinj_tag_inventory(
            epc_hex=CHECK_EPC, antenna_port=2, peak_rssi_cdbm=-6000, t=T, with_event_type=False
        )
    )
    assert "eventType" not in doc
    assert [k for k in doc if k.endswith("Event")] == ["tagInventoryEvent"]


def test_impinj_antenna_events() -> None:
    down = json.loads(impinj_antenna_event(antenna_port=2, connected=False, t=T))
    up = json.loads(impinj_antenna_event(antenna_port=2, connected=True, t=T))
    assert down["eventType"] == "antennaDisconnected"
    assert down["antennaDisconnectedEvent"] == {"antennaPort": 2}
    assert up["eventType"] == "antennaConnected" and up["antennaConnectedEvent"] == {"antennaPort": 2}


def test_zebra_inventory_single_and_batched() -> None:
    ev = ZebraTagEvent(t=T, epc_hex=CHECK_EPC, antenna=1, peak_rssi_dbm=-61, reads=3, event_num=1)
    single = json.loads(zebra_inventory([ev], 180, batched=False))
    assert single["type"] == "INVENTORY"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0300", single["timestamp"])
    assert single["data"] == {
        "eventNum": 1,
        "format": "epc",
        "idHex": CHECK_EPC.lower(),
        "antenna": 1,
        "peakRssi": -61,
        "reads": 3,
    }
    batch = json.loads(zebra_inventory([ev, ev], 0, batched=True))
    assert isinstance(batch, list) and len(batch) == 2
    with pytest.raises(ValueError):
        zebra_inventory([ev, ev], 0, batched=False)


def test_espresense_4x_and_3x_payloads() -> None:
    device = ibeacon_device_id(IBEACON_APP_UUID, 100, 42)
    assert device == "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42"

    def payload(firmware: int) -> dict[str, object]:
        return dict(
            json.loads(
                espresense_device_payload(
                    device_id=device,
                    mac="5A:3F:1C:9D:0E:42",
                    rssi=-72.349,
                    rssi_at_1m=-59,
                    rssi_var=1.84,
                    distance_m=3.42,
                    distance_var=0.21,
                    interval_ms=1032,
                    raw_distance_m=3.9,
                    firmware=firmware,
                )
            )
        )

    v4, v3 = payload(4), payload(3)
    assert set(v4) == {"mac", "id", "rssi@1m", "rssi", "rxAdj", "rssiVar", "distance", "var", "int"}
    assert v4["mac"] == "5a3f1c9d0e42" and v4["rssi"] == -72.35
    assert {"idType", "raw"} <= set(v3) and v3["raw"] == 3.9
    assert espresense_device_topic("espresense", device, "fr-1") == f"espresense/devices/{device}/fr-1"
    assert espresense_status_topic("espresense", "fr-1") == "espresense/rooms/fr-1/status"


def test_openmqttgateway_ibeacon_uuid_has_no_hyphens() -> None:
    doc = json.loads(
        omg_ibeacon_payload(
            mac="6087574C9BC2",
            rssi=-78,
            distance_m=7.85288,
            uuid=IBEACON_APP_UUID,
            major=100,
            minor=42,
            txpower=-66,
        )
    )
    assert doc["uuid"] == "e2c56db5dffb48d2b060d0f5a71096e0"
    assert doc["id"] == "60:87:57:4C:9B:C2" and doc["model_id"] == "IBEACON"
    topic = omg_topic("home", "OpenMQTTGateway", "60:87:57:4c:9b:c2")
    assert topic == "home/OpenMQTTGateway/BTtoMQTT/6087574C9BC2"


def test_every_encoder_output_decodes_with_the_edge_decoders(demo_layout: Layout) -> None:
    router = TopicRouter(demo_layout)
    impinj = next(r for r in demo_layout.readers if r.format == "impinj_iot")
    zebra = next(r for r in demo_layout.readers if r.format == "zebra_iotc")
    node = next(n for n in demo_layout.ble_nodes if n.format == "espresense")
    gateway = next(n for n in demo_layout.ble_nodes if n.format == "openmqttgateway")
    device = ibeacon_device_id(IBEACON_APP_UUID, 100, 42)
    ev = ZebraTagEvent(t=T, epc_hex=CHECK_EPC, antenna=1, peak_rssi_dbm=-61, reads=3, event_num=7)
    tag = impinj_tag_inventory(epc_hex=CHECK_EPC, antenna_port=1, peak_rssi_cdbm=-5325, t=T)
    old_tag = impinj_tag_inventory(
        epc_hex=CHECK_EPC, antenna_port=1, peak_rssi_cdbm=-5325, t=T, with_event_type=False
    )
    esp = espresense_device_payload(
        device_id=device,
        mac="5a3f1c9d0e42",
        rssi=-70.0,
        rssi_at_1m=-59,
        rssi_var=1.0,
        distance_m=2.0,
        distance_var=0.1,
        interval_ms=5000,
        firmware=3,
    )
    omg = omg_ibeacon_payload(
        mac="6087574C9BC2", rssi=-78, distance_m=7.8, uuid=IBEACON_APP_UUID, major=100, minor=42, txpower=-59
    )
    omg_at = omg_topic(gateway.root, gateway.id, "6087574C9BC2")
    cases: list[tuple[str, str, type]] = [
        (impinj.topic, tag, TagRead),
        (impinj.topic, old_tag, TagRead),
        (impinj.topic, impinj_antenna_event(antenna_port=1, connected=False, t=T), AntennaStatus),
        (zebra.topic, zebra_inventory([ev], 180, batched=False), TagRead),
        (zebra.topic, zebra_inventory([ev, ev], 180, batched=True), TagRead),
        (impinj.status_topic, "offline", ReaderStatus),
        (espresense_device_topic(node.root, device, node.id), esp, BleSighting),
        (espresense_status_topic(node.root, node.id), "online", BleNodeStatus),
        (omg_at, omg, BleSighting),
    ]
    for topic, payload, expected in cases:
        result = router.route(topic).decode(payload.encode())
        assert not result.errors, (topic, payload, result.errors)
        assert result.observations, (topic, payload)
        assert all(isinstance(o, expected) for o in result.observations), (topic, payload)
    single = zebra_inventory([ev], 180, batched=False).encode()
    read = router.route(zebra.topic).decode(single).observations[0]
    assert isinstance(read, TagRead)
    assert read.gtin == "80614141123458" and read.reads == 3 and read.rssi_dbm == -61
    sighting = router.route(omg_at).decode(omg.encode()).observations[0]
    assert isinstance(sighting, BleSighting) and sighting.device_id == device


@settings(max_examples=200, deadline=None)
@given(
    epc=st.binary(min_size=12, max_size=12).map(lambda b: b.hex().upper()),
    port=st.sampled_from([1, 2, 3, 4]),
    cdbm=st.integers(min_value=-9000, max_value=-2000),
    t=st.floats(min_value=1.6e9, max_value=2.1e9, allow_nan=False),
    legacy=st.booleans(),
)
def test_impinj_reports_round_trip_through_the_edge_decoder(
    demo_layout: Layout, epc: str, port: int, cdbm: int, t: float, legacy: bool
) -> None:
    reader = next(r for r in demo_layout.readers if r.format == "impinj_iot")
    payload = impinj_tag_inventory(
        epc_hex=epc, antenna_port=port, peak_rssi_cdbm=cdbm, t=t, last_seen=t, with_event_type=not legacy
    )
    (read,) = TopicRouter(demo_layout).route(reader.topic).decode(payload.encode()).observations
    assert isinstance(read, TagRead)
    assert (read.epc, read.antenna, read.room_id) == (epc, port, reader.antenna_rooms()[port])
    assert read.rssi_dbm == pytest.approx(cdbm / 100)
    assert read.reader_time == pytest.approx(t, abs=1e-3)


@settings(max_examples=200, deadline=None)
@given(
    epc=st.binary(min_size=12, max_size=12).map(lambda b: b.hex().upper()),
    port=st.sampled_from([1, 2]),
    rssi=st.integers(min_value=-90, max_value=-20),
    reads=st.integers(min_value=1, max_value=50),
    t=st.floats(min_value=1.6e9, max_value=2.1e9, allow_nan=False),
    offset=st.sampled_from([-300, -180, 0, 60, 120, 180, 330]),
    batched=st.booleans(),
)
def test_zebra_events_round_trip_through_the_edge_decoder(
    demo_layout: Layout, epc: str, port: int, rssi: int, reads: int, t: float, offset: int, batched: bool
) -> None:
    reader = next(r for r in demo_layout.readers if r.format == "zebra_iotc")
    payload = zebra_inventory([ZebraTagEvent(t, epc, port, rssi, reads, 1)], offset, batched=batched)
    (read,) = TopicRouter(demo_layout).route(reader.topic).decode(payload.encode()).observations
    assert isinstance(read, TagRead)
    assert (read.epc, read.antenna, read.reads, read.rssi_dbm) == (epc, port, reads, rssi)
    assert read.reader_time == pytest.approx(t, abs=1e-3)
