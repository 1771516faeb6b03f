"""Pulling the store's reservations to try from the central store into the edge's reservation desk (as
catalog and stock are pulled), every ``interval_s``, waiting out an unreachable centre."""

from __future__ import annotations

from collections.abc import Callable
from typing import get_args

from cloud_sync.backoff import Backoff
from cloud_sync.client import CentralClient
from cloud_sync.pulling import pull_forever
from cloud_sync.wire import StoreReservation
from edge.reservations.desk import Reservation, ReservationDesk, Status

__all__ = ["ReservationPull", "to_reservation"]

STATUSES: tuple[str, ...] = get_args(Status)


def to_reservation(row: StoreReservation) -> Reservation | None:
    if row.status not in STATUSES:
        return None
    status: Status = row.status  # type: ignore[assignment]  # checked just above
    return Reservation(
        id=row.id,
        member_id=row.member_id,
        member_first_name=row.member_first_name,
        gtins=tuple(row.gtins),
        arrive_from=row.arrive_from,
        arrive_until=row.arrive_until,
        note=row.note,
        status=status,
        room_id=row.room_id,
    )


class ReservationPull:
    def __init__(
        self,
        *,
        client: Callable[[], CentralClient],
        store_id: str,
        desk: ReservationDesk,
        on_changed: Callable[[list[Reservation]], None],
        interval_s: float = 10.0,
    ) -> None:
        self._client = client
        self._store_id = store_id
        self._desk = desk
        self._on_changed = on_changed
        self.interval_s = interval_s

    async def pull_once(self) -> int:
        rows = await self._client().reservations(self._store_id)
        pulled = [r for r in map(to_reservation, rows) if r is not None]
        self._on_changed(self._desk.load(pulled))
        return len(pulled)

    async def run(self) -> None:
        await pull_forever("reservations", self.pull_once, interval_s=self.interval_s, backoff=Backoff())
