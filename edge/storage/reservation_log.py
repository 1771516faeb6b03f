"""Every status a reservation to try reaches in this store (as sensing moves it on), kept for the
manager's figures (the show rate) after the outbox has delivered it. No member id: the reservation's
id is enough here, and the central store knows whose it is."""

from __future__ import annotations

from sqlmodel import Field, Session, SQLModel

__all__ = ["ReservationStatusChange", "record_status"]


class ReservationStatusChange(SQLModel, table=True):
    __tablename__ = "reservation_status_change"

    id: int | None = Field(default=None, primary_key=True)
    reservation_id: str = Field(index=True, max_length=64)
    status: str = Field(max_length=16)
    room_id: str | None = Field(default=None, max_length=64)
    at: float = Field(index=True)


def record_status(
    *, session: Session, reservation_id: str, status: str, room_id: str | None, now: float
) -> None:
    session.add(
        ReservationStatusChange(reservation_id=reservation_id, status=status, room_id=room_id, at=now)
    )
