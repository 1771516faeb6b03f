"""What the shop's rules refuse, as a small hierarchy of domain errors.

Actions, the shared web context and data access raise these; they know nothing of HTTP. The web app maps
each class to one HTTP status in one handler (``edge.web.errors``); ``str(exc)`` is the message the
person who asked is shown, so it never carries an email address, a member id or a beacon code.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "PaymentRefused",
    "TooManyAttempts",
    "Unauthorized",
]


class DomainError(Exception):
    """A request the edge refuses; nothing of it was written."""


class NotFound(DomainError):
    """The thing asked for does not exist here (a room, a task...)."""


class Conflict(DomainError):
    """The thing is not in a state that allows the action (already bought, claimed by someone else...)."""


class Invalid(DomainError):
    """The request names something the action cannot use (an item not in the room, a sold-out size...)."""


class Unauthorized(DomainError):
    """Who is asking is unknown: no or an unknown token, a wrong PIN."""


class Forbidden(DomainError):
    """Who is asking is known but may not do this (another room's mirror, another origin)."""


class PaymentRefused(DomainError):
    """The payment provider declined; the message is the provider's, safe to show the shopper."""


class TooManyAttempts(DomainError):
    """Refused for now; may be tried again after ``retry_after_s`` seconds."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
