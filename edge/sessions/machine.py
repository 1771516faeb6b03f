"""The fitting-room session state machine: pure, driven by presence events and the time passed in.

A session opens when the first item enters a room that has no session, or a shopper's phone stays in
it. It records every item that was in the room and every shopper device. A phone counts once presence
says it has stayed (``shopper_stayed``: heard there longer than a phone carried past the door is); until
then it may be someone walking by, who must neither open a session, nor join (and be credited with)
another shopper's, nor see their name on its mirror. A phone already of the session counts again as soon
as it is back. Only a shopper's phone says a person is there; a shopper without one is known by their
garments. So a session ends after ``idle_timeout_s`` with no shopper device in the room and no new
activity only when nothing of it keeps it alive:

- nothing of it is in the room (no garments sensed, no shopper), or
- the shopper's phone was in the room and has left: what they left behind is a go-back.

Garments sensed in a room where no shopper's phone has counted mean a shopper is (most likely) still trying
them on, however still they stand: the session stays, its mirror stays, its garments stay buyable. Only
after ``abandoned_after_s`` with no change at all (no garment in or out, no mirror use) is it taken as
abandoned and ended. The items still in the room at the end become go-backs (except those bought from the
mirror: their bag task covers them). A room whose coverage is unknown (an antenna or reader is down) never
ends its session: nobody can tell whether it is empty.

After a restart the adapter ``resume``s the open sessions from the database. Restored items count as in
the room until ``resume_grace_s`` has passed without presence confirming them; then they have left.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from edge.presence.events import EventType, PresenceEvent
from edge.sessions.changes import (
    ItemAdded,
    ItemLeft,
    Leftover,
    SessionChange,
    SessionEnded,
    SessionOpened,
    ShopperJoined,
)

__all__ = ["FittingRooms", "OpenSession", "RestoredItem", "RestoredSession", "RoomState", "SessionItem"]


@dataclass(slots=True)
class SessionItem:
    """One item the session has seen; ``present`` says whether it is in the room now."""

    epc: str
    gtin: str | None
    first_seen: float
    present: bool = True
    confirmed: bool = True  # False: restored after a restart, not yet heard again


@dataclass(slots=True)
class OpenSession:
    id: str
    room_id: str
    started_at: float
    items: dict[str, SessionItem] = field(default_factory=dict)
    shoppers: set[str] = field(default_factory=set)
    purchased: set[str] = field(default_factory=set)

    def present_items(self) -> list[SessionItem]:
        """Items in the room now, in the order they first entered."""
        return sorted((i for i in self.items.values() if i.present), key=lambda i: (i.first_seen, i.epc))


@dataclass(slots=True)
class RoomState:
    room_id: str
    covered: bool = True
    shoppers: dict[str, float] = field(default_factory=dict)  # phones that count here: device -> since
    arrivals: dict[str, float] = field(default_factory=dict)  # phones not yet known to stay: maybe passing
    last_activity: float = 0.0
    session: OpenSession | None = None
    listening_since: float = 0.0  # since when presence can hear the room (restart, coverage back)
    ended_at: float = 0.0  # when its last session ended: the next one cannot have begun before


@dataclass(frozen=True, slots=True)
class RestoredItem:
    epc: str
    gtin: str | None
    first_seen: float


@dataclass(frozen=True, slots=True)
class RestoredSession:
    """An open session as the database remembers it: its items still in the room, its purchases."""

    id: str
    room_id: str
    started_at: float
    items: tuple[RestoredItem, ...] = ()
    purchased_epcs: tuple[str, ...] = ()
    shopper_devices: tuple[str, ...] = ()


class FittingRooms:
    """Sessions of a store's fitting rooms. Not thread-safe: the adapter serialises calls."""

    def __init__(
        self,
        room_ids: Iterable[str],
        *,
        idle_timeout_s: float,
        abandoned_after_s: float = 1800.0,
        resume_grace_s: float = 30.0,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        if idle_timeout_s <= 0:
            raise ValueError("idle_timeout_s must be positive")
        self._rooms = {r: RoomState(r) for r in room_ids}
        self._idle = idle_timeout_s
        self._abandoned = max(abandoned_after_s, idle_timeout_s)
        self._grace = resume_grace_s
        self._new_id = new_id
        self._resumed_at: float | None = None

    # -- reading ---------------------------------------------------------------------------------

    @property
    def idle_timeout_s(self) -> float:
        return self._idle

    def has_room(self, room_id: str) -> bool:
        return room_id in self._rooms

    def room(self, room_id: str) -> RoomState:
        """The room's state (raises KeyError for a room that is not a fitting room)."""
        return self._rooms[room_id]

    def open_sessions(self) -> list[OpenSession]:
        return [r.session for r in self._rooms.values() if r.session is not None]

    # -- driving ---------------------------------------------------------------------------------

    def resume(self, sessions: Iterable[RestoredSession], now: float) -> None:
        """Adopt the sessions that were open before a restart; call once, before any event."""
        self._resumed_at = now
        for state in self._rooms.values():
            state.listening_since = now
        for saved in sessions:
            room = self._rooms.get(saved.room_id)
            if room is None or room.session is not None:
                continue
            session = OpenSession(saved.id, saved.room_id, saved.started_at)
            for item in saved.items:
                session.items[item.epc] = SessionItem(item.epc, item.gtin, item.first_seen, confirmed=False)
            session.purchased.update(saved.purchased_epcs)
            session.shoppers.update(saved.shopper_devices)
            room.session = session
            room.last_activity = now  # the idle clock starts again from the restart

    def on_presence(self, event: PresenceEvent) -> list[SessionChange]:
        """Apply one presence event; events for rooms that are not fitting rooms are ignored."""
        room = self._rooms.get(event.room)
        if room is None:
            return []
        t = event.t
        if event.type is EventType.ROOM_UNKNOWN:
            room.covered = False
            return []
        if event.type is EventType.ROOM_KNOWN:
            room.covered = True
            room.last_activity = max(room.last_activity, t)  # give the room a fresh idle period
            room.listening_since = t  # and restored items a fresh chance to be heard
            return []
        if event.type is EventType.ITEM_ENTERED and event.epc:
            return self._item_entered(room, event.epc, event.gtin, t)
        if event.type is EventType.ITEM_LEFT and event.epc:
            return self._item_left(room, event.epc, t)
        if event.type is EventType.SHOPPER_ENTERED and event.device:
            return self._shopper_entered(room, event.device, t)
        if event.type is EventType.SHOPPER_STAYED and event.device:
            return self._shopper_stayed(room, event.device, t)
        if event.type is EventType.SHOPPER_LEFT and event.device:
            room.arrivals.pop(event.device, None)
            if room.shoppers.pop(event.device, None) is not None:
                room.last_activity = max(room.last_activity, t)
        return []

    def record_activity(self, room_id: str, now: float) -> tuple[OpenSession, list[SessionChange]]:
        """The shopper used the mirror (a request, a purchase, a help call): the room is in use.

        Opens a session if there is none (someone is clearly there) and restarts the idle clock.
        """
        room = self._rooms[room_id]
        changes: list[SessionChange] = []
        session = room.session or self._open(room, now, "mirror", changes)
        room.last_activity = max(room.last_activity, now)
        return session, changes

    def record_purchase(
        self, room_id: str, epcs: Iterable[str], now: float
    ) -> tuple[OpenSession, list[SessionChange]]:
        """Items bought from the mirror: an associate bags them, so they never become go-backs."""
        session, changes = self.record_activity(room_id, now)
        session.purchased.update(epcs)
        return session, changes

    def tick(self, now: float) -> list[SessionChange]:
        """Let time count: end idle sessions, drop restored items presence never confirmed."""
        changes: list[SessionChange] = []
        resumed = self._resumed_at is not None
        for room in self._rooms.values():
            session = room.session
            if session is None:
                continue
            # Restored items get a grace period from the restart, or from the room's coverage coming back,
            # to be heard again; a room whose coverage is down keeps them until it can hear them.
            if resumed and room.covered and now - room.listening_since >= self._grace:
                for item in session.items.values():
                    if item.present and not item.confirmed:
                        item.present = False
                        item.confirmed = True
                        changes.append(ItemLeft(session.id, room.room_id, item.epc, now, unconfirmed=True))
            if room.covered and not room.shoppers and now - room.last_activity >= self._idle_limit(session):
                changes.append(self._end(room, session, now))
        return changes

    # -- internals -------------------------------------------------------------------------------

    def _idle_limit(self, session: OpenSession) -> float:
        """How long a room without a shopper device must stay unchanged before its session ends."""
        if session.shoppers or not session.present_items():
            return self._idle  # nothing left in the room, or the shopper's phone has gone
        return self._abandoned  # garments in the room, shopper without a phone: still trying them on

    def _open(self, room: RoomState, t: float, cause: str, changes: list[SessionChange]) -> OpenSession:
        session = OpenSession(self._new_id(), room.room_id, t)
        room.session = session
        changes.append(SessionOpened(session.id, room.room_id, t, cause))
        for device in room.shoppers:
            session.shoppers.add(device)
            changes.append(ShopperJoined(session.id, room.room_id, device, t))
        return session

    def _item_entered(self, room: RoomState, epc: str, gtin: str | None, t: float) -> list[SessionChange]:
        changes: list[SessionChange] = []
        session = room.session or self._open(room, t, "item_entered", changes)
        room.last_activity = max(room.last_activity, t)
        item = session.items.get(epc)
        if item is None:
            session.items[epc] = SessionItem(epc, gtin, t)
            changes.append(ItemAdded(session.id, room.room_id, epc, gtin, t, first_time=True))
        elif not item.present:
            item.present = True
            item.confirmed = True
            changes.append(ItemAdded(session.id, room.room_id, epc, item.gtin, t, first_time=False))
        else:
            item.confirmed = True  # a restored item heard again: it really is here
        return changes

    def _item_left(self, room: RoomState, epc: str, t: float) -> list[SessionChange]:
        session = room.session
        if session is None:
            return []
        item = session.items.get(epc)
        if item is None or not item.present:
            return []
        item.present = False
        item.confirmed = True
        room.last_activity = max(room.last_activity, t)
        return [ItemLeft(session.id, room.room_id, epc, t)]

    def _shopper_entered(self, room: RoomState, device: str, t: float) -> list[SessionChange]:
        if room.session is not None and device in room.session.shoppers:
            room.shoppers[device] = t  # the session's own shopper, back: no passer-by
            room.last_activity = max(room.last_activity, t)
        else:
            room.arrivals[device] = t
        return []

    def _shopper_stayed(self, room: RoomState, device: str, t: float) -> list[SessionChange]:
        changes: list[SessionChange] = []
        arrived = room.arrivals.pop(device, t)
        since = room.shoppers.setdefault(device, arrived)
        room.last_activity = max(room.last_activity, t)
        if room.session is None:
            began = max(since, room.ended_at)  # when they came in (records them too)
            self._open(room, began, "shopper_entered", changes)
        elif device not in room.session.shoppers:
            room.session.shoppers.add(device)
            changes.append(ShopperJoined(room.session.id, room.room_id, device, t))
        return changes

    def _end(self, room: RoomState, session: OpenSession, now: float) -> SessionEnded:
        leftovers = tuple(
            Leftover(i.epc, i.gtin) for i in session.present_items() if i.epc not in session.purchased
        )
        room.session, room.ended_at = None, now
        return SessionEnded(session.id, room.room_id, now, session.started_at, leftovers)
