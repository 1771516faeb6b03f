"""Zebra IoT Connector data events (docs/formats.md §2)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from edge.decoders import DecodeError, ErrorKind, IgnoreReason, ZebraDecoder
from edge.reads import TagRead
from simulators.formats import ZebraTagEvent, zebra_inventory
from tests.decoder_support import CHECK_EPC, CHECK_GTIN, dumps, small_layout

FORMATS_EVENT = (
    b'{"type":"INVENTORY","timestamp":"2026-05-01T08:55:44.625+0300",'
    b'"data":{"eventNum":1,"format":"epc","idHex":"3074257bf7194e4000001a85","antenna":1,"peakRssi":-61,"reads":3}}'
)
OTHER_EPC = "E28011606000020D6842A5B1"


def reader_decoder(reader_id: str = "zebra-b") -> ZebraDecoder:
    return ZebraDecoder(next(r for r in small_layout().readers if r.id == reader_id))


@pytest.fixture
def decoder() -> ZebraDecoder:
    return reader_decoder()


def event(**data: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "eventNum": 1,
        "format": "epc",
        "idHex": CHECK_EPC.lower(),
        "antenna": 1,
        "peakRssi": -61,
        "reads": 3,
    }
    fields.update(data)
    return {"type": "INVENTORY", "timestamp": "2026-05-01T08:55:44.625+0300", "data": fields}


def test_formats_example_becomes_an_aggregated_tag_read(decoder: ZebraDecoder) -> None:
    (read,) = decoder.decode(FORMATS_EVENT).observations
    assert read == TagRead(
        reader_id="zebra-b",
        antenna=1,
        room_id="fr-3",
        epc=CHECK_EPC,
        gtin=CHECK_GTIN,
        serial=6789,
        rssi_dbm=-61.0,
        reads=3,
        reader_time=datetime(2026, 5, 1, 5, 55, 44, 625000, tzinfo=UTC).timestamp(),
    )


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-05-01T08:55:44.625-0130", datetime(2026, 5, 1, 10, 25, 44, 625000, tzinfo=UTC)),
        ("2026-05-01T08:55:44+0000", datetime(2026, 5, 1, 8, 55, 44, tzinfo=UTC)),
        ("2026-05-01T08:55:44.625+03:00", datetime(2026, 5, 1, 5, 55, 44, 625000, tzinfo=UTC)),
    ],
)
def test_offsets_with_and_without_colon(decoder: ZebraDecoder, stamp: str, expected: datetime) -> None:
    doc = event()
    doc["timestamp"] = stamp
    (read,) = decoder.decode(dumps(doc)).observations
    assert isinstance(read, TagRead) and read.reader_time == expected.timestamp()


def test_batched_array_gives_every_event_in_order(decoder: ZebraDecoder) -> None:
    payload = dumps([event(), event(idHex=OTHER_EPC.lower(), antenna=3, reads=1, peakRssi=-70)])
    result = decoder.decode(payload)
    assert [(r.epc, r.room_id, r.reads) for r in result.observations if isinstance(r, TagRead)] == [
        (CHECK_EPC, "fr-3", 3),
        (OTHER_EPC, "fr-2", 1),
    ]
    assert not result.errors and not result.ignored


def test_simulator_batch_round_trip(decoder: ZebraDecoder) -> None:
    events = [
        ZebraTagEvent(t=1795000000.25, epc_hex=CHECK_EPC, antenna=1, peak_rssi_dbm=-55, reads=4, event_num=7),
        ZebraTagEvent(t=1795000000.75, epc_hex=OTHER_EPC, antenna=3, peak_rssi_dbm=-66, reads=2, event_num=8),
    ]
    result = decoder.decode(zebra_inventory(events, 180, batched=True).encode())
    reads = [r for r in result.observations if isinstance(r, TagRead)]
    assert [(r.epc, r.antenna, r.rssi_dbm, r.reads, r.reader_time) for r in reads] == [
        (CHECK_EPC, 1, -55.0, 4, 1795000000.25),
        (OTHER_EPC, 3, -66.0, 2, 1795000000.75),
    ]


def test_one_bad_event_in_a_batch_does_not_lose_the_others(decoder: ZebraDecoder) -> None:
    payload = dumps([event(), event(antenna=9), "junk", event(idHex="zz"), event(idHex=OTHER_EPC)])
    result = decoder.decode(payload)
    assert [r.epc for r in result.observations if isinstance(r, TagRead)] == [CHECK_EPC, OTHER_EPC]
    assert [e.kind for e in result.errors] == [
        ErrorKind.UNKNOWN_ANTENNA,
        ErrorKind.WRONG_TYPE,
        ErrorKind.BAD_EPC,
    ]
    assert "event[2]" in result.errors[1].message


def test_a_batch_of_only_bad_events_reports_each(decoder: ZebraDecoder) -> None:
    result = decoder.decode(dumps([event(antenna=9), event(idHex="")]))
    assert result.observations == []
    assert [e.kind for e in result.errors] == [ErrorKind.UNKNOWN_ANTENNA, ErrorKind.BAD_EPC]


def test_empty_batch_is_ignored(decoder: ZebraDecoder) -> None:
    result = decoder.decode(b"[]")
    assert result.observations == [] and result.ignored == (IgnoreReason.EMPTY_BATCH,)


def test_non_sgtin_id_is_a_read_without_gtin(decoder: ZebraDecoder) -> None:
    (read,) = decoder.decode(dumps(event(idHex=OTHER_EPC.lower()))).observations
    assert isinstance(read, TagRead) and read.gtin is None and read.epc == OTHER_EPC


@pytest.mark.parametrize("mode", ["SIMPLE", "PORTAL", "CONVEYOR", "CUSTOM"])
def test_every_operating_mode_carries_tag_reads(decoder: ZebraDecoder, mode: str) -> None:
    doc = event()
    doc["type"] = mode
    assert len(decoder.decode(dumps(doc)).observations) == 1


def test_other_types_are_ignored(decoder: ZebraDecoder) -> None:
    doc = {"type": "heartbeat", "timestamp": "2026-05-01T08:55:44.625+0300", "data": {"uptime": 5}}
    assert decoder.decode(dumps(doc)).ignored == (IgnoreReason.READER_EVENT,)


def test_simple_mode_without_antenna_on_a_one_antenna_reader() -> None:
    decoder = reader_decoder("zebra-solo")
    doc = event()
    doc["type"] = "SIMPLE"
    del doc["data"]["antenna"], doc["data"]["peakRssi"], doc["data"]["reads"]
    (read,) = decoder.decode(dumps(doc)).observations
    assert isinstance(read, TagRead)
    assert (read.antenna, read.room_id, read.rssi_dbm, read.reads) == (4, "fr-1", None, 1)


def test_missing_antenna_on_a_multi_antenna_reader_is_missing_field(decoder: ZebraDecoder) -> None:
    doc = event()
    del doc["data"]["antenna"]
    with pytest.raises(DecodeError) as err:
        decoder.decode(dumps(doc))
    assert err.value.kind is ErrorKind.MISSING_FIELD


@pytest.mark.parametrize(
    ("doc", "kind"),
    [
        (event(antenna=2), ErrorKind.UNKNOWN_ANTENNA),
        (event(antenna="1"), ErrorKind.WRONG_TYPE),
        (event(idHex=None), ErrorKind.MISSING_FIELD),
        (event(idHex=5), ErrorKind.WRONG_TYPE),
        (event(idHex="307"), ErrorKind.BAD_EPC),
        ({"type": "INVENTORY"}, ErrorKind.MISSING_FIELD),
        ({"type": "INVENTORY", "data": "x"}, ErrorKind.WRONG_TYPE),
        ({"data": {}}, ErrorKind.MISSING_FIELD),
        ({"type": 3, "data": {}}, ErrorKind.WRONG_TYPE),
    ],
)
def test_a_single_bad_event_is_rejected_by_kind(decoder: ZebraDecoder, doc: Any, kind: ErrorKind) -> None:
    with pytest.raises(DecodeError) as err:
        decoder.decode(dumps(doc))
    assert err.value.kind is kind


def test_bad_reads_and_rssi_fall_back_instead_of_losing_the_read(decoder: ZebraDecoder) -> None:
    (read,) = decoder.decode(dumps(event(reads=0, peakRssi="loud"))).observations
    assert isinstance(read, TagRead) and (read.reads, read.rssi_dbm) == (1, None)


@pytest.mark.parametrize("payload", [b"{oops", b"42", b'"INVENTORY"'])
def test_not_an_event(decoder: ZebraDecoder, payload: bytes) -> None:
    with pytest.raises(DecodeError) as err:
        decoder.decode(payload)
    assert err.value.kind in {ErrorKind.MALFORMED_JSON, ErrorKind.WRONG_TYPE}
