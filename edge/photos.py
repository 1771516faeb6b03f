"""Associates' photos for the mirrors: only a PNG or a JPEG of bounded size is accepted.

The file is read as bytes and checked by its structure, never by its name: a PNG's signature, its
``IHDR`` (with a valid CRC) first and ``IEND`` last; a JPEG's start-of-image, a start-of-frame segment
and end-of-image. The width and height come from those headers and are bounded too. Mirrors get the
bytes back only with this content type and ``nosniff`` (``edge.web.replies_api``).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

__all__ = ["MAX_BYTES", "MAX_SIDE", "CheckedPhoto", "PhotoRejected", "check_photo"]

MAX_BYTES = 512 * 1024
MAX_SIDE = 2048
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers (baseline, progressive, ...); not DHT (C4), JPG (C8) or DAC (CC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class PhotoRejected(ValueError):
    """Not a usable photo; the message says why."""


@dataclass(frozen=True, slots=True)
class CheckedPhoto:
    content_type: str  # image/png | image/jpeg
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_photo(data: bytes) -> CheckedPhoto:
    """The photo, checked; PhotoRejected for anything that is not a PNG or JPEG within the bounds."""
    if not data:
        raise PhotoRejected("the photo file is empty")
    if len(data) > MAX_BYTES:
        raise PhotoRejected(f"the photo is {len(data)} bytes; at most {MAX_BYTES} are accepted")
    if data.startswith(_PNG_SIGNATURE):
        width, height = _png_size(data)
        kind = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        width, height = _jpeg_size(data)
        kind = "image/jpeg"
    else:
        raise PhotoRejected("the photo must be a PNG or a JPEG")
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise PhotoRejected(f"the photo is {width}x{height}; each side must be 1 to {MAX_SIDE} pixels")
    return CheckedPhoto(content_type=kind, data=data, width=width, height=height)


def _png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 8 + 25 + 12:
        raise PhotoRejected("the PNG is cut short")
    length, kind = struct.unpack(">I4s", data[8:16])
    body = data[16 : 16 + length]
    if kind != b"IHDR" or length != 13:
        raise PhotoRejected("the PNG has no IHDR header first")
    (crc,) = struct.unpack(">I", data[16 + length : 20 + length])
    if zlib.crc32(kind + body) != crc:
        raise PhotoRejected("the PNG header is damaged (bad CRC)")
    if data[-12:] != b"\x00\x00\x00\x00IEND\xaeB`\x82":
        raise PhotoRejected("the PNG does not end with IEND (cut short?)")
    width, height = struct.unpack(">II", body[:8])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise PhotoRejected("the JPEG does not end with its end-of-image marker (cut short?)")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise PhotoRejected("the JPEG's segments are damaged")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            raise PhotoRejected("the JPEG's segments are damaged")
        if marker in _SOF:
            if i + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        if marker == 0xDA:  # start of scan before any frame header
            break
        i += 2 + length
    raise PhotoRejected("the JPEG has no frame header")
