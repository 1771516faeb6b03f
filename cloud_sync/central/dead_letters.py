"""Events the central store could not store (a poison event: a value its database refuses, a payload its
projection cannot apply). Each is kept here with the reason instead of blocking its store's backlog, and
acknowledged to the edge; an operator reads them at ``GET /v1/admin/dead-letters``. The event as sent is
kept escaped (``json.dumps``) so a NUL or an odd number fits; erasing its member deletes it."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Field, Session, col, delete, select

from cloud_sync.central.models import CentralModel

__all__ = ["CentralDeadLetter", "dead_letter", "forget_dead_letters"]

MAX_KEPT = 65_536  # characters of the event kept for the operator


class CentralDeadLetter(CentralModel, table=True):
    __tablename__ = "dead_letter"

    id: int | None = Field(default=None, primary_key=True)
    store_id: str = Field(max_length=64, index=True)
    event_id: str | None = Field(default=None, max_length=64)
    type: str | None = Field(default=None, max_length=64)
    member_id: str | None = Field(default=None, max_length=128, index=True)
    reason: str = Field(max_length=500)
    event: str = Field(description="the event as sent, JSON with every non-ASCII character escaped")
    received_at: float = Field(index=True)


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    return value.encode("unicode_escape").decode("ascii")[:limit]


def dead_letter(session: Session, *, store_id: str, raw: Any, reason: str, now: float) -> str | None:
    """Keep ``raw`` with ``reason``; returns its event id (to acknowledge) when it has one."""
    item = raw if isinstance(raw, dict) else {}
    event_id = _text(item.get("event_id"), 64)
    if (
        event_id is not None
        and session.exec(
            select(CentralDeadLetter.id).where(
                CentralDeadLetter.store_id == store_id, CentralDeadLetter.event_id == event_id
            )
        ).first()
    ):
        return event_id  # sent again: kept once
    session.add(
        CentralDeadLetter(
            store_id=store_id,
            event_id=event_id,
            type=_text(item.get("type"), 64),
            member_id=_text(item.get("member_id"), 128),
            reason=reason[:500],
            event=json.dumps(raw, ensure_ascii=True, default=str)[:MAX_KEPT],
            received_at=now,
        )
    )
    return event_id


def forget_dead_letters(session: Session, *, member_id: str, fragment: str | None = None) -> None:
    """An erasure: the dead letters naming the member (or holding ``fragment``, e.g. a JSON-quoted email)."""
    session.execute(delete(CentralDeadLetter).where(col(CentralDeadLetter.member_id) == member_id))
    if fragment:
        session.execute(delete(CentralDeadLetter).where(col(CentralDeadLetter.event).contains(fragment)))
