"""Reservations as the edge database keeps them (``edge.storage.reservations``): to a row and back."""

from __future__ import annotations

import json
from typing import get_args

from edge.reservations.desk import Reservation, Status
from edge.storage.reservations import KeptReservation

__all__ = ["from_row", "to_row"]

_STATUSES: frozenset[str] = frozenset(get_args(Status))


def to_row(res: Reservation) -> KeptReservation:
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


def from_row(row: KeptReservation) -> Reservation | None:
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
