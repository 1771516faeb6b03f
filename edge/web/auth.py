"""Who may do what: mirror device tokens (one room each) and associate sign-in (PIN, then a token).

- A mirror token is a random secret; only its SHA-256 is stored (it has 256 bits of entropy, so a fast
  hash is enough). A token of another room is refused with 403, a missing or unknown one with 401.
- An associate's PIN is stored as a salted scrypt hash (slow on purpose: PINs are short). Signing in
  gives a random token, sent back as the HttpOnly cookie ``fitroom_associate`` and in the body for
  ``Authorization: Bearer``. Repeated wrong PINs for one associate are throttled (429).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.engine import Engine
from sqlmodel import Session

from edge.storage.access import (
    add_mirror_device,
    end_sign_in,
    find_mirror_device,
    find_sign_in,
    get_associate,
    record_sign_in,
    upsert_associate,
)

__all__ = [
    "COOKIE_NAME",
    "SIGN_IN_TTL_S",
    "MirrorTokenCheck",
    "SignInThrottle",
    "SignedInAssociate",
    "add_associate",
    "associate_for_token",
    "bearer_token",
    "check_mirror_token",
    "hash_pin",
    "issue_mirror_token",
    "sign_in",
    "sign_out",
    "token_hash",
    "valid_pin",
    "verify_pin",
]

COOKIE_NAME = "fitroom_associate"
SIGN_IN_TTL_S = 12 * 3600.0  # one shift
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class MirrorTokenCheck(Enum):
    OK = "ok"
    UNKNOWN = "unknown"  # -> 401
    OTHER_ROOM = "other_room"  # -> 403


@dataclass(frozen=True, slots=True)
class SignedInAssociate:
    id: str
    first_name: str
    token_hash: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


# -- PINs -------------------------------------------------------------------------------------------


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
            now=time.time(),
        )
        session.commit()


class SignInThrottle:
    """At most ``limit`` wrong PINs per associate id in ``window_s``; then sign-in is refused until the
    oldest failure ages out. Thread-safe (sign-in runs in the thread pool)."""

    def __init__(self, limit: int = 5, window_s: float = 300.0) -> None:
        self._limit = limit
        self._window = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, associate_id: str, now: float) -> float:
        """Seconds until another attempt is allowed; 0 when it is allowed now."""
        with self._lock:
            failures = self._prune(associate_id, now)
            if len(failures) < self._limit:
                return 0.0
            return max(0.0, failures[0] + self._window - now)

    def failed(self, associate_id: str, now: float) -> None:
        with self._lock:
            self._prune(associate_id, now).append(now)

    def succeeded(self, associate_id: str) -> None:
        with self._lock:
            self._failures.pop(associate_id, None)

    def _prune(self, associate_id: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(associate_id, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures


def sign_in(
    engine: Engine, *, associate_id: str, pin: str, now: float
) -> tuple[str, SignedInAssociate] | None:
    """A new sign-in token for a right PIN of an active associate, else None."""
    with Session(engine) as session:
        associate = get_associate(session=session, associate_id=associate_id)
        if associate is None:
            # Spend the same time as a real check, so timing does not reveal which ids exist.
            verify_pin(pin, hash_pin("0000"))
            return None
        if not verify_pin(pin, associate.pin_hash):
            return None
        token = secrets.token_urlsafe(32)
        hashed = token_hash(token)
        record_sign_in(
            session=session,
            associate_id=associate.id,
            token_hash=hashed,
            now=now,
            expires_at=now + SIGN_IN_TTL_S,
        )
        first_name = associate.first_name
        session.commit()
        return token, SignedInAssociate(associate_id, first_name, hashed)


def associate_for_token(engine: Engine, token: str, *, now: float) -> SignedInAssociate | None:
    hashed = token_hash(token)
    with Session(engine) as session:
        associate = find_sign_in(session=session, token_hash=hashed, now=now)
        if associate is None:
            return None
        return SignedInAssociate(associate.id, associate.first_name, hashed)


def sign_out(engine: Engine, *, hashed_token: str, now: float) -> None:
    with Session(engine) as session:
        end_sign_in(session=session, token_hash=hashed_token, now=now)
        session.commit()


# -- mirror devices ---------------------------------------------------------------------------------


def issue_mirror_token(engine: Engine, room_id: str, *, label: str = "") -> str:
    """A new device token for ``room_id`` (returned once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        add_mirror_device(
            session=session, room_id=room_id, token_hash=token_hash(token), label=label, now=time.time()
        )
        session.commit()
    return token


def check_mirror_token(engine: Engine, *, room_id: str, token: str | None) -> MirrorTokenCheck:
    """OK for a live token of ``room_id``; OTHER_ROOM for another room's; UNKNOWN otherwise."""
    if not token or len(token) > 512:
        return MirrorTokenCheck.UNKNOWN
    with Session(engine) as session:
        device = find_mirror_device(session=session, token_hash=token_hash(token))
    if device is None:
        return MirrorTokenCheck.UNKNOWN
    if not hmac.compare_digest(device.room_id, room_id):
        return MirrorTokenCheck.OTHER_ROOM
    return MirrorTokenCheck.OK
