"""``/api/associate/queue``: walk-in parties waiting for a fitting room; sensing calls them (a room's
session ending calls the next ticket to it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from edge import clock
from edge.queue.line import QueueLine
from edge.topics import TASKS_CHANGED
from edge.web.deps import CurrentAssociate, RoomsDep
from edge.web.reservations_api import UNAUTHORIZED

__all__ = ["router"]

router = APIRouter(prefix="/api/associate", tags=["associate"])


class QueueIn(BaseModel):
    name: str | None = Field(default=None, max_length=40)
    party: int = Field(ge=1, le=12)


class TicketOut(BaseModel):
    ticket: int
    position: int
    estimated_wait_s: float


class WaitingOut(BaseModel):
    ticket: int
    name: str | None
    party: int
    position: int
    estimated_wait_s: float


class CalledOut(BaseModel):
    ticket: int
    room_id: str
    called_at: float


class QueueOut(BaseModel):
    waiting: list[WaitingOut]
    called: list[CalledOut]


def line_of(request: Request) -> QueueLine:
    line: QueueLine = request.app.state.queue
    return line


@router.post("/queue", response_model=TicketOut, status_code=201, responses=UNAUTHORIZED)
def join(body: QueueIn, associate: CurrentAssociate, ctx: RoomsDep, request: Request) -> TicketOut:
    """Add a walk-in party; its ticket is called to the next room sensing releases."""
    line = line_of(request)
    entry, position = line.join(body.name, body.party, clock.now())
    ctx.manager.notify(TASKS_CHANGED, None)  # the console and the entrance's queue screen
    return TicketOut(ticket=entry.ticket, position=position, estimated_wait_s=line.estimate_s(position))


@router.get("/queue", response_model=QueueOut, responses=UNAUTHORIZED)
def queue(associate: CurrentAssociate, request: Request) -> QueueOut:
    """Waiting tickets in order, and the last tickets called with their rooms (newest first)."""
    line = line_of(request)
    return QueueOut(
        waiting=[
            WaitingOut(
                ticket=w.ticket,
                name=w.name,
                party=w.party,
                position=n,
                estimated_wait_s=line.estimate_s(n),
            )
            for n, w in enumerate(line.waiting(), start=1)
        ],
        called=[CalledOut(ticket=c.ticket, room_id=c.room_id, called_at=c.called_at) for c in line.called()],
    )
