"""Who may do what: mirror device tokens (one room each) and associate sign-in (PIN, then a token).

- A token of another room is refused with 403, a missing or unknown one with 401.
- Signing in with the right PIN gives a random token, sent back as the HttpOnly cookie
  ``fitroom_associate`` and in the body for ``Authorization: Bearer``. Repeated wrong PINs for one
  associate are throttled (429).

How PINs and tokens are hashed and created is ``edge.credentials`` (no web there).
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.engine import Engine
from sqlmodel import Session

from edge.credentials import hash_pin, token_hash, verify_pin
from edge.storage.access import end_sign_in, find_mirror_device, find_sign_in, get_associate, record_sign_in

__all__ = [
    "COOKIE_NAME",
    "SIGN_IN_TTL_S",
    "MirrorTokenCheck",
    "SignInThrottle",
    "SignedInAssociate",
    "associate_for_token",
    "bearer_token",
    "check_mirror_token",
    "sign_in",
    "sign_out",
]

COOKIE_NAME = "fitroom_associate"
SIGN_IN_TTL_S = 12 * 3600.0  # one shift


class MirrorTokenCheck(Enum):
    OK = "ok"
    UNKNOWN = "unknown"  # -> 401
    OTHER_ROOM = "other_room"  # -> 403


@dataclass(frozen=True, slots=True)
class SignedInAssociate:
    id: str
    first_name: str
    token_hash: str


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


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
