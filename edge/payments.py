"""Payment for purchases made at the mirror: a pluggable provider.

The default provider, ``PayAtBagDesk``, takes no money: it records that the shopper pays at the bag desk
when an associate hands over the bag. A store with in-room payment (a terminal on the mirror, a wallet
link) implements ``PaymentProvider`` and hands it to the web layer. The edge calls ``authorize`` before it
writes the purchase; a ``PaymentDeclined`` leaves nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["PayAtBagDesk", "PaymentDeclined", "PaymentProvider", "PaymentResult"]


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
