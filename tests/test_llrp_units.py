"""LLRP readers without a network: the layout keys, the channel decoder, routing and the reconnect backoff."""

from __future__ import annotations

import random
from typing import Any

import pytest

from edge.decoders.errors import DecodeError, ErrorKind, IgnoreReason
from edge.decoders.llrp import LlrpTagDecoder, antenna_event_payload, tag_report_payload
from edge.decoders.router import TopicRouter
from edge.ingest.llrp import backoff_delay
from edge.layout import LayoutError, ReaderFormat, parse_layout
from edge.reads import AntennaStatus, ReaderStatus, TagRead

EPC = "3074257BF7194E4000001A85"  # docs/formats.md §6 check value: GTIN 80614141123458, serial 6789


def layout(*readers: dict[str, Any]) -> Any:
    return parse_layout(
        {
            "store": {"id": "s", "name": "S"},
            "rooms": [{"id": "fr-1", "name": "F1"}, {"id": "fr-2", "name": "F2"}],
            "readers": list(readers),
        }
    )


LLRP = {"id": "speedway-a", "format": "llrp", "host": "10.0.0.7", "antennas": {"1": "fr-1", "2": "fr-2"}}


def test_an_llrp_reader_takes_host_and_the_default_port_5084() -> None:
    reader = layout(LLRP).readers[0]
    assert reader.format is ReaderFormat.LLRP and reader.is_llrp
    assert (reader.host, reader.port) == ("10.0.0.7", 5084)
    assert reader.topic == "llrp/speedway-a" and reader.status_topic == "llrp/speedway-a/status"
    assert layout({**LLRP, "port": 5085}).readers[0].port == 5085


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"host": None}, "host"),
        ({"topic": "stores/s/rfid/x"}, "topic"),
        ({"will_topic": "x/status"}, "will_topic"),
        ({"port": 0}, "port"),
        ({"port": "5084x"}, "port"),
    ],
)
def test_a_bad_llrp_reader_is_an_error_naming_the_key(change: dict[str, Any], named: str) -> None:
    spec = {k: v for k, v in {**LLRP, **change}.items() if v is not None}
    with pytest.raises(LayoutError) as err:
        layout(spec)
    assert "readers[0]" in str(err.value) and named in str(err.value)


def test_host_and_port_belong_to_llrp_readers_only() -> None:
    mqtt = {"id": "r", "format": "impinj_iot", "topic": "t/r", "antennas": {"1": "fr-1"}, "host": "h"}
    with pytest.raises(LayoutError, match=r"readers\[0\].*host: only llrp readers"):
        layout(mqtt)


def test_llrp_channels_are_routed_but_never_subscribed() -> None:
    mqtt = {"id": "r", "format": "impinj_iot", "topic": "t/r", "antennas": {"1": "fr-1"}}
    router = TopicRouter(layout(LLRP, mqtt))
    assert router.subscriptions() == ["t/r", "t/r/status"]
    assert isinstance(router.route("llrp/speedway-a"), LlrpTagDecoder)
    status = router.route("llrp/speedway-a/status").decode(b"offline")
    assert list(status.observations) == [ReaderStatus("speedway-a", False)]


def test_a_tag_report_decodes_to_the_same_tag_read_as_an_mqtt_reader_gives() -> None:
    decoder = LlrpTagDecoder(layout(LLRP).readers[0])
    result = decoder.decode(tag_report_payload(2, EPC.lower(), -53.25, 1_795_000_003_888_000))
    assert list(result.observations) == [
        TagRead("speedway-a", 2, "fr-2", EPC, "80614141123458", 6789, -53.25, 1, 1_795_000_003.888)
    ]
    bare = decoder.decode(b'{"AntennaID":1,"EPC":"E2801160600002054E2A3B1C"}').observations[0]
    assert isinstance(bare, TagRead) and bare.gtin is None and bare.rssi_dbm is None


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (b'{"AntennaID":3,"EPC":"' + EPC.encode() + b'"}', ErrorKind.UNKNOWN_ANTENNA),
        (b'{"AntennaID":1}', ErrorKind.MISSING_FIELD),
        (b'{"AntennaID":"1","EPC":"' + EPC.encode() + b'"}', ErrorKind.WRONG_TYPE),
        (b'{"AntennaID":1,"EPC":"XYZ"}', ErrorKind.BAD_EPC),
        (b"\x01\x02", ErrorKind.MALFORMED_JSON),
    ],
)
def test_a_bad_tag_report_is_a_typed_decode_error(payload: bytes, kind: ErrorKind) -> None:
    with pytest.raises(DecodeError) as err:
        LlrpTagDecoder(layout(LLRP).readers[0]).decode(payload)
    assert err.value.kind is kind


def test_reconnect_backoff_doubles_is_jittered_and_capped() -> None:
    rng = random.Random(7)
    delays = [[backoff_delay(n, 1.0, 30.0, rng) for _ in range(200)] for n in range(8)]
    for n, draws in enumerate(delays):
        ceiling = min(30.0, 2.0**n)
        assert all(ceiling / 2 <= d <= ceiling for d in draws)
        assert max(draws) - min(draws) > ceiling / 4  # spread out, not lockstep
    assert max(backoff_delay(60, 1.0, 30.0, rng) for _ in range(100)) <= 30.0


def test_an_antenna_event_decodes_to_an_antenna_status_of_its_room() -> None:
    decoder = LlrpTagDecoder(layout(LLRP).readers[0])
    down = decoder.decode(antenna_event_payload(2, connected=False)).observations
    assert list(down) == [AntennaStatus("speedway-a", 2, "fr-2", False)]
    up = decoder.decode(antenna_event_payload(2, connected=True)).observations
    assert list(up) == [AntennaStatus("speedway-a", 2, "fr-2", True)]
    unmapped = decoder.decode(antenna_event_payload(4, connected=False))
    assert not unmapped.observations and list(unmapped.ignored) == [IgnoreReason.READER_EVENT]
    with pytest.raises(DecodeError) as err:
        decoder.decode(b'{"AntennaEvent":{"AntennaID":1,"EventType":"Antenna_Melted"}}')
    assert err.value.kind is ErrorKind.BAD_VALUE


def test_two_llrp_readers_on_one_address_are_an_error_naming_the_second() -> None:
    other = {**LLRP, "id": "speedway-b", "antennas": {"1": "fr-1"}}
    named = r"readers\[1\]\.host: 10\.0\.0\.7:5084 is also reader 'speedway-a'"
    with pytest.raises(LayoutError, match=named):
        layout(LLRP, other)
    assert len(layout(LLRP, {**other, "port": 5085}).readers) == 2
