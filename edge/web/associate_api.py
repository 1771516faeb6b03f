"""``/api/associate``: sign-in and the associates' live task queue (docs/mirror-api.md).

Sign in with id and PIN; the token comes back in the body and as the HttpOnly cookie
``fitroom_associate``. Everything else needs a signed-in associate (cookie or ``Authorization: Bearer``).
Claim and complete (``edge.actions.associate``) record the response times; a task in the wrong state is
409, an unknown one 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from edge import clock
from edge.actions import associate as actions
from edge.errors import TooManyAttempts, Unauthorized
from edge.storage.tasks import list_active_tasks
from edge.web.arrivals import ArrivalPublic, arrivals_now
from edge.web.auth import COOKIE_NAME, SIGN_IN_TTL_S, sign_in, sign_out
from edge.web.context import tasks_view
from edge.web.deps import CurrentAssociate, RoomsDep, SessionDep
from edge.web.schemas import AssociateLogin, AssociatePublic, LoginResult, TaskPublic

__all__ = ["router"]

router = APIRouter(prefix="/api/associate", tags=["associate"])

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in"}}


@router.post(
    "/login",
    response_model=LoginResult,
    responses={401: {"description": "Wrong id or PIN"}, 429: {"description": "Too many wrong PINs"}},
)
def login(body: AssociateLogin, response: Response, request: Request, ctx: RoomsDep) -> LoginResult:
    """Sign in. 401 for a wrong id or PIN; 429 (with Retry-After) after repeated wrong PINs."""
    now = clock.now()
    wait = ctx.throttle.retry_after(body.associate_id, now)
    if wait > 0:
        raise TooManyAttempts("too many wrong PINs; try again later", retry_after_s=int(wait) + 1)
    result = sign_in(ctx.db, associate_id=body.associate_id, pin=body.pin, now=now)
    if result is None:
        ctx.throttle.failed(body.associate_id, now)
        raise Unauthorized("wrong associate id or PIN")
    ctx.throttle.succeeded(body.associate_id)
    token, associate = result
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(SIGN_IN_TTL_S),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return LoginResult(
        token=token, associate=AssociatePublic(id=associate.id, first_name=associate.first_name)
    )


@router.post("/logout", status_code=204, responses=UNAUTHORIZED)
def logout(associate: CurrentAssociate, ctx: RoomsDep) -> Response:
    """End this sign-in (the token stops working) and clear the cookie."""
    sign_out(ctx.db, hashed_token=associate.token_hash, now=clock.now())
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/me", response_model=AssociatePublic, responses=UNAUTHORIZED)
def me(associate: CurrentAssociate) -> AssociatePublic:
    """Who is signed in (the console checks its cookie with this)."""
    return AssociatePublic(id=associate.id, first_name=associate.first_name)


@router.get("/tasks", response_model=list[TaskPublic], responses=UNAUTHORIZED)
def tasks(associate: CurrentAssociate, ctx: RoomsDep, db: SessionDep) -> list[TaskPublic]:
    """Open and claimed tasks, oldest first, with their age."""
    return tasks_view(ctx, db, list_active_tasks(session=db))


TASK_ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHORIZED,
    404: {"description": "No such task"},
    409: {"description": "The task is not in a state that allows this"},
}


@router.post("/tasks/{task_id}/claim", response_model=TaskPublic, responses=TASK_ERRORS)
def claim(task_id: int, associate: CurrentAssociate, ctx: RoomsDep, db: SessionDep) -> TaskPublic:
    """Take an open task: the mirror then shows the associate's first name."""
    task = actions.claim(
        session=db, manager=ctx.manager, task_id=task_id, associate_id=associate.id, now=clock.now()
    )
    (public,) = tasks_view(ctx, db, [task])
    if ctx.metrics is not None and public.claim_s is not None:
        ctx.metrics.task_claim_seconds.labels(kind=public.kind).observe(public.claim_s)
    return public


@router.post("/tasks/{task_id}/complete", response_model=TaskPublic, responses=TASK_ERRORS)
def complete(task_id: int, associate: CurrentAssociate, ctx: RoomsDep, db: SessionDep) -> TaskPublic:
    """Finish an open task or one you claimed; a bag task completed means the purchase is bagged."""
    task = actions.complete(
        session=db, manager=ctx.manager, task_id=task_id, associate_id=associate.id, now=clock.now()
    )
    (public,) = tasks_view(ctx, db, [task])
    if ctx.metrics is not None and public.complete_s is not None:
        ctx.metrics.task_complete_seconds.labels(kind=public.kind).observe(public.complete_s)
    return public


@router.get("/shoppers", response_model=list[ArrivalPublic], responses=UNAUTHORIZED)
async def shoppers(associate: CurrentAssociate, ctx: RoomsDep, request: Request) -> list[ArrivalPublic]:
    """Known (opted-in) shoppers in the store now, where they are and since when, with what the
    arrival card shows (``edge.web.arrivals``); longest-present first."""
    snapshot = ctx.presence()  # read on the event loop thread, where presence is updated
    return await run_in_threadpool(arrivals_now, request, ctx, snapshot)
