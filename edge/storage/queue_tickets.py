"""The fitting-room queue kept in the edge database: every ticket written as it is taken and called, so
the queue survives a restart (waiting tickets, the numbering and the measured session lengths come back)
and the manager's figures have its waits. A party's name is only kept while it waits."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from edge import clock
from edge.queue.line import Called, QueueLine, Waiting
from edge.storage.models import FittingRoomSession
from edge.storage.outbox import add_outbox_event

__all__ = ["QueueTicket", "RecordedQueue"]

RESTORE_WITHIN_S = 12 * 3600.0  # tickets older than a shift are not waiting any more
LENGTHS = 50


class QueueTicket(SQLModel, table=True):
    __tablename__ = "queue_ticket"

    id: int | None = Field(default=None, primary_key=True)
    store_id: str = Field(max_length=64)
    ticket: int
    name: str | None = Field(default=None, max_length=40, description="Cleared when the ticket is called")
    party: int
    joined_at: float = Field(index=True)
    called_at: float | None = None
    room_id: str | None = Field(default=None, max_length=64)


class RecordedQueue(QueueLine):
    """``QueueLine`` writing through to ``queue_ticket``; restored from it when built."""

    def __init__(self, rooms: int, *, db: Engine, store_id: str) -> None:
        super().__init__(rooms)
        self._db, self._store_id = db, store_id

    async def load(self) -> None:
        """At start (the database migrated): take up the tickets and session lengths of the last run."""
        await asyncio.to_thread(self._load, clock.now())

    def _load(self, now: float) -> None:
        with Session(self._db) as session:
            recent = session.exec(
                select(QueueTicket)
                .where(QueueTicket.joined_at >= now - RESTORE_WITHIN_S)
                .order_by(col(QueueTicket.joined_at))
            ).all()
            ended = session.exec(
                select(FittingRoomSession.started_at, FittingRoomSession.ended_at)
                .where(col(FittingRoomSession.ended_at).is_not(None))
                .order_by(col(FittingRoomSession.ended_at).desc())
                .limit(LENGTHS)
            ).all()
        self.restore(
            waiting=[Waiting(t.ticket, t.name, t.party, t.joined_at) for t in recent if t.called_at is None],
            called=[
                Called(t.ticket, t.room_id or "", t.called_at) for t in recent if t.called_at is not None
            ],
            next_ticket=max((t.ticket for t in recent), default=0) + 1,
            lengths=[end - start for start, end in reversed(ended) if end is not None and end > start],
        )

    def join(self, name: str | None, party: int, now: float) -> tuple[Waiting, int]:
        entry, position = super().join(name, party, now)
        with Session(self._db) as session:
            row = QueueTicket(
                store_id=self._store_id, ticket=entry.ticket, name=name, party=party, joined_at=now
            )
            session.add(row)
            session.flush()
            _ticket_event(session, row)
            session.commit()
        return entry, position

    def room_released(self, room_id: str, *, started_at: float, ended_at: float) -> Called | None:
        call = super().room_released(room_id, started_at=started_at, ended_at=ended_at)
        if call is not None:
            with Session(self._db) as session:
                row = session.exec(
                    select(QueueTicket)
                    .where(QueueTicket.ticket == call.ticket, col(QueueTicket.called_at).is_(None))
                    .order_by(col(QueueTicket.joined_at).desc())
                ).first()
                if row is not None:
                    row.called_at, row.room_id, row.name = call.called_at, room_id, None
                    session.add(row)
                    _ticket_event(session, row)
                    session.commit()
        return call


def _ticket_event(session: Session, row: QueueTicket) -> None:
    """``queue_ticket``, when a ticket is taken and again when it is called, for head office's queue
    waits: times, party size and room only (never the party's name)."""
    add_outbox_event(
        session=session,
        type="queue_ticket",
        store_id=row.store_id,
        now=row.called_at if row.called_at is not None else row.joined_at,
        payload={
            "ticket_id": row.id,
            "ticket": row.ticket,
            "party": row.party,
            "joined_at": row.joined_at,
            "called_at": row.called_at,
            "room_id": row.room_id,
        },
    )
