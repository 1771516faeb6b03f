"""Email-only shoppers (no loyalty member id): the pseudonym they are filed under, and the address check.

Shared by the edge and the central store (which imports nothing of the edge), like ``catalog``.

The pseudonym is what the central store files such a shopper under and what its erasure feed names; edges
compute it from the address they hold to honour that erasure. It is a hash: the centre can remember whom
it erased without keeping the address.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["GUEST_PREFIX", "guest_member_id", "looks_like_email"]

GUEST_PREFIX = "guest-"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def guest_member_id(email: str) -> str:
    """``guest-`` and 32 hex digits of the SHA-256 of the trimmed, lower-cased address (stable forever:
    it names erasures already published)."""
    return GUEST_PREFIX + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def looks_like_email(value: str) -> bool:
    """One ``@``, a dotted domain, no spaces: the address a mirror accepts."""
    return _EMAIL.fullmatch(value) is not None
