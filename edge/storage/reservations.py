"""The store's reservations to try, kept in the edge database as the desk holds them (the centre's fields
and the status sensing has moved each one to), so that after a restart the console and the mirrors have
them at once, even while the central store is unreachable. Erasing a member deletes theirs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Text, delete
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

__all__ = ["KeptReservation", "forget_member_reservations", "keep_reservations", "kept_reservations"]


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


def keep_reservations(session: Session, rows: Iterable[KeptReservation], *, whole: bool = False) -> None:
    """Write these reservations as they are now (in the caller's transaction); ``whole``: they are all
    the desk holds, so any other kept row is gone from it (dropped by the centre) and is deleted."""
    rows = list(rows)
    if whole:
        session.exec(delete(KeptReservation).where(col(KeptReservation.id).not_in([r.id for r in rows])))
    for row in rows:
        session.merge(row)


def kept_reservations(db: Engine) -> list[KeptReservation]:
    """What the last run kept, for the desk at start."""
    with Session(db) as session:
        return list(session.exec(select(KeptReservation)).all())


def forget_member_reservations(session: Session, member_id: str) -> int:
    """Erasure: the member's kept reservations are deleted (in the caller's transaction)."""
    result = session.exec(delete(KeptReservation).where(col(KeptReservation.member_id) == member_id))
    return int(result.rowcount or 0)
