"""What an associate does from the console: claim a task, complete it. Each records its response time,
commits, and tells the console and the room's mirror (who is bringing what) that tasks changed.

Blocking (database work): call from a worker thread, never on the event loop.
"""

from __future__ import annotations

from sqlmodel import Session

from edge.fitting_rooms.manager import SessionManager
from edge.storage.models import Task
from edge.storage.orders import place_ship_order
from edge.storage.tasks import claim_task, complete_task
from edge.topics import ROOM_CHANGED, TASKS_CHANGED

__all__ = ["claim", "complete"]


def claim(*, session: Session, manager: SessionManager, task_id: int, associate_id: str, now: float) -> Task:
    """Take an open task (NotFound for an unknown one, Conflict when it is not open or was just taken)."""
    task = claim_task(session=session, task_id=task_id, associate_id=associate_id, now=now)
    return _done(session, manager, task)


def complete(
    *, session: Session, manager: SessionManager, task_id: int, associate_id: str, now: float
) -> Task:
    """Finish an open task or one this associate claimed; a bag task completed means the purchase is
    bagged, a ship-to-home order's task that the order is paid and placed (NotFound, Conflict as for
    ``claim``)."""
    task = complete_task(session=session, task_id=task_id, associate_id=associate_id, now=now)
    place_ship_order(session=session, task=task, now=now)  # same transaction as the completion
    return _done(session, manager, task)


def _done(session: Session, manager: SessionManager, task: Task) -> Task:
    session.commit()
    session.refresh(task)
    manager.notify(TASKS_CHANGED, None)
    manager.notify(ROOM_CHANGED, task.room_id)  # the mirror shows who is bringing what
    return task
