"""Offers to a member's phone where they stand: when an opted-in member's phone enters a zone that an
offer targets, an ``offer_presented`` event goes through the outbox to the central store, which checks
the member's consent to offers and the daily cap and sends it to the member's app. The edge counts the
daily cap too, so a shopper walking in and out does not flood the outbox.

Follows ``PRESENCE`` (a phone entering or leaving a zone) and ``PROFILE_ARRIVED`` (its profile came after
it walked in). A phone is in a fitting room once it has stayed there (``shopper_stayed``, as its session
counts it): everyone walking along the fitting rooms passes their doors, and a phone is placed for a
moment in each. Elsewhere (the floor, the entrance) passing through is being there. Database work runs
off the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from edge.bus import EventBus, Topic
from edge.layout import Layout, RoomKind
from edge.offers import targets_zone
from edge.ports import ProfileLookup
from edge.presence.events import EventType, PresenceEvent
from edge.storage.offers import load_offers
from edge.storage.outbox import add_outbox_event
from edge.topics import PRESENCE, PROFILE_ARRIVED

__all__ = ["OffersNearby"]

DAY_S = 86400.0


class OffersNearby:
    def __init__(
        self,
        *,
        db: Engine,
        bus: EventBus,
        layout: Layout,
        profiles: ProfileLookup,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db, self._bus, self._profiles = db, bus, profiles
        self._store_id = layout.store.id
        self._kinds = {r.id: r.kind.value for r in layout.rooms}
        self._where: dict[str, str] = {}  # device -> zone
        self._sent: dict[tuple[str, str, int], int] = {}  # (member, offer, day) -> presented
        self._clock = clock

    async def start(self) -> None:
        self._bus.subscribe(PRESENCE, self.on_presence)
        self._bus.subscribe(PROFILE_ARRIVED, self.on_profile)

    def on_presence(self, _topic: Topic[PresenceEvent], event: PresenceEvent) -> None:
        if event.device is None:
            return
        fitting_room = self._kinds.get(event.room) == RoomKind.FITTING_ROOM.value
        arrives = EventType.SHOPPER_STAYED if fitting_room else EventType.SHOPPER_ENTERED
        if event.type == arrives:
            self._where[event.device] = event.room
            self._later(event.device)
        elif event.type == EventType.SHOPPER_LEFT and self._where.get(event.device) == event.room:
            del self._where[event.device]

    def on_profile(self, _topic: Topic[str], device: str) -> None:
        if device in self._where:
            self._later(device)

    def _later(self, device: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.present(device)
            return
        loop.run_in_executor(None, self.present, device)

    def present(self, device: str) -> int:
        """Stage ``offer_presented`` for each offer targeting the device's zone; returns how many."""
        zone = self._where.get(device)
        profile = self._profiles.profile_for_device(device)
        if zone is None or profile is None:
            return 0
        now = self._clock()
        day = int(now // DAY_S)
        staged = 0
        with Session(self._db) as db:
            for offer in load_offers(session=db, now=now):
                if not targets_zone(
                    offer, store_id=self._store_id, room_kind=self._kinds.get(zone, ""), now=now
                ):
                    continue
                key = (profile.member_id, offer.id, day)
                if self._sent.get(key, 0) >= offer.max_per_member_per_day:
                    continue
                self._sent[key] = self._sent.get(key, 0) + 1
                add_outbox_event(
                    session=db,
                    type="offer_presented",
                    store_id=self._store_id,
                    now=now,
                    member_id=profile.member_id,
                    payload={"offer_id": offer.id, "room_id": zone, "room_kind": self._kinds.get(zone)},
                )
                staged += 1
            db.commit()
        return staged  # the sync worker sends them at its next poll
