"""Payment for purchases made at the mirror and for ship-to-home orders: pluggable providers.

Purchases: the default provider, ``PayAtBagDesk``, takes no money: it records that the shopper pays at the
bag desk when an associate hands over the bag. A store with in-room payment (a terminal on the mirror, a
wallet link) implements ``PaymentProvider`` and hands it to the web layer. The edge calls ``authorize``
before it writes the purchase; a ``PaymentDeclined`` leaves nothing written.

Ship-to-home orders: without a ``CheckoutProvider`` the bag desk takes payment and the delivery address.
With one configured (``FITROOM_PAYMENT_URL``, edge/checkout_http.py), the edge opens a hosted checkout per
order, the mirror shows its page as a QR code for the shopper's phone, and the provider's signed callback
(``POST /api/payments/callback``) says whether it was paid. The address stays with the provider: the
e-commerce system looks it up by the payment reference the order carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "SIGNATURE_HEADER",
    "Checkout",
    "CheckoutProvider",
    "CheckoutUnavailable",
    "PayAtBagDesk",
    "PaymentDeclined",
    "PaymentProvider",
    "PaymentResult",
]


@dataclass(frozen=True, slots=True)
class PaymentResult:
    method: str  # what the mirror and the bag task show, e.g. "pay_at_bag_desk"
    reference: str | None = None  # the provider's transaction reference, if any


class PaymentDeclined(Exception):
    """The provider refused the payment; the message is safe to show the shopper."""


class PaymentProvider(Protocol):
    def authorize(self, *, amount_cents: int, currency: str, reference: str) -> PaymentResult:
        """Take or reserve the payment for ``reference``; raise ``PaymentDeclined`` to refuse."""
        ...


class PayAtBagDesk:
    """Nothing is charged in the room: the shopper pays when the bag is handed over."""

    method = "pay_at_bag_desk"

    def authorize(self, *, amount_cents: int, currency: str, reference: str) -> PaymentResult:
        if amount_cents < 0:
            raise PaymentDeclined("a purchase cannot have a negative total")
        return PaymentResult(method=self.method)


# The callback's signature: ``sha256=<hex HMAC-SHA256 of the raw body under the shared secret>``.
SIGNATURE_HEADER = "X-Fitroom-Signature"


@dataclass(frozen=True, slots=True)
class Checkout:
    """A hosted checkout the provider opened for one order: its id and the page the shopper pays on."""

    id: str
    url: str


class CheckoutUnavailable(Exception):
    """The provider could not open a checkout (unreachable, refused); the bag desk takes the payment."""


class CheckoutProvider(Protocol):
    method: str  # recorded on the order, e.g. "hosted_checkout"

    def start(self, *, reference: str, amount_cents: int, currency: str, description: str) -> Checkout:
        """Open a checkout for order ``reference``; raise ``CheckoutUnavailable`` when it cannot."""
        ...

    def verify(self, body: bytes, signature: str | None) -> bool:
        """True when ``signature`` (the callback's ``X-Fitroom-Signature``) signs ``body``."""
        ...
