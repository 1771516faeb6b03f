"""Sensing closes the loop on reservations: follows the bus (rooms changing, shoppers' phones, profiles
arriving, erasures) and the sessions ending, moves the desk on, and writes every status change to the
outbox (``reservation_status``) so the central store, and the chain's app, learn it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from edge import clock
from edge.bus import EventBus, Topic
from edge.fitting_rooms.manager import SessionManager
from edge.presence.events import EventType, PresenceEvent
from edge.reservations.desk import Reservation, ReservationDesk
from edge.reservations.kept import from_row, to_row
from edge.sessions.changes import SessionEnded
from edge.storage.fitting_rooms import describe_gtin
from edge.storage.models import TASK_DETAIL, Task, TaskKind
from edge.storage.outbox import add_outbox_event
from edge.storage.reservation_log import record_status
from edge.storage.reservations import forget_member_reservations, keep_reservations, kept_reservations
from edge.topics import MEMBER_ERASED, PRESENCE, PROFILE_ARRIVED, ROOM_CHANGED, TASKS_CHANGED

__all__ = ["RESERVATION_STATUS", "ReservationSensing"]

log = logging.getLogger(__name__)
RESERVATION_STATUS = "reservation_status"
TICK_S = 15.0


class ReservationSensing:
    """``start`` on the event loop (each edge start), ``tick_forever`` as a task; ``session_ended`` is
    the session manager's callback (its thread)."""

    def __init__(
        self,
        *,
        desk: ReservationDesk,
        manager: SessionManager,
        bus: EventBus,
        db: Engine,
        member_of: Callable[[str], str | None],
        on_outbox: Callable[[], None] = lambda: None,
    ) -> None:
        self.desk = desk
        self._manager = manager
        self._bus = bus
        self._db = db
        self._member_of = member_of
        self._on_outbox = on_outbox
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kept: list[Reservation] = []

    async def start(self) -> None:
        """Take up the reservations the last run kept (before the first pull: the centre may be down)."""
        self._loop = asyncio.get_running_loop()
        rows = await asyncio.to_thread(kept_reservations, self._db)
        self.desk.load(r for r in map(from_row, rows) if r is not None)
        self._kept = self.desk.all()
        self._bus.subscribe(ROOM_CHANGED, self._on_room)
        self._bus.subscribe(PRESENCE, self._on_presence)
        self._bus.subscribe(PROFILE_ARRIVED, self._on_profile)
        self._bus.subscribe(MEMBER_ERASED, self._on_erased)

    async def tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.tick(clock.now())

    def tick(self, now: float) -> list[Reservation]:
        """Past their window without arrival: ``no_show``, the room released, and the reserved garments
        still in it become a go-back task at once (so the room is cleared for the next shopper)."""
        held = {r.id: r.room_id for r in self.desk.all()}
        gone = self.desk.tick(now)
        self.record(gone)
        for res in gone:
            room_id = held.get(res.id)
            if room_id is not None and self._manager.has_room(room_id):
                self._go_back(room_id, res, now)
        return gone

    def _go_back(self, room_id: str, res: Reservation, now: float) -> None:
        snap = self._manager.snapshot(room_id)
        reserved = set(res.gtins)
        left = [(epc, gtin) for epc, gtin, _t in snap.items if gtin in reserved]
        if not left:
            return
        catalog = self._manager.catalog.current()
        items = [{"epc": epc, **describe_gtin(catalog, gtin)} for epc, gtin in left]
        with Session(self._db) as db:
            task = Task(
                kind=TaskKind.GO_BACK,
                store_id=self._store_id(),
                room_id=room_id,
                session_id=snap.session_id,
                created_at=now,
                detail=TASK_DETAIL.dump({"items": items}),
            )
            db.add(task)
            db.flush()
            payload = {
                "task_id": task.id,
                "session_id": snap.session_id,
                "room_id": room_id,
                "created_at": now,
                "items": items,
            }
            add_outbox_event(session=db, type="go_back", store_id=self._store_id(), now=now, payload=payload)
            db.commit()
        self._on_outbox()
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._bus.publish, TASKS_CHANGED, None)

    def _on_room(self, _topic: Topic[str], room_id: str) -> None:
        if not self._manager.has_room(room_id):
            return
        snap = self._manager.snapshot(room_id)
        gtins = [gtin for _epc, gtin, _t in snap.items if gtin]
        self.record(self.desk.room_sensed(room_id, gtins, shoppers=len(snap.shopper_devices)))
        member = next(filter(None, map(self._member_of, snap.shopper_devices)), None)
        if member is not None:
            self.record(self.desk.member_seen(member, room_id, clock.now()))

    def _on_presence(self, _topic: Topic[PresenceEvent], event: PresenceEvent) -> None:
        if event.type != EventType.SHOPPER_ENTERED or event.device is None:
            return
        member = self._member_of(event.device)
        if member is not None:
            # In the store: arrived. In their fitting room only once the phone counts there (``_on_room``,
            # after presence's shopper_stayed): a phone is also placed for a moment in rooms it walks past.
            self.record(self.desk.member_seen(member, None, event.t))

    def _on_profile(self, _topic: Topic[str], device: str) -> None:
        member = self._member_of(device)
        if member is not None:
            rooms = self._manager.rooms_with_device(device)
            self.record(self.desk.member_seen(member, rooms[0] if rooms else None, clock.now()))

    def _on_erased(self, _topic: Topic[str], member_id: str) -> None:
        forgotten = self.desk.forget_member(member_id)
        with Session(self._db) as db:
            forget_member_reservations(db, member_id)
            db.commit()
        self._kept = self.desk.all()
        if forgotten:
            self._bus.publish(TASKS_CHANGED, None)

    def pulled(self, changed: list[Reservation]) -> None:
        """After a pull from the centre: keep the desk's list as it is now (when it changed) and tell
        the consoles."""
        held = self.desk.all()
        moved = held != self._kept
        if moved:
            with Session(self._db) as db:
                keep_reservations(db, map(to_row, held), whole=True)
                db.commit()
            self._kept = held
        if changed or moved:
            self._bus.publish(TASKS_CHANGED, None)

    def session_ended(self, ended: SessionEnded) -> None:
        self.record(self.desk.session_ended(ended.room_id))

    def record(self, changed: list[Reservation]) -> None:
        """Write the changes to the outbox and keep them (one transaction), and tell the console; any
        thread."""
        if not changed:
            return
        now = clock.now()
        with Session(self._db) as db:
            for res in changed:
                # No member id: the centre knows whose reservation it is; the outbox need not say.
                payload = {"reservation_id": res.id, "status": res.status, "room_id": res.room_id}
                record_status(
                    session=db, reservation_id=res.id, status=res.status, room_id=res.room_id, now=now
                )
                add_outbox_event(
                    session=db, type=RESERVATION_STATUS, store_id=self._store_id(), payload=payload, now=now
                )
            keep_reservations(db, map(to_row, changed))
            db.commit()
        log.info("reservations: %s", ", ".join(f"{r.id[:8]} {r.status}" for r in changed))
        self._on_outbox()
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._bus.publish, TASKS_CHANGED, None)
                for room_id in {r.room_id for r in changed if r.room_id}:
                    loop.call_soon_threadsafe(self._bus.publish, ROOM_CHANGED, room_id)

    def _store_id(self) -> str:
        return self._manager.store_id
