"""A reply from a person: an associate answers a size request, a help call or a bag task from the console
with a quick reply or a short text; the mirror of the task's room shows it with the associate's first
name and initials (or photo). Answering an open task claims it (the associate has taken it on).

Blocking (database work): call from a worker thread, never on the event loop.
"""

from __future__ import annotations

import unicodedata

from sqlmodel import Session

from edge.errors import Conflict, Invalid
from edge.fitting_rooms.manager import SessionManager
from edge.storage.models import Task, TaskKind, TaskStatus
from edge.storage.replies import TaskReply, add_reply
from edge.storage.tasks import TaskNotFound, claim_task
from edge.topics import ROOM_CHANGED, TASKS_CHANGED

__all__ = ["MAX_REPLY", "QUICK_REPLIES", "clean_reply", "reply"]

MAX_REPLY = 140
# The console offers these as buttons (edge/web/static/console-i18n-en.js quick_0..2 has the same three).
QUICK_REPLIES = ("On my way", "Two minutes", "That size is out; bringing the next one")
_ANSWERABLE = (TaskKind.SIZE_REQUEST, TaskKind.HELP, TaskKind.BAG)


def clean_reply(text: str) -> str:
    """The reply as the mirror shows it: one line, spaces collapsed; Invalid when empty or too long.
    (Markup needs no special care here: the mirror only ever sets it as text.)"""
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text):
        raise Invalid("the reply contains control characters")
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Invalid("the reply is empty: pick a quick reply or type a few words")
    if len(cleaned) > MAX_REPLY:
        raise Invalid(f"the reply is {len(cleaned)} characters; at most {MAX_REPLY} fit on the mirror")
    return cleaned


def reply(
    *, session: Session, manager: SessionManager, task_id: int, associate_id: str, text: str, now: float
) -> tuple[Task, TaskReply]:
    """Send ``text`` to the mirror of the task's room. NotFound for an unknown task, Invalid for a go-back
    (no shopper to answer) or a bad text, Conflict for a finished task or one another associate has."""
    cleaned = clean_reply(text)
    task = session.get(Task, task_id)
    if task is None:
        raise TaskNotFound(f"no task {task_id}")
    if task.kind not in _ANSWERABLE:
        raise Invalid("only a size request, a help call or a bag task can be answered")
    if task.status not in (TaskStatus.OPEN, TaskStatus.CLAIMED):
        raise Conflict(f"task {task_id} is {task.status}: the shopper is no longer waiting for an answer")
    if task.status == TaskStatus.CLAIMED and task.claimed_by != associate_id:
        raise Conflict(f"task {task_id} is claimed by another associate")
    if task.status == TaskStatus.OPEN:
        claim_task(session=session, task_id=task_id, associate_id=associate_id, now=now)
    made = add_reply(
        session=session,
        task_id=task_id,
        room_id=task.room_id,
        session_id=task.session_id,
        associate_id=associate_id,
        text=cleaned,
        now=now,
    )
    session.commit()
    session.refresh(task)
    session.refresh(made)
    manager.notify(TASKS_CHANGED, None)
    manager.notify(ROOM_CHANGED, task.room_id)  # the mirror shows the reply
    return task, made
