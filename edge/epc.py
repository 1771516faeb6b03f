"""SGTIN-96 EPC <-> GTIN-14 (GS1 EPC Tag Data Standard, partition table in docs/formats.md §6)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NotSgtin96", "Sgtin96", "decode_sgtin96", "encode_sgtin96", "gtin_check_digit"]

SGTIN96_HEADER = 0x30
# partition -> (company prefix bits, prefix digits, item reference bits, item reference digits)
_PARTITIONS: dict[int, tuple[int, int, int, int]] = {
    0: (40, 12, 4, 1),
    1: (37, 11, 7, 2),
    2: (34, 10, 10, 3),
    3: (30, 9, 14, 4),
    4: (27, 8, 17, 5),
    5: (24, 7, 20, 6),
    6: (20, 6, 24, 7),
}
_SERIAL_BITS = 38


class NotSgtin96(ValueError):
    """The EPC is well-formed hex but not a valid SGTIN-96 (another header, a bad partition...)."""


@dataclass(frozen=True, slots=True)
class Sgtin96:
    filter: int
    company_prefix: str
    item_reference: str
    serial: int

    @property
    def gtin(self) -> str:
        body = self.item_reference[0] + self.company_prefix + self.item_reference[1:]
        return body + str(gtin_check_digit(body))

    @property
    def tag_uri(self) -> str:
        return f"urn:epc:tag:sgtin-96:{self.filter}.{self.company_prefix}.{self.item_reference}.{self.serial}"


def gtin_check_digit(digits: str) -> int:
    """GS1 mod-10 check digit for the digits before it (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def decode_sgtin96(epc_hex: str) -> Sgtin96:
    """Decode a 24-hex-digit EPC. Raises ``NotSgtin96`` for anything that is not merchandise."""
    if len(epc_hex) != 24:
        raise NotSgtin96(f"EPC is {len(epc_hex)} hex digits, SGTIN-96 has 24")
    try:
        value = int(epc_hex, 16)
    except ValueError as exc:
        raise NotSgtin96("EPC is not hexadecimal") from exc
    header = value >> 88
    if header != SGTIN96_HEADER:
        raise NotSgtin96(f"header 0x{header:02X} is not SGTIN-96")
    filter_value = (value >> 85) & 0x7
    partition = (value >> 82) & 0x7
    if partition not in _PARTITIONS:
        raise NotSgtin96("partition 7 is invalid")
    _, prefix_digits, item_bits, item_digits = _PARTITIONS[partition]
    rest = value & ((1 << 82) - 1)
    serial = rest & ((1 << _SERIAL_BITS) - 1)
    item = (rest >> _SERIAL_BITS) & ((1 << item_bits) - 1)
    prefix = rest >> (_SERIAL_BITS + item_bits)
    if prefix >= 10**prefix_digits or item >= 10**item_digits:
        raise NotSgtin96("company prefix or item reference has too many digits for its partition")
    return Sgtin96(
        filter=filter_value,
        company_prefix=str(prefix).zfill(prefix_digits),
        item_reference=str(item).zfill(item_digits),
        serial=serial,
    )


def encode_sgtin96(gtin: str, serial: int, *, company_prefix_digits: int = 7, filter_value: int = 1) -> str:
    """Encode a GTIN-14 (or GTIN-13/12, left-padded) and serial as upper-case SGTIN-96 hex."""
    gtin14 = gtin.zfill(14)
    if not gtin14.isdigit() or len(gtin14) != 14:
        raise ValueError(f"not a GTIN: {gtin!r}")
    if gtin_check_digit(gtin14[:13]) != int(gtin14[13]):
        raise ValueError(f"GTIN {gtin!r} has a wrong check digit")
    if not 0 <= serial < (1 << _SERIAL_BITS):
        raise ValueError("serial out of range for SGTIN-96")
    partition = next(p for p, spec in _PARTITIONS.items() if spec[1] == company_prefix_digits)
    prefix_bits, _, item_bits, _ = _PARTITIONS[partition]
    prefix = int(gtin14[1 : 1 + company_prefix_digits])
    item = int(gtin14[0] + gtin14[1 + company_prefix_digits : 13])
    value = SGTIN96_HEADER
    value = (value << 3) | filter_value
    value = (value << 3) | partition
    value = (value << prefix_bits) | prefix
    value = (value << item_bits) | item
    value = (value << _SERIAL_BITS) | serial
    return f"{value:024X}"
