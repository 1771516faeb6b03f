"""Reserve to try: the chain's back end reserves garments for a member at a store (admin bearer); the
store's edge pulls its reservations (store key) and reports their status through its outbox
(``reservation_status`` events, applied by ``cloud_sync.central.reservations``)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from cloud_sync.central.deps import AdminDep, SessionDep, own_store
from cloud_sync.central.models import CatalogSku, Profile, Reservation, Store
from cloud_sync.wire import StoreReservation

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["reservations"])
OwnStore = Annotated[Store, Depends(own_store)]
ReservationId = Annotated[str, Path(min_length=1, max_length=32)]
MAX_AHEAD_S = 14 * 24 * 3600
Status = Literal["requested", "preparing", "ready", "arrived", "in_room", "done", "no_show", "cancelled"]
CLOSED = ("done", "no_show", "cancelled")


class ReservationIn(BaseModel):
    member_id: str = Field(min_length=1, max_length=128)
    store_id: str = Field(min_length=1, max_length=64)
    gtins: list[str] = Field(min_length=1, max_length=20)
    arrive_from: datetime
    arrive_until: datetime
    note: str | None = Field(default=None, max_length=500)


class ReservationCreated(BaseModel):
    id: str
    status: Status


class ReservationOut(BaseModel):
    id: str
    member_id: str
    store_id: str
    gtins: list[str]
    arrive_from: float
    arrive_until: float
    note: str | None
    status: Status
    room_id: str | None


def _out(row: Reservation) -> ReservationOut:
    return ReservationOut.model_validate(row, from_attributes=True)


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, message)


def _check(session: Session, body: ReservationIn, now: float) -> None:
    if session.get(Profile, body.member_id) is None:
        raise _unprocessable("unknown member")
    if session.get(Store, body.store_id) is None:
        raise _unprocessable(f"unknown store {body.store_id!r}")
    known = set(session.exec(select(CatalogSku.gtin).where(col(CatalogSku.gtin).in_(body.gtins))).all())
    missing = sorted(set(body.gtins) - known)
    if missing:
        raise _unprocessable(f"unknown GTIN {', '.join(missing)}")
    start, end = body.arrive_from.timestamp(), body.arrive_until.timestamp()
    if end <= start:
        raise _unprocessable("arrive_until must be after arrive_from")
    if end < now:
        raise _unprocessable("the arrival window is in the past")
    if end - now > MAX_AHEAD_S:
        raise _unprocessable("the arrival window ends more than 14 days ahead")


@router.post("/reservations", response_model=ReservationCreated, status_code=status.HTTP_201_CREATED)
def create_reservation(body: ReservationIn, session: SessionDep, _: AdminDep) -> ReservationCreated:
    now = time.time()
    _check(session, body, now)
    row = Reservation(
        id=uuid.uuid4().hex,
        member_id=body.member_id,
        store_id=body.store_id,
        gtins=list(dict.fromkeys(body.gtins)),
        arrive_from=body.arrive_from.timestamp(),
        arrive_until=body.arrive_until.timestamp(),
        note=body.note,
        status="requested",
        updated_at=now,
    )
    session.add(row)
    session.commit()
    return ReservationCreated(id=row.id, status="requested")


def _find(session: Session, reservation_id: str) -> Reservation:
    row = session.get(Reservation, reservation_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such reservation")
    return row


@router.get("/reservations/{reservation_id}", response_model=ReservationOut)
def get_reservation(reservation_id: ReservationId, session: SessionDep, _: AdminDep) -> ReservationOut:
    return _out(_find(session, reservation_id))


@router.delete("/reservations/{reservation_id}", response_model=ReservationOut)
def cancel_reservation(reservation_id: ReservationId, session: SessionDep, _: AdminDep) -> ReservationOut:
    """Cancels; the edge drops it on its next pull. A closed reservation stays as it is."""
    row = _find(session, reservation_id)
    if row.status not in CLOSED:
        row.status, row.updated_at = "cancelled", time.time()
        session.add(row)
        session.commit()
        session.refresh(row)
    return _out(row)


@router.get("/stores/{store_id}/reservations", response_model=list[StoreReservation])
def store_reservations(store: OwnStore, session: SessionDep) -> list[StoreReservation]:
    """The store's reservations, open or closed within the last day (the edge mirrors this list)."""
    since = time.time() - 24 * 3600
    rows = session.exec(
        select(Reservation)
        .where(col(Reservation.store_id) == store.id, col(Reservation.updated_at) >= since)
        .order_by(col(Reservation.arrive_from))
    ).all()
    names = dict(
        session.exec(
            select(Profile.member_id, Profile.first_name).where(
                col(Profile.member_id).in_({r.member_id for r in rows})
            )
        ).all()
    )
    return [StoreReservation(**_out(r).model_dump(), member_first_name=names.get(r.member_id)) for r in rows]
