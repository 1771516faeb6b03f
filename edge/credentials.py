"""Associates' PINs and mirror device tokens, as stored: hashing, checking, and creating them.

- An associate's PIN is stored as a salted scrypt hash (slow on purpose: PINs are short).
- A mirror token is a random secret; only its SHA-256 is stored (it has 256 bits of entropy, so a fast
  hash is enough).

No web here: the ``fitroom-edge add-associate`` and ``mirror-token`` commands, the demo and the web
layer's sign-in (``edge.web.auth``) all use these.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy.engine import Engine
from sqlmodel import Session

from edge import clock
from edge.storage.access import add_mirror_device, find_mirror_device, upsert_associate
from edge.storage.models import Associate

__all__ = ["add_associate", "hash_pin", "issue_mirror_token", "token_hash", "valid_pin", "verify_pin"]

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_pin(pin: str) -> bool:
    """A PIN is 4 to 12 digits."""
    return pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12


def hash_pin(pin: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) of a PIN with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches the stored hash; compares in constant time; False for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def add_associate(engine: Engine, *, associate_id: str, first_name: str, pin: str) -> None:
    """Create or update an associate with a hashed PIN. Raises ValueError for a bad id, name or PIN."""
    if (
        not associate_id
        or len(associate_id) > 64
        or not associate_id.replace("-", "").replace("_", "").isalnum()
    ):
        raise ValueError("associate id must be 1-64 letters, digits, '-' or '_'")
    if not first_name.strip() or len(first_name) > 64:
        raise ValueError("first name must be 1-64 characters")
    if not valid_pin(pin):
        raise ValueError("PIN must be 4 to 12 digits")
    with Session(engine) as session:
        upsert_associate(
            session=session,
            associate_id=associate_id,
            first_name=first_name.strip(),
            pin_hash=hash_pin(pin),
            now=clock.now(),
        )
        session.commit()


def issue_mirror_token(engine: Engine, room_id: str, *, label: str = "") -> str:
    """A new device token for ``room_id`` (returned once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        add_mirror_device(
            session=session, room_id=room_id, token_hash=token_hash(token), label=label, now=clock.now()
        )
        session.commit()
    return token


DISPLAY = "display:"  # a display's device row names it "display:<name>": no room, so no mirror accepts it


def issue_display_token(engine: Engine, name: str) -> str:
    """A new device token for a store display (the entrance's queue screen), returned once."""
    if not name or len(name) > 40 or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError("display name must be 1-40 letters, digits, '-' or '_'")
    token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        add_mirror_device(
            session=session, room_id=DISPLAY + name, token_hash=token_hash(token), label=name, now=clock.now()
        )
        session.commit()
    return token


def display_of(engine: Engine, token: str | None) -> str | None:
    """The display a token belongs to (not revoked), or None."""
    if not token or len(token) > 512:
        return None
    with Session(engine) as session:
        device = find_mirror_device(session=session, token_hash=token_hash(token))
    if device is None or not device.room_id.startswith(DISPLAY):
        return None
    return device.room_id.removeprefix(DISPLAY)


ROLES = ("associate", "manager")


def set_role(engine: Engine, associate_id: str, role: str) -> None:
    """Give an existing associate a role: "associate" or "manager" (managers see the /manager figures)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with Session(engine) as session:
        row = session.get(Associate, associate_id)
        if row is None:
            raise ValueError(f"no associate {associate_id}")
        row.role = role
        session.add(row)
        session.commit()
