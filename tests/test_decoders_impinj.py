"""Impinj IoT Device Interface events (docs/formats.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from edge.decoders import DecodeError, ErrorKind, IgnoreReason, ImpinjDecoder
from edge.reads import AntennaStatus, TagRead
from simulators.formats import impinj_antenna_event, impinj_tag_inventory
from tests.decoder_support import CHECK_EPC, CHECK_GTIN, dumps, small_layout

FORMATS_TAG = (
    b'{"timestamp":"2026-05-01T12:00:00.123456789Z","hostname":"impinj-13-f8-f5","eventType":"tagInventory",'
    b'"tagInventoryEvent":{"epc":"MHQle/cZTkAAABqF","epcHex":"3074257BF7194E4000001A85","antennaPort":1,'
    b'"antennaName":"Antenna 1","peakRssiCdbm":-5325,"frequency":920250,"transmitPowerCdbm":3000,'
    b'"lastSeenTime":"2026-05-01T12:00:00.120Z"}}'
)
FORMATS_ANTENNA = (
    b'{"timestamp":"2026-05-01T12:00:05.000000000Z","hostname":"impinj-13-f8-f5",'
    b'"eventType":"antennaDisconnected","antennaDisconnectedEvent":{"antennaPort":2}}'
)


@pytest.fixture
def decoder() -> ImpinjDecoder:
    return ImpinjDecoder(next(r for r in small_layout().readers if r.id == "impinj-a"))


def tag_event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"epcHex": CHECK_EPC, "antennaPort": 1, "peakRssiCdbm": -6100}
    event.update(fields)
    return {"timestamp": "2026-05-01T12:00:00Z", "eventType": "tagInventory", "tagInventoryEvent": event}


def rejected(decoder: ImpinjDecoder, payload: bytes) -> ErrorKind:
    with pytest.raises(DecodeError) as err:
        decoder.decode(payload)
    return err.value.kind


def test_formats_example_becomes_a_tag_read(decoder: ImpinjDecoder) -> None:
    result = decoder.decode(FORMATS_TAG)
    assert result.errors == () and result.ignored == ()
    (read,) = result.observations
    assert read == TagRead(
        reader_id="impinj-a",
        antenna=1,
        room_id="fr-1",
        epc=CHECK_EPC,
        gtin=CHECK_GTIN,
        serial=6789,
        rssi_dbm=-53.25,
        reads=1,
        reader_time=datetime(2026, 5, 1, 12, 0, 0, 120000, tzinfo=UTC).timestamp(),
    )


def test_reader_time_falls_back_to_the_envelope_timestamp_with_nanoseconds(decoder: ImpinjDecoder) -> None:
    doc = tag_event()
    doc["timestamp"] = "2026-05-01T12:00:00.123456789Z"
    (read,) = decoder.decode(dumps(doc)).observations
    assert isinstance(read, TagRead)
    assert read.reader_time == pytest.approx(datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC).timestamp())


def test_formats_antenna_disconnected_example(decoder: ImpinjDecoder) -> None:
    (status,) = decoder.decode(FORMATS_ANTENNA).observations
    assert status == AntennaStatus("impinj-a", 2, "fr-2", connected=False)


def test_antenna_connected(decoder: ImpinjDecoder) -> None:
    payload = impinj_antenna_event(antenna_port=1, connected=True, t=1795000000.0).encode()
    assert decoder.decode(payload).observations == [AntennaStatus("impinj-a", 1, "fr-1", connected=True)]


def test_envelope_without_event_type_is_named_by_its_event_key(decoder: ImpinjDecoder) -> None:
    doc = tag_event()
    del doc["eventType"]
    (read,) = decoder.decode(dumps(doc)).observations
    assert isinstance(read, TagRead) and read.epc == CHECK_EPC


def test_simulator_envelope_without_event_type_decodes(decoder: ImpinjDecoder) -> None:
    payload = impinj_tag_inventory(
        epc_hex=CHECK_EPC, antenna_port=2, peak_rssi_cdbm=-4800, t=1795000000.5, with_event_type=False
    ).encode()
    (read,) = decoder.decode(payload).observations
    assert isinstance(read, TagRead)
    assert (read.room_id, read.rssi_dbm, read.reader_time) == ("fr-2", -48.0, 1795000000.5)


def test_antenna_event_without_event_type(decoder: ImpinjDecoder) -> None:
    doc = {"timestamp": "2026-05-01T12:00:05Z", "antennaConnectedEvent": {"antennaPort": 2}}
    assert decoder.decode(dumps(doc)).observations == [AntennaStatus("impinj-a", 2, "fr-2", True)]


def test_base64_epc_is_used_when_epc_hex_is_not_configured(decoder: ImpinjDecoder) -> None:
    doc = tag_event()
    event = doc["tagInventoryEvent"]
    del event["epcHex"]
    event["epc"] = "MHQle/cZTkAAABqF"
    (read,) = decoder.decode(dumps(doc)).observations
    assert isinstance(read, TagRead)
    assert (read.epc, read.gtin) == (CHECK_EPC, CHECK_GTIN)


def test_lower_case_epc_hex_is_normalised(decoder: ImpinjDecoder) -> None:
    (read,) = decoder.decode(dumps(tag_event(epcHex=CHECK_EPC.lower()))).observations
    assert isinstance(read, TagRead) and read.epc == CHECK_EPC


def test_non_sgtin_epc_is_a_read_without_gtin(decoder: ImpinjDecoder) -> None:
    (read,) = decoder.decode(dumps(tag_event(epcHex="E28011606000020D6842A5B1"))).observations
    assert isinstance(read, TagRead)
    assert (read.gtin, read.serial, read.is_merchandise) == (None, None, False)


def test_a_128_bit_epc_is_accepted_as_non_merchandise(decoder: ImpinjDecoder) -> None:
    (read,) = decoder.decode(dumps(tag_event(epcHex="E2801160" * 4))).observations
    assert isinstance(read, TagRead) and read.gtin is None


def test_missing_rssi_and_unknown_extra_fields_are_fine(decoder: ImpinjDecoder) -> None:
    doc = tag_event(phaseAngle=12.5, newFirmwareField={"x": 1})
    del doc["tagInventoryEvent"]["peakRssiCdbm"]
    doc["futureEnvelopeField"] = [1, 2]
    (read,) = decoder.decode(dumps(doc)).observations
    assert isinstance(read, TagRead) and read.rssi_dbm is None


@pytest.mark.parametrize(
    "event_type", ["inventoryStatus", "overflow", "inventoryTerminated", "gpiTransition"]
)
def test_other_event_types_are_ignored_not_errors(decoder: ImpinjDecoder, event_type: str) -> None:
    doc = {"timestamp": "2026-05-01T12:00:00Z", "eventType": event_type, f"{event_type}Event": {"a": 1}}
    result = decoder.decode(dumps(doc))
    assert result.observations == [] and result.errors == ()
    assert result.ignored == (IgnoreReason.READER_EVENT,)


def test_other_event_without_event_type_is_ignored(decoder: ImpinjDecoder) -> None:
    doc = {"timestamp": "2026-05-01T12:00:00Z", "inventoryStatusEvent": {"status": "running"}}
    assert decoder.decode(dumps(doc)).ignored == (IgnoreReason.READER_EVENT,)


def test_unknown_antenna_port(decoder: ImpinjDecoder) -> None:
    assert rejected(decoder, dumps(tag_event(antennaPort=7))) is ErrorKind.UNKNOWN_ANTENNA


def test_unknown_antenna_in_an_antenna_event(decoder: ImpinjDecoder) -> None:
    doc = {"eventType": "antennaDisconnected", "antennaDisconnectedEvent": {"antennaPort": 4}}
    assert rejected(decoder, dumps(doc)) is ErrorKind.UNKNOWN_ANTENNA


@pytest.mark.parametrize("port", ["1", 1.0, True, None])
def test_antenna_port_of_the_wrong_type(decoder: ImpinjDecoder, port: Any) -> None:
    expected = ErrorKind.MISSING_FIELD if port is None else ErrorKind.WRONG_TYPE
    assert rejected(decoder, dumps(tag_event(antennaPort=port))) is expected


def test_missing_epc(decoder: ImpinjDecoder) -> None:
    doc = tag_event()
    del doc["tagInventoryEvent"]["epcHex"]
    assert rejected(decoder, dumps(doc)) is ErrorKind.MISSING_FIELD


@pytest.mark.parametrize("epc", ["", "XYZ0", "3074257BF7194E4000001A8", "30 74", "0x3074"])
def test_bad_epc_hex(decoder: ImpinjDecoder, epc: str) -> None:
    assert rejected(decoder, dumps(tag_event(epcHex=epc))) is ErrorKind.BAD_EPC


def test_bad_base64_epc(decoder: ImpinjDecoder) -> None:
    doc = tag_event()
    event = doc["tagInventoryEvent"]
    del event["epcHex"]
    event["epc"] = "not base64!"
    assert rejected(decoder, dumps(doc)) is ErrorKind.BAD_EPC


def test_epc_of_the_wrong_type(decoder: ImpinjDecoder) -> None:
    assert rejected(decoder, dumps(tag_event(epcHex=3074))) is ErrorKind.WRONG_TYPE


def test_event_type_without_its_event_object(decoder: ImpinjDecoder) -> None:
    assert rejected(decoder, dumps({"eventType": "tagInventory"})) is ErrorKind.MISSING_FIELD


def test_event_body_that_is_not_an_object(decoder: ImpinjDecoder) -> None:
    doc = {"eventType": "tagInventory", "tagInventoryEvent": [1, 2]}
    assert rejected(decoder, dumps(doc)) is ErrorKind.WRONG_TYPE


def test_envelope_with_two_event_objects_is_ambiguous(decoder: ImpinjDecoder) -> None:
    doc = {"tagInventoryEvent": {"epcHex": CHECK_EPC, "antennaPort": 1}, "overflowEvent": {}}
    assert rejected(decoder, dumps(doc)) is ErrorKind.BAD_VALUE


def test_envelope_with_no_event_at_all(decoder: ImpinjDecoder) -> None:
    assert rejected(decoder, dumps({"timestamp": "2026-05-01T12:00:00Z"})) is ErrorKind.MISSING_FIELD


def test_event_type_of_the_wrong_type(decoder: ImpinjDecoder) -> None:
    assert rejected(decoder, dumps({"eventType": 5})) is ErrorKind.WRONG_TYPE


@pytest.mark.parametrize("payload", [b"", b"{", b"\xff\xfe{}", b"nan", b"[" * 100000])
def test_malformed_json(decoder: ImpinjDecoder, payload: bytes) -> None:
    assert rejected(decoder, payload) is ErrorKind.MALFORMED_JSON


@pytest.mark.parametrize("payload", [b"[42]", b"42", b'"tagInventory"', b"null"])
def test_json_that_is_not_an_object(decoder: ImpinjDecoder, payload: bytes) -> None:
    assert rejected(decoder, payload) is ErrorKind.WRONG_TYPE


def test_unparseable_timestamp_keeps_the_read(decoder: ImpinjDecoder) -> None:
    doc = tag_event()
    doc["timestamp"] = "yesterday"
    (read,) = decoder.decode(dumps(doc)).observations
    assert isinstance(read, TagRead) and read.reader_time is None


def test_an_unusable_epc_hex_falls_back_to_the_base64_epc(decoder: ImpinjDecoder) -> None:
    (read,) = decoder.decode(dumps(tag_event(epcHex=None, epc="MHQle/cZTkAAABqF"))).observations
    assert isinstance(read, TagRead) and read.epc == CHECK_EPC
    (read,) = decoder.decode(dumps(tag_event(epcHex=12, epc="MHQle/cZTkAAABqF"))).observations
    assert isinstance(read, TagRead) and read.gtin == CHECK_GTIN


def test_fractional_centi_dbm_is_accepted(decoder: ImpinjDecoder) -> None:
    (read,) = decoder.decode(dumps(tag_event(peakRssiCdbm=-5325.5))).observations
    assert isinstance(read, TagRead) and read.rssi_dbm == pytest.approx(-53.255)


def test_unparseable_last_seen_time_falls_back_to_the_envelope(decoder: ImpinjDecoder) -> None:
    (read,) = decoder.decode(dumps(tag_event(lastSeenTime="soon"))).observations
    assert isinstance(read, TagRead)
    assert read.reader_time == datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()
