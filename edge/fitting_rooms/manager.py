"""The adapter around the session state machine: feeds it presence events and the clock, writes what
changes to the database (with outbox rows, one transaction per batch) and says which rooms changed.

Thread model: every method takes one lock, so the machine and its rows change together and in order.
Callers run the methods off the event loop (a single-thread executor for presence, the thread pool for
HTTP); ``notify(topic, payload)`` must therefore be thread-safe (the worker passes one that hops onto
the loop). Topics: ``edge.topics.ROOM_CHANGED`` (room id) and ``TASKS_CHANGED`` (None).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from edge.bus import Topic
from edge.catalog.source import CatalogSource
from edge.presence.events import PresenceEvent
from edge.sessions.changes import SessionChange, SessionEnded
from edge.sessions.machine import FittingRooms, OpenSession
from edge.storage.db import checkpoint_after_erasure
from edge.storage.email_lists import forget_member
from edge.storage.fitting_rooms import MemberOf, apply_session_changes, load_open_sessions
from edge.storage.health import DiskFull, is_disk_full
from edge.storage.models import FittingRoomSession
from edge.storage.orders import forget_orders
from edge.topics import ROOM_CHANGED, TASKS_CHANGED

__all__ = ["Notify", "RoomAction", "RoomSnapshot", "SessionManager"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Notify(Protocol):
    """Says a room or the task list changed: a bus topic and its payload (thread-safe)."""

    def __call__(self, topic: Topic[T], payload: T, /) -> None: ...


def _nobody(topic: Topic[T], payload: T, /) -> None:
    """The ``Notify`` of a manager nobody listens to yet."""
    return None


@dataclass(frozen=True, slots=True)
class RoomSnapshot:
    """One room as the mirror shows it, copied out under the lock."""

    room_id: str
    covered: bool
    session_id: str | None
    started_at: float | None
    items: tuple[tuple[str, str | None, float], ...]  # (epc, gtin, first seen), in the room now
    shopper_devices: tuple[str, ...]  # phones that count in the room now: stayed, or the session's own back
    purchased_epcs: frozenset[str]
    seen_epcs: frozenset[str] = frozenset()  # every item of the session, in the room now or not


@dataclass(slots=True)
class RoomAction:
    """What a mirror action gets inside ``SessionManager.room_action``: the open session and the
    database session of the one transaction that holds both the session's changes and the action."""

    db: Session
    session: OpenSession
    member_id: str | None
    tasks_changed: bool = False


class SessionManager:
    """The fitting rooms' sessions, kept in memory and on disk together (see the module docstring)."""

    def __init__(
        self,
        *,
        machine: FittingRooms,
        engine: Engine,
        catalog: CatalogSource,
        store_id: str,
        member_of: MemberOf = lambda _device: None,
        notify: Notify = _nobody,
        on_session_ended: Callable[[SessionEnded], None] = lambda _ended: None,
        store_facts: Mapping[str, Any] | None = None,
    ) -> None:
        self._machine = machine
        self._store_facts = store_facts
        self._engine = engine
        self._store_id = store_id
        self._member_of = member_of
        self._lock = threading.RLock()
        self.catalog = catalog  # a source: the catalog may be replaced while running
        self.notify = notify
        self.on_session_ended = on_session_ended
        # Changes the database refused for want of space: written first by the next write (every tick).
        self._unsaved: list[SessionChange] = []

    @property
    def store_id(self) -> str:
        return self._store_id

    def has_room(self, room_id: str) -> bool:
        return self._machine.has_room(room_id)

    def resume(self, now: float) -> int:
        """Adopt the sessions a previous run left open; returns how many."""
        with self._lock, Session(self._engine) as db:
            restored = load_open_sessions(session=db)
            self._machine.resume(restored, now)
        for saved in restored:
            self.notify(ROOM_CHANGED, saved.room_id)
        if restored:
            log.info("resumed %d open fitting-room sessions", len(restored))
        return len(restored)

    def apply_presence(self, events: Sequence[PresenceEvent]) -> None:
        """Feed a batch of presence events (in time order) and persist what they change."""
        with self._lock:
            changes: list[SessionChange] = []
            rooms: set[str] = set()
            for event in events:
                if self._machine.has_room(event.room):
                    rooms.add(event.room)
                    changes += self._machine.on_presence(event)
            self._persist(changes)
        for room_id in sorted(rooms):
            self.notify(ROOM_CHANGED, room_id)

    def tick(self, now: float) -> None:
        """Let time count: end idle sessions (go-backs for what is left) and drop unconfirmed items."""
        with self._lock:
            changes = self._machine.tick(now)
            if not changes and not self._unsaved:
                return
            self._persist(changes)
        for room_id in sorted({c.room_id for c in changes}):
            self.notify(ROOM_CHANGED, room_id)

    @contextmanager
    def room_action(self, room_id: str, now: float) -> Iterator[RoomAction]:
        """Run a mirror action in one transaction with the session it belongs to (opened if none).

        Commits when the block ends normally; on an exception nothing of the action is written.
        """
        with self._lock:
            if self._unsaved:
                self._persist([])  # what a full disk held back goes first
                if self._unsaved:
                    raise DiskFull()  # still full: the action is not tried, nothing is written out of order
            session, changes = self._machine.record_activity(room_id, now)
            try:
                with Session(self._engine) as db:
                    apply_session_changes(
                        session=db,
                        changes=changes,
                        store_id=self._store_id,
                        catalog=self.catalog.current(),
                        member_of=self._member_of,
                        store_facts=self._store_facts,
                    )
                    row = db.get(FittingRoomSession, session.id)
                    action = RoomAction(db=db, session=session, member_id=row.member_id if row else None)
                    yield action
                    db.commit()
            except BaseException:
                # The action is not written, but a session it opened is real: keep memory and rows in step.
                self._persist(changes)
                raise
        self.notify(ROOM_CHANGED, room_id)
        if action.tasks_changed:
            self.notify(TASKS_CHANGED, None)

    def mark_purchased(self, room_id: str, epcs: Iterable[str], now: float) -> None:
        """Items bought at the mirror never become go-backs (call inside or after the purchase)."""
        with self._lock:
            self._machine.record_purchase(room_id, epcs, now)

    def snapshot(self, room_id: str) -> RoomSnapshot:
        """The room now (raises KeyError for a room that is not a fitting room)."""
        with self._lock:
            room = self._machine.room(room_id)
            session = room.session
            items = tuple((i.epc, i.gtin, i.first_seen) for i in session.present_items()) if session else ()
            return RoomSnapshot(
                room_id=room_id,
                covered=room.covered,
                session_id=session.id if session else None,
                started_at=session.started_at if session else None,
                items=items,
                shopper_devices=tuple(room.shoppers),
                purchased_epcs=frozenset(session.purchased) if session else frozenset(),
                seen_epcs=frozenset(session.items) if session else frozenset(),
            )

    def forget_member(self, member_id: str) -> int:
        """Erasure: drop what the fitting-room tables hold of a member (email lists, session links)."""
        with self._lock, Session(self._engine) as db:
            changed = forget_member(session=db, member_id=member_id)
            changed += forget_orders(session=db, member_id=member_id)  # ship-to-home orders
            db.commit()
        checkpoint_after_erasure(self._engine)  # the WAL still holds the rows as they were
        return changed

    def link_member(self, device: str) -> int:
        """A profile arrived late: link the open sessions that phone joined to its member (nothing is
        lost of a session the shopper started before the centre answered). Returns sessions linked."""
        member = self._member_of(device)
        if member is None:
            return 0
        linked = 0
        with self._lock, Session(self._engine) as db:
            for open_session in self._machine.open_sessions():
                row = db.get(FittingRoomSession, open_session.id)
                if row is not None and row.member_id is None and device in row.devices:
                    row.member_id = member
                    db.add(row)
                    linked += 1
            db.commit()
        return linked

    def rooms_with_device(self, device: str) -> list[str]:
        """Fitting rooms where the shopper device is now."""
        with self._lock:
            return [
                s.room_id
                for s in self._machine.open_sessions()
                if device in self._machine.room(s.room_id).shoppers
            ]

    def _persist(self, changes: list[SessionChange]) -> None:
        batch = self._unsaved + changes if self._unsaved else changes
        if not batch:
            return
        try:
            with Session(self._engine) as db:
                go_backs = apply_session_changes(
                    session=db,
                    changes=batch,
                    store_id=self._store_id,
                    catalog=self.catalog.current(),
                    member_of=self._member_of,
                    store_facts=self._store_facts,
                )
                db.commit()
        except OperationalError as exc:
            if not is_disk_full(exc):
                raise
            # The rooms go on in memory (mirrors, presence); the changes are written when space returns.
            if not self._unsaved:
                log.error("fitting rooms: disk full; session changes kept in memory until it has space")
            self._unsaved = list(batch)
            return
        if self._unsaved:
            log.warning("fitting rooms: %d session changes held back by a full disk are written", len(batch))
            self._unsaved = []
        ended = [c for c in batch if isinstance(c, SessionEnded)]
        for change in ended:
            self.on_session_ended(change)
        if go_backs or ended:
            self.notify(TASKS_CHANGED, None)
