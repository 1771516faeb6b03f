"""SGTIN-96 <-> GTIN-14 (docs/formats.md §6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.epc import NotSgtin96, decode_sgtin96, encode_sgtin96, gtin_check_digit

CHECK_EPC = "3074257BF7194E4000001A85"


def test_check_value_from_the_formats_document() -> None:
    tag = decode_sgtin96(CHECK_EPC)
    assert tag.tag_uri == "urn:epc:tag:sgtin-96:3.0614141.812345.6789"
    assert tag.gtin == "80614141123458"
    assert tag.serial == 6789


def test_lower_case_hex_decodes_the_same() -> None:
    assert decode_sgtin96(CHECK_EPC.lower()).gtin == "80614141123458"


def test_gtin_check_digit_uses_weights_three_one_from_the_right() -> None:
    assert gtin_check_digit("8061414112345") == 8
    assert gtin_check_digit("0000000000000") == 0


@pytest.mark.parametrize("prefix_digits", [6, 7, 8, 9, 10, 11, 12])
def test_round_trip_for_every_partition(prefix_digits: int) -> None:
    body = "1" + "4006381" + "33393"  # indicator + a GS1 prefix + item ref (13 digits)
    gtin = body + str(gtin_check_digit(body))
    epc = encode_sgtin96(gtin, 123456, company_prefix_digits=prefix_digits)
    tag = decode_sgtin96(epc)
    assert tag.gtin == gtin
    assert tag.serial == 123456
    assert len(tag.company_prefix) == prefix_digits


@given(
    body=st.text(alphabet="0123456789", min_size=13, max_size=13),
    serial=st.integers(min_value=0, max_value=(1 << 38) - 1),
    prefix_digits=st.integers(min_value=6, max_value=12),
)
def test_round_trip_of_any_gtin_and_serial(body: str, serial: int, prefix_digits: int) -> None:
    gtin = body + str(gtin_check_digit(body))
    tag = decode_sgtin96(encode_sgtin96(gtin, serial, company_prefix_digits=prefix_digits))
    assert (tag.gtin, tag.serial) == (gtin, serial)


@pytest.mark.parametrize(
    "epc",
    [
        "E28011606000020D6842A5B1",  # a raw chip id (TID-style header)
        "35" + "0" * 22,  # GID-96 header: an employee badge, say
        "0" * 24,
    ],
)
def test_other_headers_are_not_merchandise(epc: str) -> None:
    with pytest.raises(NotSgtin96, match="header"):
        decode_sgtin96(epc)


def test_partition_seven_is_invalid() -> None:
    value = int(CHECK_EPC, 16)
    value = (value & ~(0b111 << 82)) | (0b111 << 82)
    with pytest.raises(NotSgtin96, match="partition 7"):
        decode_sgtin96(f"{value:024X}")


@pytest.mark.parametrize(
    "epc", ["3074257BF7194E4000001A", "3074257BF7194E4000001A8500", "3074257BF7194E4000001AZZ"]
)
def test_wrong_length_or_not_hex_is_rejected(epc: str) -> None:
    with pytest.raises(NotSgtin96):
        decode_sgtin96(epc)


def test_encode_refuses_a_wrong_check_digit() -> None:
    with pytest.raises(ValueError, match="check digit"):
        encode_sgtin96("80614141123457", 1)
