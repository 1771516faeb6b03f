"""Small, fast, defensive field readers shared by the decoders.

Required fields raise ``DecodeError`` (``missing_field`` / ``wrong_type`` / ``bad_value``). Optional
fields of the wrong type are treated as absent: new firmware adds and reshapes fields, and a read is not
lost over a field we do not need. JSON booleans are never numbers here, and NaN/Infinity are never values.
"""

from __future__ import annotations

import binascii
import json
import math
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from edge.decoders.errors import DecodeError, ErrorKind
from edge.epc import NotSgtin96, decode_sgtin96

__all__ = [
    "classify_epc",
    "epc_from_base64",
    "load_json",
    "opt_number",
    "parse_timestamp",
    "require_int",
    "require_object",
    "require_str",
]

# EPC banks hold whole 16-bit words; the longest EPC the Gen2 PC word can announce is 496 bits.
_HEX_EPC = re.compile(r"[0-9A-Fa-f]{4,124}")
_MAX_EPC_BYTES = 62


_decode_json = json.JSONDecoder().decode
_UTF8_BOM = b"\xef\xbb\xbf"


def load_json(payload: bytes) -> Any:
    """Parse a payload as UTF-8 JSON (a leading BOM is allowed); anything else is ``malformed_json``."""
    if payload.startswith(_UTF8_BOM):
        payload = payload[3:]
    try:
        # Decoding the bytes ourselves skips json.loads' encoding sniffing: devices send UTF-8.
        return _decode_json(payload.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise DecodeError(ErrorKind.MALFORMED_JSON, f"not JSON: {type(exc).__name__}") from None


def require_object(value: Any, what: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise DecodeError(ErrorKind.WRONG_TYPE, f"{what} must be a JSON object, got {_json_type(value)}")
    return value


def require_str(obj: dict[str, Any], key: str, what: str) -> str:
    value = obj.get(key)
    if type(value) is str:
        return value
    if value is None:
        raise DecodeError(ErrorKind.MISSING_FIELD, f"{what}.{key} is missing")
    raise DecodeError(ErrorKind.WRONG_TYPE, f"{what}.{key} must be a string, got {_json_type(value)}")


def require_int(obj: dict[str, Any], key: str, what: str) -> int:
    value = obj.get(key)
    if type(value) is int:
        return value
    if value is None:
        raise DecodeError(ErrorKind.MISSING_FIELD, f"{what}.{key} is missing")
    raise DecodeError(ErrorKind.WRONG_TYPE, f"{what}.{key} must be an integer, got {_json_type(value)}")


def opt_number(obj: dict[str, Any], key: str) -> float | None:
    """A finite JSON number, or None when absent or not a number."""
    value: Any = obj.get(key)
    tp = type(value)
    if tp is int:
        return float(value)
    if tp is float and math.isfinite(value):
        return float(value)
    return None


def parse_timestamp(value: Any) -> float | None:
    """RFC 3339 / ISO 8601 with an offset (``Z``, ``+03:00`` or Zebra's ``+0300``) -> Unix seconds.

    Up to 9 fractional digits are accepted (nanoseconds beyond the microsecond are dropped). A missing,
    zone-less or unparseable timestamp gives None: reader time is data, never the clock.
    """
    if type(value) is not str or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


@lru_cache(maxsize=1 << 16)
def classify_epc(epc_hex: str) -> tuple[str, str | None, int | None]:
    """Hex EPC -> (upper-case hex, GTIN-14, serial); GTIN and serial are None for non-SGTIN-96 EPCs.

    Raises ``DecodeError(bad_epc)`` when the text is not an EPC at all. Cached: shelves of tags repeat.
    """
    if _HEX_EPC.fullmatch(epc_hex) is None or len(epc_hex) % 4:
        raise DecodeError(ErrorKind.BAD_EPC, f"EPC is not whole 16-bit words of hex ({len(epc_hex)} chars)")
    upper = epc_hex.upper()
    try:
        sgtin = decode_sgtin96(upper)
    except NotSgtin96:
        return upper, None, None
    return upper, sgtin.gtin, sgtin.serial


_URLSAFE = bytes.maketrans(b"-_", b"+/")
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


@lru_cache(maxsize=1 << 12)
def epc_from_base64(text: str) -> str:
    """Impinj's ``epc`` field (base64 of the EPC bytes) -> upper-case hex. Raises ``DecodeError(bad_epc)``.

    R700 firmware sends base64url (``-`` and ``_``, docs/formats.md §1); the standard alphabet
    (``+`` and ``/``) is accepted too, padded or not. One text mixing both alphabets is still one EPC:
    the two alphabets differ only in those two characters, so there is no ambiguity.
    """
    if _BASE64_TEXT.fullmatch(text) is None:
        raise DecodeError(ErrorKind.BAD_EPC, "epc is not base64")
    body = text.rstrip("=").encode("ascii").translate(_URLSAFE)
    if len(body) % 4 == 1:
        raise DecodeError(ErrorKind.BAD_EPC, "epc is not base64 (truncated)")
    try:
        raw = binascii.a2b_base64(body + b"=" * (-len(body) % 4), strict_mode=True)
    except (binascii.Error, ValueError):
        raise DecodeError(ErrorKind.BAD_EPC, "epc is not base64") from None
    if not raw or len(raw) % 2 or len(raw) > _MAX_EPC_BYTES:
        raise DecodeError(ErrorKind.BAD_EPC, f"epc is {len(raw)} bytes, not whole 16-bit words")
    return raw.hex().upper()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
