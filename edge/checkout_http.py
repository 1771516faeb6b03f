"""The hosted checkout over HTTP (docs/payments.md): the ``CheckoutProvider`` a store configures with
``FITROOM_PAYMENT_URL`` and ``FITROOM_PAYMENT_SECRET``.

``start`` POSTs ``{reference, amount_cents, currency, description, collect: ["shipping_address"]}`` to
``<FITROOM_PAYMENT_URL>/checkouts``, signed (``X-Fitroom-Signature``) and keyed (``Idempotency-Key``: the
order id, so a retried call opens no second checkout), and expects ``{"id", "url"}`` back. Anything else,
or no answer within the timeout, is ``CheckoutUnavailable``: the order goes to the bag desk instead.
The provider's callbacks are checked with the same secret (``verify``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import httpx

from edge.payments import SIGNATURE_HEADER, Checkout, CheckoutUnavailable

__all__ = ["HostedCheckout"]

log = logging.getLogger(__name__)


class HostedCheckout:
    method = "hosted_checkout"

    def __init__(self, base_url: str, secret: str, *, timeout_s: float = 5.0) -> None:
        self._url = base_url.rstrip("/") + "/checkouts"
        self._secret = secret
        self._timeout_s = timeout_s
        # Plain http only where the settings allowed it for the provider itself (a loopback one, not in
        # production): a checkout page a shopper's phone opens is https everywhere else.
        self._plain_ok = base_url.lower().startswith("http://")

    def start(self, *, reference: str, amount_cents: int, currency: str, description: str) -> Checkout:
        body = json.dumps(
            {
                "reference": reference,
                "amount_cents": amount_cents,
                "currency": currency,
                "description": description,
                "collect": ["shipping_address"],
            },
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: self._sign(body),
            "Idempotency-Key": reference,
        }
        try:
            response = httpx.post(self._url, content=body, headers=headers, timeout=self._timeout_s)
        except httpx.HTTPError as exc:
            problem = type(exc).__name__
            log.warning("payment provider unreachable (%s): the bag desk takes this order", problem)
            raise CheckoutUnavailable("the payment provider is unreachable") from None
        if not response.is_success:
            log.warning("payment provider answered %s: the bag desk takes this order", response.status_code)
            raise CheckoutUnavailable(f"the payment provider answered {response.status_code}")
        try:
            answer = response.json()
            checkout = Checkout(id=str(answer["id"]), url=str(answer["url"]))
        except (ValueError, KeyError, TypeError):
            log.warning("payment provider's answer has no checkout id and url: the bag desk takes this order")
            raise CheckoutUnavailable("the payment provider's answer was not understood") from None
        if not (
            checkout.url.startswith("https://") or (self._plain_ok and checkout.url.startswith("http://"))
        ):
            log.warning("payment provider's checkout page is not https: the bag desk takes this order")
            raise CheckoutUnavailable("the checkout page is not served over https")
        if not 0 < len(checkout.id) <= 128 or len(checkout.url) > 2048:
            log.warning("payment provider's checkout id or url is too long: the bag desk takes this order")
            raise CheckoutUnavailable("the payment provider's answer was not understood")
        return checkout

    def verify(self, body: bytes, signature: str | None) -> bool:
        return bool(signature) and hmac.compare_digest(self._sign(body), (signature or "").strip())

    def _sign(self, body: bytes) -> str:
        # The same scheme as the central store's webhooks (cloud_sync/central/webhooks.py), kept apart by the
        # dependency rule: the edge attaches cloud_sync only in its composition root.
        return "sha256=" + hmac.new(self._secret.encode(), body, hashlib.sha256).hexdigest()
