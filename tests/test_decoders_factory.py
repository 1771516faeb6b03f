"""Readers at factory settings (issue #15): Impinj base64url EPCs, default will and connect messages, a
store's own will words, antennas named rather than numbered, arrays of events."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from edge.decoders import DecodeError, ErrorKind, IgnoreReason, ImpinjDecoder, TopicRouter
from edge.decoders.fields import epc_from_base64
from edge.layout import LayoutError, parse_layout
from edge.reads import AntennaStatus, ReaderStatus, TagRead
from tests.decoder_support import CHECK_EPC, CHECK_GTIN, LAYOUT_DOC, dumps, small_layout

# Bytes whose base64 needs '-' and '_' (URL-safe) or '+' and '/' (standard): 0xFB 0xFF encodes as '-_8'.
AWKWARD_EPC = "FBFFE2801160600002051A0F"


def layout_with(reader_changes: dict[str, Any]) -> Any:
    doc = json.loads(json.dumps(LAYOUT_DOC))
    doc["readers"][0].update(reader_changes)
    return parse_layout(doc)


def impinj(layout: Any = None) -> ImpinjDecoder:
    layout = layout or small_layout()
    return ImpinjDecoder(next(r for r in layout.readers if r.id == "impinj-a"))


def tag(event: dict[str, Any]) -> bytes:
    return dumps(
        {"timestamp": "2026-05-01T12:00:00Z", "eventType": "tagInventory", "tagInventoryEvent": event}
    )


def test_formats_check_value_in_base64url_is_the_check_gtin() -> None:
    (read,) = impinj().decode(tag({"epc": "MHQle_cZTkAAABqF", "antennaPort": 1})).observations
    assert isinstance(read, TagRead)
    assert (read.epc, read.gtin) == (CHECK_EPC, CHECK_GTIN)


@pytest.mark.parametrize("padded", [True, False])
def test_url_safe_alphabet(padded: bool) -> None:
    text = base64.urlsafe_b64encode(bytes.fromhex(AWKWARD_EPC)).decode()
    assert "-" in text or "_" in text
    assert epc_from_base64(text if padded else text.rstrip("=")) == AWKWARD_EPC


@pytest.mark.parametrize("padded", [True, False])
def test_standard_alphabet(padded: bool) -> None:
    text = base64.b64encode(bytes.fromhex(AWKWARD_EPC)).decode()
    assert "+" in text or "/" in text
    assert epc_from_base64(text if padded else text.rstrip("=")) == AWKWARD_EPC


def test_unpadded_epc_of_odd_length_decodes() -> None:
    # 14 bytes: base64 needs padding; the reader may send it without.
    epc = "E2801160600002051A0F0011AAAA"[:28]
    text = base64.urlsafe_b64encode(bytes.fromhex(epc)).decode()
    assert text.endswith("=")
    assert epc_from_base64(text.rstrip("=")) == epc


@pytest.mark.parametrize("text", ["not base64!", "MHQle_cZTkAAABq", "M", "MHQle_cZ=TkAAABqF", "===="])
def test_text_that_is_not_an_epc_is_bad_epc(text: str) -> None:
    with pytest.raises(DecodeError) as err:
        epc_from_base64(text)
    assert err.value.kind is ErrorKind.BAD_EPC


@pytest.mark.parametrize(("payload", "online"), [(b"connection lost", False), (b"connected", True)])
def test_impinj_default_will_and_connect_messages_are_reader_status(payload: bytes, online: bool) -> None:
    router = TopicRouter(small_layout())
    (status,) = router.route("stores/s1/rfid/impinj-a/status").decode(payload).observations
    assert status == ReaderStatus("impinj-a", online)


def test_a_reader_names_its_own_will_and_connect_messages() -> None:
    layout = layout_with({"will_message": "Lesegerät weg", "connect_message": "Lesegerät da"})
    decoder = TopicRouter(layout).route("stores/s1/rfid/impinj-a/status")
    assert decoder.decode("Lesegerät weg".encode()).observations == [ReaderStatus("impinj-a", False)]
    assert decoder.decode("Lesegerät da\n".encode()).observations == [ReaderStatus("impinj-a", True)]
    # The usual words still work; words no one configured still do not.
    assert decoder.decode(b"offline").observations == [ReaderStatus("impinj-a", False)]
    with pytest.raises(DecodeError) as err:
        decoder.decode(b"bye")
    assert err.value.kind is ErrorKind.BAD_VALUE
    other = TopicRouter(small_layout()).route("stores/s1/rfid/impinj-a/status")
    with pytest.raises(DecodeError):
        other.decode("Lesegerät weg".encode())


def test_named_antennas_map_through_the_layout() -> None:
    layout = layout_with({"antennas": {"Dressing A": "fr-1", "Dressing B": "fr-2"}})
    decoder = impinj(layout)
    (a,) = decoder.decode(tag({"epc": "MHQle_cZTkAAABqF", "antennaName": "Dressing A"})).observations
    (b,) = decoder.decode(tag({"epc": "MHQle_cZTkAAABqF", "antennaName": "Dressing B"})).observations
    assert isinstance(a, TagRead) and isinstance(b, TagRead)
    assert (a.room_id, b.room_id) == ("fr-1", "fr-2")
    assert a.antenna != b.antenna and layout.readers[0].antenna_rooms()[a.antenna] == "fr-1"
    down = dumps(
        {"eventType": "antennaDisconnected", "antennaDisconnectedEvent": {"antennaName": "Dressing B"}}
    )
    assert decoder.decode(down).observations == [AntennaStatus("impinj-a", b.antenna, "fr-2", False)]
    # With the port on too, the name the layout maps decides (the same antenna number either way).
    (c,) = decoder.decode(
        tag({"epc": "MHQle_cZTkAAABqF", "antennaPort": 3, "antennaName": "Dressing A"})
    ).observations
    assert isinstance(c, TagRead) and (c.antenna, c.room_id) == (a.antenna, "fr-1")
    with pytest.raises(DecodeError) as err:
        decoder.decode(tag({"epc": "MHQle_cZTkAAABqF", "antennaName": "Stockroom"}))
    assert err.value.kind is ErrorKind.UNKNOWN_ANTENNA


def test_ports_and_names_mix_and_zebra_readers_cannot_name_antennas() -> None:
    layout = layout_with({"antennas": {"1": "fr-1", "Dressing B": "fr-2"}})
    decoder = impinj(layout)
    (a,) = decoder.decode(tag({"epc": "MHQle_cZTkAAABqF", "antennaPort": 1})).observations
    (b,) = decoder.decode(tag({"epc": "MHQle_cZTkAAABqF", "antennaName": "Dressing B"})).observations
    assert isinstance(a, TagRead) and isinstance(b, TagRead)
    assert (a.antenna, a.room_id, b.room_id) == (1, "fr-1", "fr-2")
    doc = json.loads(json.dumps(LAYOUT_DOC))
    doc["readers"][1]["antennas"] = {"Dock": "fr-3"}
    with pytest.raises(LayoutError, match=r"readers\[1\]\.antennas\.Dock"):
        parse_layout(doc)


def test_an_array_of_events_is_decoded_event_by_event() -> None:
    events = [
        {"eventType": "tagInventory", "tagInventoryEvent": {"epc": "MHQle_cZTkAAABqF", "antennaPort": 1}},
        {"eventType": "inventoryStatus", "inventoryStatusEvent": {"status": "running"}},
        {"eventType": "tagInventory", "tagInventoryEvent": {"epc": "not base64!", "antennaPort": 2}},
        {"eventType": "antennaDisconnected", "antennaDisconnectedEvent": {"antennaPort": 2}},
    ]
    result = impinj().decode(dumps(events))
    assert [type(o).__name__ for o in result.observations] == ["TagRead", "AntennaStatus"]
    assert [e.kind for e in result.errors] == [ErrorKind.BAD_EPC]
    assert "event[2]" in result.errors[0].message
    assert list(result.ignored) == [IgnoreReason.READER_EVENT]
    assert impinj().decode(b"[]").ignored == (IgnoreReason.EMPTY_BATCH,)
