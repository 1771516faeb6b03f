"""Request dependencies of the edge's routes, as ``Annotated`` aliases (the central store's style):
the edge service, the shared rooms context, a database session per request, the calling mirror's room
and the signed-in associate. Credential checks raise domain errors (``edge.errors``), mapped to
401/403/404 in one handler.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlmodel import Session

from edge import clock
from edge.errors import Forbidden, Unauthorized
from edge.ports import SyncStatusSource
from edge.service import EdgeService
from edge.web.auth import (
    COOKIE_NAME,
    MirrorTokenCheck,
    SignedInAssociate,
    associate_for_token,
    bearer_token,
    check_mirror_token,
)
from edge.web.context import RoomsContext, request_context

__all__ = [
    "CurrentAssociate",
    "MirrorRoom",
    "RoomsDep",
    "ServiceDep",
    "SessionDep",
    "SyncStatusDep",
    "associate_from",
    "authorize_mirror",
]


def get_service(request: Request) -> EdgeService:
    service: EdgeService = request.app.state.service
    return service


ServiceDep = Annotated[EdgeService, Depends(get_service)]
RoomsDep = Annotated[RoomsContext, Depends(request_context)]


def get_sync_status(request: Request) -> SyncStatusSource:
    source: SyncStatusSource = request.app.state.sync_status
    return source


SyncStatusDep = Annotated[SyncStatusSource, Depends(get_sync_status)]


def get_session(ctx: RoomsDep) -> Iterator[Session]:
    """One database session per request, closed after the response (the route commits what it writes)."""
    with Session(ctx.db) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def authorize_mirror(ctx: RoomsContext, room_id: str, token: str | None) -> None:
    """Unauthorized without a valid token, Forbidden for another room's token, NotFound for a room that
    is not a fitting room."""
    outcome = check_mirror_token(ctx.db, room_id=room_id, token=token)
    if outcome is MirrorTokenCheck.UNKNOWN:
        raise Unauthorized("a valid mirror device token is required")
    if outcome is MirrorTokenCheck.OTHER_ROOM:
        raise Forbidden("this token belongs to another room")
    ctx.fitting_room(room_id)


def _mirror_room(room_id: str, ctx: RoomsDep, authorization: Annotated[str | None, Header()] = None) -> str:
    authorize_mirror(ctx, room_id, bearer_token(authorization))
    return room_id


MirrorRoom = Annotated[str, Depends(_mirror_room)]


def associate_from(ctx: RoomsContext, cookie: str | None, authorization: str | None) -> SignedInAssociate:
    """The signed-in associate of a cookie or bearer token; Unauthorized otherwise."""
    token = bearer_token(authorization) or cookie
    associate = associate_for_token(ctx.db, token, now=clock.now()) if token and len(token) <= 512 else None
    if associate is None:
        raise Unauthorized("sign in as an associate first")
    return associate


def _current_associate(
    request: Request, ctx: RoomsDep, authorization: Annotated[str | None, Header()] = None
) -> SignedInAssociate:
    return associate_from(ctx, request.cookies.get(COOKIE_NAME), authorization)


CurrentAssociate = Annotated[SignedInAssociate, Depends(_current_associate)]
