"""Signing in to the head-office page (``/admin``) with the admin token, typed into a form: the answer is
an HttpOnly, SameSite=Strict cookie holding an expiry and its HMAC under the token (never the token, and
never a token in a URL). Rotating ``FITROOM_CENTRAL_ADMIN_TOKEN`` signs everyone out."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import parse_qs

from fastapi import Request, Response

__all__ = ["COOKIE", "TTL_S", "clear_cookie", "form_token", "set_cookie", "signed_in", "token_matches"]

COOKIE = "fitroom_admin"
TTL_S = 8 * 3600  # a working day
_PURPOSE = b"fitroom head-office page v1:"


def _mac(token: str, expires: int) -> str:
    return hmac.new(token.encode(), _PURPOSE + str(expires).encode(), hashlib.sha256).hexdigest()


def cookie_value(token: str, now: float) -> str:
    expires = int(now) + TTL_S
    return f"{expires}.{_mac(token, expires)}"


def signed_in(request: Request, token: str, now: float | None = None) -> bool:
    """The request carries a cookie this token signed that has not expired."""
    if not token:
        return False
    value = request.cookies.get(COOKIE, "")
    expires_s, _, mac = value.partition(".")
    if not expires_s.isdigit() or int(expires_s) < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(mac.encode(), _mac(token, int(expires_s)).encode())


def set_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        cookie_value(token, time.time()),
        max_age=TTL_S,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="strict")


async def form_token(request: Request) -> str:
    """The ``token`` field of a URL-encoded form body (the sign-in form), bounded in size."""
    body = await request.body()
    if len(body) > 4096:
        return ""
    values = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=4).get("token", [""])
    return values[0]


def token_matches(given: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())
