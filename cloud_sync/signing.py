"""``X-Fitroom-Signature: sha256=<hex>``: HMAC-SHA256 of a request body under a shared secret.

The central store signs its webhooks with it (``cloud_sync.central.webhooks``); the edge signs its calls to
a payment provider and checks the provider's callbacks with it (``edge.checkout_http``).
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["HEADER", "sign", "verify"]

HEADER = "X-Fitroom-Signature"


def sign(secret: str, body: bytes) -> str:
    """The header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """True when ``signature`` is ``body``'s under ``secret`` (compared in constant time)."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip())
