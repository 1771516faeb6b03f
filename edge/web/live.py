"""The live WebSockets: ``/ws/mirror/{room_id}?token=T`` and ``/ws/associate`` (docs/mirror-api.md).

Each connection gets the full view on connect and again on every change: the bus topics
``room_changed`` (room id) and ``tasks_changed`` wake the connections concerned. A wake-up is an
``asyncio.Event``, so a burst of changes collapses into one push of the latest view. Views are built in
the thread pool; the event loop only sends.

A mirror with no or an unknown token is refused with HTTP 401 (another room's token: 403) before the
WebSocket opens; the console needs the sign-in cookie (or ``?token=``) and a same-origin page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.websockets import WebSocketDisconnect

from catalog.languages import DEFAULT, LANGUAGES
from edge.bus import EventBus
from edge.errors import DomainError, Forbidden
from edge.storage.tasks import list_active_tasks
from edge.topics import ROOM_CHANGED, TASKS_CHANGED
from edge.web.arrivals import arrivals_now
from edge.web.auth import COOKIE_NAME
from edge.web.context import build_room_view, rooms_context, tasks_view
from edge.web.deps import associate_from, authorize_mirror
from edge.web.errors import status_of
from edge.web.schemas import RoomView

__all__ = ["LiveHub", "Revoked", "deny", "router", "serve_changes"]

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])


class LiveHub:
    """Who is listening to what. Used on the event loop thread only (bus subscribers run there)."""

    def __init__(self) -> None:
        self._rooms: dict[str, set[asyncio.Event]] = {}
        self._tasks: set[asyncio.Event] = set()

    def attach(self, bus: EventBus) -> Callable[[], None]:
        """Subscribe to the bus; returns a function that unsubscribes."""
        offs = [
            bus.subscribe(ROOM_CHANGED, lambda _t, room_id: self.room_changed(room_id)),
            bus.subscribe(TASKS_CHANGED, lambda _t, _p: self.tasks_changed()),
        ]

        def detach() -> None:
            for off in offs:
                off()

        return detach

    def room_changed(self, room_id: str) -> None:
        for event in self._rooms.get(room_id, ()):
            event.set()

    def tasks_changed(self) -> None:
        for event in self._tasks:
            event.set()

    def watch_room(self, room_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._rooms.setdefault(room_id, set()).add(event)
        return event

    def unwatch_room(self, room_id: str, event: asyncio.Event) -> None:
        self._rooms.get(room_id, set()).discard(event)

    def watch_tasks(self) -> asyncio.Event:
        event = asyncio.Event()
        self._tasks.add(event)
        return event

    def unwatch_tasks(self, event: asyncio.Event) -> None:
        self._tasks.discard(event)

    @property
    def connections(self) -> int:
        return len(self._tasks) + sum(len(s) for s in self._rooms.values())


def _hub(ws: WebSocket) -> LiveHub:
    hub: LiveHub = ws.app.state.live
    return hub


async def deny(ws: WebSocket, status_code: int, detail: str) -> None:
    """Refuse the handshake with an HTTP status when the server can, else close with 4000+status."""
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(JSONResponse({"detail": detail}, status_code=status_code))
    else:
        await ws.close(code=4000 + status_code, reason=detail)


class Revoked(Exception):
    """Raised by a push when the device's token was revoked while it was connected: the connection is
    closed with code 4401."""


async def serve_changes(ws: WebSocket, changed: asyncio.Event, push: Callable[[], Awaitable[None]]) -> None:
    """Push now and after every change until the client goes away (or its token is revoked)."""

    async def pump() -> None:
        while True:
            changed.clear()
            await push()
            await changed.wait()

    async def listen() -> None:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return

    tasks = [asyncio.create_task(pump()), asyncio.create_task(listen())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if isinstance(exc, Revoked):
                with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                    await ws.close(code=4401, reason="device token revoked")
            elif exc is not None and not isinstance(exc, WebSocketDisconnect | RuntimeError):
                log.warning("live connection ended with %r", exc)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, Revoked):
                await task


@router.websocket("/ws/mirror/{room_id}")
async def mirror_socket(ws: WebSocket, room_id: str) -> None:
    ctx = rooms_context(ws)
    try:  # the same checks, errors and messages as the mirror's HTTP routes
        await run_in_threadpool(authorize_mirror, ctx, room_id, ws.query_params.get("token"))
    except DomainError as exc:
        await deny(ws, status_of(exc), str(exc))
        return
    lang = ws.query_params.get("lang", DEFAULT)
    if lang not in LANGUAGES:
        await deny(ws, 422, f"lang must be one of {', '.join(LANGUAGES)}")
        return
    await ws.accept()
    hub = _hub(ws)
    changed = hub.watch_room(room_id)

    token = ws.query_params.get("token")

    def still_allowed_view() -> RoomView:
        try:
            authorize_mirror(ctx, room_id, token)  # a token revoked since the connection opened
        except DomainError as exc:
            raise Revoked from exc
        return build_room_view(ctx, room_id, lang)

    async def push() -> None:
        view = await run_in_threadpool(still_allowed_view)
        await ws.send_json({"type": "room", "data": view.model_dump(mode="json")})

    try:
        await serve_changes(ws, changed, push)
    finally:
        hub.unwatch_room(room_id, changed)


def _same_origin(ws: WebSocket) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser
    return urlsplit(origin).netloc == ws.headers.get("host", "")


@router.websocket("/ws/associate")
async def associate_socket(ws: WebSocket) -> None:
    ctx = rooms_context(ws)
    token = ws.cookies.get(COOKIE_NAME) or ws.query_params.get("token")
    try:
        if not _same_origin(ws):
            raise Forbidden("cross-origin connection refused")
        await run_in_threadpool(associate_from, ctx, token, None)
    except DomainError as exc:
        await deny(ws, status_of(exc), str(exc))
        return
    await ws.accept()
    hub = _hub(ws)
    changed = hub.watch_tasks()

    def view() -> list[dict[str, Any]]:
        with Session(ctx.db) as db:
            return [t.model_dump(mode="json") for t in tasks_view(ctx, db, list_active_tasks(session=db))]

    async def push() -> None:
        await ws.send_json({"type": "tasks", "data": await run_in_threadpool(view)})
        snapshot = ctx.presence()  # on the event loop, where presence is updated
        arrivals = await run_in_threadpool(arrivals_now, ws, ctx, snapshot)
        await ws.send_json({"type": "shoppers", "data": [a.model_dump(mode="json") for a in arrivals]})

    try:
        await serve_changes(ws, changed, push)
    finally:
        hub.unwatch_tasks(changed)
