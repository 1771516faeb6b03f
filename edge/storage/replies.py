"""A reply from a person: what an associate answered to a size request, a help call or a bag task from the
console ("On my way", or a short text), shown on the mirror of the task's room; and the associate's photo,
when ``fitroom-edge add-associate --photo FILE`` gave one.

Keyword-only functions over a SQLModel ``Session``; none commits. The photo is kept in the database (no
file paths from outside), already checked by ``edge.photos``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, col, select

__all__ = [
    "AssociatePhoto",
    "TaskReply",
    "add_reply",
    "last_replies",
    "photo_of",
    "photo_versions",
    "replies_of_session",
    "set_photo",
]


class TaskReply(SQLModel, table=True):
    """One reply to a task; ``session_id`` is the task's (the mirror shows its own session's replies)."""

    __tablename__ = "task_reply"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    room_id: str = Field(max_length=64)
    session_id: str | None = Field(
        default=None, foreign_key="fitting_room_session.id", index=True, max_length=32
    )
    associate_id: str = Field(foreign_key="associate.id", max_length=64)
    text: str = Field(max_length=140)
    created_at: float


class AssociatePhoto(SQLModel, table=True):
    """An associate's photo for the mirrors: a checked PNG or JPEG of bounded size (``edge.photos``)."""

    __tablename__ = "associate_photo"

    associate_id: str = Field(primary_key=True, foreign_key="associate.id", max_length=64)
    content_type: str = Field(max_length=16, description="image/png | image/jpeg")
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    updated_at: float


def add_reply(
    *,
    session: Session,
    task_id: int,
    room_id: str,
    session_id: str | None,
    associate_id: str,
    text: str,
    now: float,
) -> TaskReply:
    row = TaskReply(
        task_id=task_id,
        room_id=room_id,
        session_id=session_id,
        associate_id=associate_id,
        text=text,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def replies_of_session(*, session: Session, session_id: str, limit: int = 5) -> list[TaskReply]:
    """The session's latest replies, newest first."""
    return list(
        session.exec(
            select(TaskReply)
            .where(TaskReply.session_id == session_id)
            .order_by(col(TaskReply.created_at).desc(), col(TaskReply.id).desc())
            .limit(limit)
        ).all()
    )


def last_replies(*, session: Session, task_ids: Iterable[int]) -> dict[int, TaskReply]:
    """The latest reply of each of ``task_ids`` that has one."""
    ids = list(task_ids)
    if not ids:
        return {}
    latest: dict[int, TaskReply] = {}
    rows = session.exec(
        select(TaskReply).where(col(TaskReply.task_id).in_(ids)).order_by(col(TaskReply.id))
    ).all()
    for row in rows:
        latest[row.task_id] = row
    return latest


def set_photo(
    *, session: Session, associate_id: str, content_type: str, data: bytes, sha256: str, now: float
) -> AssociatePhoto:
    row = session.get(AssociatePhoto, associate_id)
    if row is None:
        row = AssociatePhoto(
            associate_id=associate_id, content_type=content_type, data=data, sha256=sha256, updated_at=now
        )
    else:
        row.content_type, row.data, row.sha256, row.updated_at = content_type, data, sha256, now
    session.add(row)
    return row


def photo_of(*, session: Session, associate_id: str) -> AssociatePhoto | None:
    return session.get(AssociatePhoto, associate_id)


def photo_versions(*, session: Session, associate_ids: Iterable[str]) -> dict[str, str]:
    """``associate_id -> sha256`` of those with a photo (without loading the images)."""
    ids = list(set(associate_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(AssociatePhoto.associate_id, AssociatePhoto.sha256).where(
            col(AssociatePhoto.associate_id).in_(ids)
        )
    ).all()
    return dict(rows)
