"""What the mirror and the console show of associates' replies (``edge.actions.replies``): the author as
first name and initials, and the path of their photo when they have one. Reads the database: call off the
event loop."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from edge.storage.models import Task
from edge.storage.replies import TaskReply, photo_versions, replies_of_session
from edge.web.schemas import ReplyAuthor, ReplyPublic

__all__ = ["initials", "photo_path", "reply_public", "session_replies"]


def initials(first_name: str) -> str:
    """Up to two letters: "Ana" -> "A", "Mary Jo" -> "MJ"."""
    letters = [w[0] for w in first_name.replace("-", " ").split() if w[:1].isalpha()]
    return "".join(letters[:2]).upper() or "?"


def photo_path(room_id: str, reply_id: int, version: str) -> str:
    """Served to the room's mirror only (its token), for a reply in that room."""
    return f"/api/mirror/{room_id}/replies/{reply_id}/photo?v={version[:12]}"


def reply_public(
    row: TaskReply, task: Task | None, *, first_names: Mapping[str, str], photos: Mapping[str, str]
) -> ReplyPublic:
    if row.id is None:
        raise RuntimeError("reply without id")
    name = first_names.get(row.associate_id, "")
    version = photos.get(row.associate_id)
    return ReplyPublic(
        id=row.id,
        task_id=row.task_id,
        task_kind=task.kind if task is not None else "help",
        text=row.text,
        associate=ReplyAuthor(
            first_name=name,
            initials=initials(name),
            photo=photo_path(row.room_id, row.id, version) if version else None,
        ),
        created_at=row.created_at,
    )


def session_replies(db: Session, session_id: str, first_names: Mapping[str, str]) -> list[ReplyPublic]:
    """The session's latest replies, newest first."""
    rows = replies_of_session(session=db, session_id=session_id)
    photos = photo_versions(session=db, associate_ids=[r.associate_id for r in rows])
    return [reply_public(r, db.get(Task, r.task_id), first_names=first_names, photos=photos) for r in rows]
