"""The HTML pages: the fitting-room mirror (``/mirror/{room_id}?token=T``), the associate console
(``/associate``) and their static files (``/static/<name>``).

The pages are plain HTML, CSS and JS with no build step and nothing loaded from outside the edge. The
mirror page checks its device token before it renders: no token or an unknown one is a 401 page, a token
bound to another room a 403 page, a room the layout has no fitting room for a 404 page — each a readable
page for whoever stands at the screen, never a JSON error. The page then talks to ``/api/mirror`` and
``/ws/mirror`` with the same token.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from edge.errors import NotFound
from edge.layout import RoomKind
from edge.service import EdgeService
from edge.web.auth import MirrorTokenCheck, check_mirror_token
from edge.web.deps import ServiceDep

__all__ = ["STATIC_DIR", "TEMPLATE_DIR", "router"]

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png"}
# The pages embed no third-party content: the policy says so to the browser too.
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

router = APIRouter(tags=["pages"])


@lru_cache(maxsize=1)
def _asset_version() -> str:
    """A digest of the static files, so a new release busts every browser cache at once."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.iterdir()):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@lru_cache(maxsize=8)
def _template(name: str) -> Template:
    return Template((TEMPLATE_DIR / name).read_text(encoding="utf-8"))


def _render(name: str, status_code: int = 200, **values: str) -> HTMLResponse:
    """Fill a template; every value is HTML-escaped, so callers pass plain text."""
    escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
    body = _template(name).substitute(asset_version=_asset_version(), **escaped)
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _error_page(service: EdgeService, status_code: int, title: str, message: str, hint: str) -> HTMLResponse:
    return _render(
        "error.html",
        status_code,
        status=str(status_code),
        title=title,
        message=message,
        hint=hint,
        store_name=service.layout.store.name,
        context="Fitting-room mirror",
    )


@router.get("/mirror/{room_id}", response_class=HTMLResponse, include_in_schema=False)
async def mirror_page(
    room_id: str, service: ServiceDep, token: Annotated[str | None, Query(max_length=512)] = None
) -> HTMLResponse:
    """The mirror of one fitting room. 401 page without a valid token, 403 for another room's token,
    404 for a room that is not a fitting room of this store's layout."""
    room = service.layout.room(room_id)
    if room is None or room.kind is not RoomKind.FITTING_ROOM:
        return _error_page(
            service,
            404,
            "This mirror isn't linked to a fitting room",
            f"There is no fitting room “{room_id}” in this store.",
            "Ask the store team to check the mirror's address.",
        )
    if not token:
        return _error_page(
            service,
            401,
            "This mirror needs its device token",
            "The mirror's address must carry the token issued for this room.",
            "Ask the store team to set up the mirror again (fitroom-edge mirror-token).",
        )
    # A database read: off the event loop, where the WebSocket pushes run.
    outcome = await run_in_threadpool(check_mirror_token, service.db, room_id=room_id, token=token)
    if outcome is MirrorTokenCheck.UNKNOWN:
        return _error_page(
            service,
            401,
            "This mirror's token isn't recognised",
            "The token may have been replaced or withdrawn.",
            "Ask the store team to set up the mirror again (fitroom-edge mirror-token).",
        )
    if outcome is MirrorTokenCheck.OTHER_ROOM:
        return _error_page(
            service,
            403,
            "This mirror belongs to another room",
            f"Its token is not valid for {room.name}.",
            "Ask the store team to set up the mirror for this room.",
        )
    return _render(
        "mirror.html",
        room_id=room.id,
        room_name=room.name,
        store_name=service.layout.store.name,
        token=token,
    )


@router.get("/associate", response_class=HTMLResponse, include_in_schema=False)
async def associate_page(
    service: ServiceDep, associate: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    """The associate console: a sign-in form, then the live task queue. ``?associate=ID`` pre-fills the ID."""
    rooms = json.dumps({room.id: room.name for room in service.layout.rooms}, ensure_ascii=False)
    return _render(
        "associate.html", store_name=service.layout.store.name, prefill_id=associate or "", rooms=rooms
    )


@lru_cache(maxsize=64)
def _etag(path: Path, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:20]
    return f'"{digest}"'


@router.get("/static/{name}", include_in_schema=False)
async def static_file(name: str, request: Request) -> Response:
    """One file of the pages' own static folder; no sub-paths, no listing, nothing else on disk.

    Browsers revalidate (ETag, 304): the ES modules the pages import carry no version in their URL,
    so an upgraded edge must never be served from a stale cache."""
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in _STATIC_TYPES or not path.is_file():
        raise NotFound(f"no static file {name!r}")
    stat = path.stat()
    etag = _etag(path, stat.st_mtime_ns, stat.st_size)
    headers = {"Cache-Control": "no-cache", "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media_type = _STATIC_TYPES.get(path.suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers=headers)
