"""Transactional outbox: every event the central store must learn is written here in the same
transaction as the change it describes, with a unique event id. The sync worker drains it."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlmodel import Field, Session, SQLModel

from edge import clock
from edge.storage.types import JsonDocument

__all__ = ["EVENT_BODY", "OutboxEvent", "add_outbox_event"]

# An event's payload: a JSON object, kept as compact text with sorted keys.
EVENT_BODY: JsonDocument[dict[str, Any]] = JsonDocument(dict[str, Any])


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox"

    seq: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True, unique=True, max_length=64)
    # session_ended | purchase | size_request | go_back | email_opt_in | task_claimed | …
    type: str = Field(max_length=64)
    store_id: str = Field(max_length=64)
    created_at: float
    payload: str = Field(description="JSON body of the event")
    member_id: str | None = Field(default=None, index=True, max_length=128)
    sent_at: float | None = Field(default=None, index=True)

    @property
    def body(self) -> dict[str, Any]:
        """The event's payload as a document (``EVENT_BODY``)."""
        return EVENT_BODY.load(self.payload)


def add_outbox_event(
    *,
    session: Session,
    type: str,
    store_id: str,
    payload: dict[str, Any],
    now: float | None = None,
    member_id: str | None = None,
    event_id: str | None = None,
) -> OutboxEvent:
    """Stage an outbox row in ``session``; it commits with the caller's transaction, never alone."""
    row = OutboxEvent(
        event_id=event_id or uuid.uuid4().hex,
        type=type,
        store_id=store_id,
        created_at=clock.now() if now is None else now,
        payload=json.dumps(payload, separators=(",", ":"), sort_keys=True),
        member_id=member_id,
    )
    session.add(row)
    return row
