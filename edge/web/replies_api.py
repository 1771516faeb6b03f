"""A reply from a person (docs/mirror-api.md): ``POST /api/associate/tasks/{task_id}/reply`` (signed-in
associate) and the associate's photo for the mirror of the reply's room,
``GET /api/mirror/{room_id}/replies/{reply_id}/photo`` (that room's device token only). The rules live in
``edge.actions.replies``; the mirror is pushed the reply over its WebSocket.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from edge import clock
from edge.actions import replies as actions
from edge.errors import NotFound
from edge.storage.replies import TaskReply, photo_of, photo_versions
from edge.web.associate_api import TASK_ERRORS
from edge.web.deps import CurrentAssociate, MirrorRoom, RoomsDep, SessionDep
from edge.web.mirror_api import ERRORS
from edge.web.reply_views import reply_public
from edge.web.schemas import ReplyPublic, _In

__all__ = ["ReplyIn", "associate_router", "mirror_router"]

associate_router = APIRouter(prefix="/api/associate", tags=["associate"])
mirror_router = APIRouter(prefix="/api/mirror", tags=["mirror"])


class ReplyIn(_In):
    text: str = Field(
        max_length=1000,  # the action says how long a reply may be (140), with a clearer message
        description='A quick reply ("On my way", "Two minutes", "That size is out; bringing the next '
        'one") or a short text, at most 140 characters',
    )


REPLY_ERRORS: dict[int | str, dict[str, Any]] = {
    **TASK_ERRORS,
    409: {"description": "The task is done or cancelled, or another associate has it"},
    422: {"description": "Empty or too long a reply, or a go-back (nobody to answer)"},
}


@associate_router.post(
    "/tasks/{task_id}/reply", status_code=201, response_model=ReplyPublic, responses=REPLY_ERRORS
)
def reply_to_task(
    task_id: int, body: ReplyIn, associate: CurrentAssociate, ctx: RoomsDep, db: SessionDep
) -> ReplyPublic:
    """Answer a size request, help call or bag task: the mirror of its room shows the text with your first
    name and initials (or photo). Answering an open task claims it for you."""
    task, made = actions.reply(
        session=db,
        manager=ctx.manager,
        task_id=task_id,
        associate_id=associate.id,
        text=body.text,
        now=clock.now(),
    )
    ctx.count_action("associate_reply")
    photos = photo_versions(session=db, associate_ids=[associate.id])
    return reply_public(made, task, first_names={associate.id: associate.first_name}, photos=photos)


PHOTO: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    200: {
        "description": "The photo (PNG or JPEG, as checked when it was added)",
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    404: {"description": "No such reply in this room, or its associate has no photo"},
}


@mirror_router.get("/{room_id}/replies/{reply_id}/photo", response_class=Response, responses=PHOTO)
def reply_photo(room_id: MirrorRoom, reply_id: int, db: SessionDep) -> Response:
    """The photo of the associate who sent a reply in this room. Only with this room's token; served
    with its checked type, ``nosniff`` and a policy that runs nothing."""
    row = db.get(TaskReply, reply_id)
    photo = photo_of(session=db, associate_id=row.associate_id) if row and row.room_id == room_id else None
    if photo is None:
        raise NotFound(f"no photo for reply {reply_id} in this room")
    return Response(
        photo.data,
        media_type=photo.content_type,
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Content-Disposition": "inline",
            "ETag": f'"{photo.sha256[:32]}"',
        },
    )
