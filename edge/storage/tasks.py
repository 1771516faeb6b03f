"""Associates' tasks and what creates them: size requests, purchases to bag, help calls; claiming and
completing them. (The shopper's email list of the rest is in ``edge.storage.email_lists``.)

Keyword-only functions over a SQLModel ``Session``; none commits. Each that the central store must learn
of (size request, purchase, a task's times) stages its outbox row in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from edge.errors import Conflict, NotFound
from edge.storage.models import (
    PURCHASE_LINES,
    TASK_DETAIL,
    ItemDescription,
    Purchase,
    PurchaseLine,
    Task,
    TaskKind,
    TaskStatus,
)
from edge.storage.outbox import add_outbox_event

__all__ = [
    "TaskConflict",
    "TaskNotFound",
    "claim_task",
    "complete_task",
    "create_help_call",
    "create_purchase",
    "create_size_request",
    "list_active_tasks",
    "open_help_call",
    "open_size_request",
    "purchases_of_session",
    "requests_of_session",
]

_ACTIVE = (TaskStatus.OPEN, TaskStatus.CLAIMED)


class TaskNotFound(NotFound):
    """No task with that id."""


class TaskConflict(Conflict):
    """The task is not in a state that allows the action (already claimed by someone else, done...)."""


def open_size_request(*, session: Session, session_id: str, gtin: str) -> Task | None:
    """The session's open or claimed request for ``gtin``, if there is one."""
    return session.exec(
        select(Task).where(
            Task.session_id == session_id,
            Task.kind == TaskKind.SIZE_REQUEST,
            Task.gtin == gtin,
            col(Task.status).in_(_ACTIVE),
        )
    ).first()


def open_help_call(*, session: Session, room_id: str) -> Task | None:
    """The room's open or claimed help call, if there is one."""
    return session.exec(
        select(Task).where(Task.room_id == room_id, Task.kind == TaskKind.HELP, col(Task.status).in_(_ACTIVE))
    ).first()


def create_size_request(
    *,
    session: Session,
    store_id: str,
    room_id: str,
    session_id: str,
    gtin: str,
    epc: str | None,
    item: ItemDescription,
    now: float,
    member_id: str | None,
) -> Task:
    """A "bring me this size / colour" task for ``gtin`` (``item`` describes it), with its outbox row."""
    task = Task(
        kind=TaskKind.SIZE_REQUEST,
        store_id=store_id,
        room_id=room_id,
        session_id=session_id,
        gtin=gtin,
        epc=epc,
        created_at=now,
        detail=TASK_DETAIL.dump({**item, "from_epc": epc}),
    )
    session.add(task)
    session.flush()
    add_outbox_event(
        session=session,
        type="size_request",
        store_id=store_id,
        now=now,
        member_id=member_id,
        payload={
            "task_id": task.id,
            "session_id": session_id,
            "room_id": room_id,
            "gtin": gtin,
            "from_epc": epc,
            "created_at": now,
            "item": item,
        },
    )
    return task


def create_help_call(
    *, session: Session, store_id: str, room_id: str, session_id: str | None, now: float
) -> Task:
    """A "call an associate" task (its outbox event, ``task_opened``, has times and room only)."""
    task = Task(kind=TaskKind.HELP, store_id=store_id, room_id=room_id, session_id=session_id, created_at=now)
    session.add(task)
    session.flush()
    _task_event(session, task, "task_opened")
    return task


def create_purchase(
    *,
    session: Session,
    store_id: str,
    room_id: str,
    session_id: str,
    items: Sequence[PurchaseLine],
    currency: str,
    payment: str,
    payment_reference: str | None,
    now: float,
    member_id: str | None,
) -> tuple[Purchase, Task]:
    """A mirror purchase, its bag task and its outbox row. ``items`` carry epc, gtin and price_cents."""
    total = sum(i["price_cents"] for i in items)
    purchase = Purchase(
        store_id=store_id,
        room_id=room_id,
        session_id=session_id,
        created_at=now,
        items=PURCHASE_LINES.dump(list(items)),
        total_cents=total,
        currency=currency,
        payment=payment,
        payment_reference=payment_reference,
    )
    session.add(purchase)
    session.flush()
    task = Task(
        kind=TaskKind.BAG,
        store_id=store_id,
        room_id=room_id,
        session_id=session_id,
        created_at=now,
        purchase_id=purchase.id,
        detail=TASK_DETAIL.dump(
            {
                "purchase_id": purchase.id,
                "items": list(items),
                "total_cents": total,
                "currency": currency,
                "payment": payment,
            }
        ),
    )
    session.add(task)
    session.flush()
    add_outbox_event(
        session=session,
        type="purchase",
        store_id=store_id,
        now=now,
        member_id=member_id,
        payload={
            "purchase_id": purchase.id,
            "session_id": session_id,
            "room_id": room_id,
            "created_at": now,
            "items": list(items),
            "total_cents": total,
            "currency": currency,
            "payment": payment,
            "channel": "fitting_room",
            "bag_task_id": task.id,  # the bag task's times at head office (task_claimed, task_completed)
        },
    )
    return purchase, task


def list_active_tasks(*, session: Session) -> list[Task]:
    """Open and claimed tasks, oldest first."""
    return list(
        session.exec(
            select(Task).where(col(Task.status).in_(_ACTIVE)).order_by(col(Task.created_at), col(Task.id))
        ).all()
    )


def requests_of_session(*, session: Session, session_id: str) -> list[Task]:
    return list(
        session.exec(
            select(Task)
            .where(Task.session_id == session_id, Task.kind == TaskKind.SIZE_REQUEST)
            .order_by(col(Task.created_at), col(Task.id))
        ).all()
    )


def purchases_of_session(*, session: Session, session_id: str) -> list[tuple[Purchase, Task | None]]:
    purchases = session.exec(
        select(Purchase).where(Purchase.session_id == session_id).order_by(col(Purchase.created_at))
    ).all()
    out: list[tuple[Purchase, Task | None]] = []
    for purchase in purchases:
        bag = session.exec(
            select(Task).where(Task.purchase_id == purchase.id, Task.kind == TaskKind.BAG)
        ).first()
        out.append((purchase, bag))
    return out


def claim_task(*, session: Session, task_id: int, associate_id: str, now: float) -> Task:
    """Claim an open task (claiming one's own claimed task again is a no-op); records the claim time.

    Safe against two associates racing: the change is a conditional update, the loser gets TaskConflict.
    """
    task = _get(session, task_id)
    if task.status == TaskStatus.CLAIMED and task.claimed_by == associate_id:
        return task
    if task.status != TaskStatus.OPEN:
        raise TaskConflict(f"task {task_id} is {task.status}, only an open task can be claimed")
    _transition(session, task, status=TaskStatus.CLAIMED, claimed_by=associate_id, claimed_at=now)
    _claimed_event(session, task)
    return task


def complete_task(*, session: Session, task_id: int, associate_id: str, now: float) -> Task:
    """Complete an open task or one this associate claimed; records the completion time.

    An open task completed directly counts as claimed at the same moment.
    """
    task = _get(session, task_id)
    if task.status == TaskStatus.CLAIMED and task.claimed_by != associate_id:
        raise TaskConflict(f"task {task_id} is claimed by another associate")
    if task.status not in (TaskStatus.OPEN, TaskStatus.CLAIMED):
        raise TaskConflict(f"task {task_id} is {task.status}, it cannot be completed")
    values: dict[str, Any] = {
        "status": TaskStatus.DONE,
        "completed_by": associate_id,
        "completed_at": now,
    }
    claimed_now = task.status == TaskStatus.OPEN
    if claimed_now:
        values |= {"claimed_by": associate_id, "claimed_at": now}
    _transition(session, task, **values)
    if claimed_now:
        _claimed_event(session, task)
    _task_event(session, task, "task_completed")
    return task


def _claimed_event(session: Session, task: Task) -> None:
    if task.claimed_at is not None:
        _task_event(session, task, "task_claimed")


def _task_event(session: Session, task: Task, kind: str) -> None:
    """``task_opened`` (help calls: size requests, bags and go-backs are opened by their own events),
    ``task_claimed`` and ``task_completed``: how long a task waited for an associate and took, for the
    chain's figures at the central store. Times, kind, room and garment count only: no associate, shopper
    or member."""
    items = task.details.get("items") if task.kind == TaskKind.GO_BACK else None
    add_outbox_event(
        session=session,
        type=kind,
        store_id=task.store_id,
        now=task.completed_at or task.claimed_at or task.created_at,
        payload={
            "task_id": task.id,
            "kind": str(task.kind),
            "room_id": task.room_id,
            "session_id": task.session_id,
            "created_at": task.created_at,
            "claimed_at": task.claimed_at,
            "completed_at": task.completed_at,
            "items": len(items) if isinstance(items, list) else None,
        },
    )


def _transition(session: Session, task: Task, **values: Any) -> None:
    """Apply ``values`` only if the row is still as ``task`` was read; else TaskConflict."""
    result = session.execute(
        update(Task)
        .where(
            col(Task.id) == task.id,
            col(Task.status) == task.status,
            col(Task.claimed_by).is_(None)
            if task.claimed_by is None
            else col(Task.claimed_by) == task.claimed_by,
        )
        .values(**values)
    )
    if getattr(result, "rowcount", 0) != 1:
        session.rollback()
        raise TaskConflict(f"task {task.id} was changed by someone else; reload the queue")
    session.refresh(task)


def _get(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise TaskNotFound(f"no task {task_id}")
    return task
