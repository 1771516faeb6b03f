"""The one place where domain errors (``edge.errors``) become HTTP: status, ``{"detail": message}`` and
the headers a client needs (``WWW-Authenticate`` for 401, ``Retry-After`` for 429)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

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
from edge.storage.health import DISK_FULL_MESSAGE, DiskFull, is_disk_full

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


def _storage(_request: Request, exc: Exception) -> JSONResponse:
    """The database refused (its transaction rolled back, nothing of the request written): 507 when the
    disk is full, 503 for anything else that keeps it from working (locked too long, an I/O error)."""
    if is_disk_full(exc):
        return JSONResponse({"detail": DISK_FULL_MESSAGE}, status_code=507)
    reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
    return JSONResponse({"detail": f"the edge's database is unavailable: {reason}"}, status_code=503)


def install(app: FastAPI) -> None:
    """Answer every ``DomainError`` a route raises with its status and message, and a database that
    refuses a request's write with 507 (disk full) or 503."""
    app.add_exception_handler(DomainError, _respond)
    app.add_exception_handler(OperationalError, _storage)
    app.add_exception_handler(DiskFull, _storage)
