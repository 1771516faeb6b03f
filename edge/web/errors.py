"""The one place where domain errors (``edge.errors``) become HTTP: status, ``{"detail": message}`` and
the headers a client needs (``WWW-Authenticate`` for 401, ``Retry-After`` for 429)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from edge.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    PaymentRefused,
    TooManyAttempts,
    Unauthorized,
)

__all__ = ["STATUS", "install", "status_of"]

STATUS: dict[type[DomainError], int] = {
    Unauthorized: 401,
    PaymentRefused: 402,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
    TooManyAttempts: 429,
}


def status_of(exc: DomainError) -> int:
    """The HTTP status of a domain error (its nearest mapped class; 400 for a bare ``DomainError``)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _respond(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)  # registered for DomainError only
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after_s)
    return JSONResponse({"detail": str(exc)}, status_code=status_of(exc), headers=headers)


def install(app: FastAPI) -> None:
    """Answer every ``DomainError`` a route raises with its status and message."""
    app.add_exception_handler(DomainError, _respond)
