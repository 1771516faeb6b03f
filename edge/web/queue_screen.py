"""The fitting-room entrance's queue screen (issue 17): ``/queue?token=…`` with a display's device token
(``fitroom-edge display-token --name entrance``) shows "now serving" (the tickets called to the rooms
sensing released) and the waiting tickets, live over ``/ws/queue?token=…``, large enough to read from
three metres. Tickets only: a party's name is for the associates, never on a public screen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, WebSocket
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from edge.credentials import display_of
from edge.errors import Unauthorized
from edge.queue.line import QueueLine
from edge.web.auth import bearer_token
from edge.web.context import RoomsContext, rooms_context
from edge.web.deps import RoomsDep, ServiceDep
from edge.web.live import LiveHub, Revoked, deny, serve_changes
from edge.web.pages import _error_page, _render

__all__ = ["QueueScreen", "router"]

router = APIRouter(tags=["queue"])
NOW_SERVING = 4  # the last calls shown large


class Serving(BaseModel):
    ticket: int
    room_id: str
    room_name: str
    called_at: float


class Waiting(BaseModel):
    ticket: int
    party: int
    estimated_wait_s: float


class QueueScreen(BaseModel):
    store_name: str
    now_serving: list[Serving] = Field(description="The latest tickets called, newest first")
    waiting: list[Waiting] = Field(description="In order; no names on a public screen")


def screen_view(ctx: RoomsContext, line: QueueLine) -> QueueScreen:
    names = {r.id: r.name for r in ctx.layout.rooms}
    return QueueScreen(
        store_name=ctx.layout.store.name,
        now_serving=[
            Serving(
                ticket=c.ticket,
                room_id=c.room_id,
                room_name=names.get(c.room_id, c.room_id),
                called_at=c.called_at,
            )
            for c in line.called()[:NOW_SERVING]
        ],
        waiting=[
            Waiting(ticket=w.ticket, party=w.party, estimated_wait_s=line.estimate_s(n))
            for n, w in enumerate(line.waiting(), start=1)
        ],
    )


def _line(app_state: object) -> QueueLine:
    line: QueueLine = app_state.queue  # type: ignore[attr-defined]
    return line


def _authorize(ctx: RoomsContext, token: str | None) -> None:
    if display_of(ctx.db, token) is None:
        raise Unauthorized("a valid display device token is required (fitroom-edge display-token)")


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
async def queue_page(
    service: ServiceDep, token: Annotated[str | None, Query(max_length=512)] = None
) -> HTMLResponse:
    """The entrance's queue screen; a 401 page without a display's token."""
    if await run_in_threadpool(display_of, service.db, token) is None:
        return _error_page(
            service,
            401,
            "This screen needs its device token",
            "The queue screen's address must carry a display token issued for this store.",
            "Ask the store team to set it up (fitroom-edge display-token --name entrance).",
        )
    return _render("queue.html", store_name=service.layout.store.name, token=token or "")


@router.get(
    "/api/queue/screen", response_model=QueueScreen, responses={401: {"description": "No display token"}}
)
def queue_screen(
    request: Request,
    ctx: RoomsDep,
    token: Annotated[str | None, Query(max_length=512)] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> QueueScreen:
    """What the queue screen shows (token as ``?token=`` or a bearer header)."""
    _authorize(ctx, bearer_token(authorization) or token)
    return screen_view(ctx, _line(request.app.state))


@router.websocket("/ws/queue")
async def queue_socket(ws: WebSocket) -> None:
    ctx = rooms_context(ws)
    token = ws.query_params.get("token")
    if await run_in_threadpool(display_of, ctx.db, token) is None:
        await deny(ws, 401, "a valid display device token is required")
        return
    await ws.accept()
    hub: LiveHub = ws.app.state.live
    changed = hub.watch_tasks()  # a ticket taken or called notifies the tasks' watchers
    line = _line(ws.app.state)

    def still_allowed_view() -> QueueScreen:
        if display_of(ctx.db, token) is None:  # revoked since the connection opened
            raise Revoked
        return screen_view(ctx, line)

    async def push() -> None:
        view = await run_in_threadpool(still_allowed_view)
        await ws.send_json({"type": "queue", "data": view.model_dump(mode="json")})

    try:
        await serve_changes(ws, changed, push)
    finally:
        hub.unwatch_tasks(changed)
