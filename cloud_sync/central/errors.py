"""Answers for errors the database raises about a request's data.

A value the database cannot hold (a NUL character in a text, a number beyond its column's range) is the
client's mistake: 422 with what was wrong, not a 500. The request's transaction is rolled back (the session
closes without a commit), so a refused request writes nothing.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from sqlalchemy.exc import TimeoutError as PoolTimeout

__all__ = ["install_error_handlers"]


def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    orig = getattr(exc, "orig", None)
    reason = str(orig if orig is not None else exc).strip().splitlines()
    detail = f"a value cannot be stored: {reason[0] if reason else type(exc).__name__}"
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _pool_timeout(_request: Request, _exc: Exception) -> JSONResponse:
    # Every database connection is busy: a moment's overload, not the request's fault; come back soon.
    return JSONResponse(
        {"detail": "busy: retry later"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
