"""The store's reservations to try, kept in the edge database as the desk holds them (the centre's fields
and the status sensing has moved each one to), so that after a restart the console and the mirrors have
them at once, even while the central store is unreachable. Erasing a member deletes theirs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import get_args

from sqlalchemy import Column, Text, delete
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from edge.reservations.desk import Reservation, Status

__all__ = ["KeptReservation", "forget_member_reservations", "keep_reservations", "kept_reservations"]

_STATUSES: frozenset[str] = frozenset(get_args(Status))


class KeptReservation(SQLModel, table=True):
    __tablename__ = "reservation"

    id: str = Field(primary_key=True, max_length=64)
    member_id: str = Field(index=True, max_length=64)
    member_first_name: str | None = Field(default=None, max_length=80)
    gtins: str = Field(sa_column=Column(Text, nullable=False), description="JSON list of GTINs")
    arrive_from: float
    arrive_until: float
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(max_length=16)
    room_id: str | None = Field(default=None, max_length=64)


def _row(res: Reservation) -> KeptReservation:
    return KeptReservation(
        id=res.id,
        member_id=res.member_id,
        member_first_name=res.member_first_name,
        gtins=json.dumps(list(res.gtins)),
        arrive_from=res.arrive_from,
        arrive_until=res.arrive_until,
        note=res.note,
        status=res.status,
        room_id=res.room_id,
    )


def _reservation(row: KeptReservation) -> Reservation | None:
    if row.status not in _STATUSES:
        return None
    status: Status = row.status  # type: ignore[assignment]  # checked just above
    return Reservation(
        id=row.id,
        member_id=row.member_id,
        member_first_name=row.member_first_name,
        gtins=tuple(json.loads(row.gtins)),
        arrive_from=row.arrive_from,
        arrive_until=row.arrive_until,
        note=row.note,
        status=status,
        room_id=row.room_id,
    )


def keep_reservations(session: Session, reservations: Iterable[Reservation], *, whole: bool = False) -> None:
    """Write these reservations as they are now (in the caller's transaction); ``whole``: they are all
    the desk holds, so any other kept row is gone from it (dropped by the centre) and is deleted."""
    rows = [_row(r) for r in reservations]
    if whole:
        session.exec(delete(KeptReservation).where(col(KeptReservation.id).not_in([r.id for r in rows])))
    for row in rows:
        session.merge(row)


def kept_reservations(db: Engine) -> list[Reservation]:
    """What the last run kept, for the desk at start."""
    with Session(db) as session:
        rows = session.exec(select(KeptReservation)).all()
    return [r for r in map(_reservation, rows) if r is not None]


def forget_member_reservations(session: Session, member_id: str) -> int:
    """Erasure: the member's kept reservations are deleted (in the caller's transaction)."""
    result = session.exec(delete(KeptReservation).where(col(KeptReservation.member_id) == member_id))
    return int(result.rowcount or 0)
