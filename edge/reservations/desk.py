"""The reservation desk: the store's reservations to try, moved on by what sensing sees (pure: time and
sightings are passed in; every call returns the reservations it changed, for the outbox).

- every reserved GTIN sensed together in one fitting room → ``ready`` in that room;
- some of them there → ``preparing``;
- the member's phone seen in the store → ``arrived``; in the reserved room → ``in_room``;
- that room's session ends after the member was in it → ``done``;
- past the window without arrival → ``no_show`` (the room is released).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

__all__ = ["OPEN", "Reservation", "ReservationDesk", "Status"]

Status = Literal["requested", "preparing", "ready", "arrived", "in_room", "done", "no_show", "cancelled"]
WAITING: frozenset[str] = frozenset({"requested", "preparing", "ready"})
OPEN: frozenset[str] = WAITING | {"arrived", "in_room"}


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    member_id: str
    member_first_name: str | None
    gtins: tuple[str, ...]
    arrive_from: float
    arrive_until: float
    note: str | None
    status: Status
    room_id: str | None = None


class ReservationDesk:
    """Thread-safe: sensing calls it from the sessions' thread, the pull from the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Reservation] = {}

    def all(self) -> list[Reservation]:
        with self._lock:
            return sorted(self._by_id.values(), key=lambda r: (r.arrive_from, r.id))

    def load(self, pulled: Iterable[Reservation]) -> list[Reservation]:
        """The centre's list now: new ones join, cancelled ones are cancelled, ones it no longer lists
        (erased, or closed long ago) are dropped; sensing's statuses are kept otherwise."""
        changed: list[Reservation] = []
        with self._lock:
            fresh = {r.id: r for r in pulled}
            for rid in set(self._by_id) - set(fresh):
                del self._by_id[rid]
            for rid, theirs in fresh.items():
                ours = self._by_id.get(rid)
                if ours is None:
                    self._by_id[rid] = theirs
                elif theirs.status == "cancelled" and ours.status != "cancelled":
                    self._by_id[rid] = replace(ours, status="cancelled", room_id=None)
                    changed.append(self._by_id[rid])
        return changed

    def _set(self, res: Reservation, status: Status, room_id: str | None) -> Reservation:
        new = replace(res, status=status, room_id=room_id)
        self._by_id[res.id] = new
        return new

    def room_sensed(self, room_id: str, gtins: Iterable[str], *, shoppers: int) -> list[Reservation]:
        """The GTINs in a fitting room now: a waiting reservation whose garments are all there is
        ``ready`` in it; some of them in a room without shoppers: ``preparing``."""
        present = set(gtins)
        changed: list[Reservation] = []
        with self._lock:
            taken = {r.room_id for r in self._by_id.values() if r.status in OPEN and r.room_id}
            for res in list(self._by_id.values()):
                if res.status not in WAITING or (res.room_id not in (None, room_id)):
                    continue
                if room_id in taken and res.room_id != room_id:
                    continue  # another reservation holds this room
                if set(res.gtins) <= present:
                    if res.status != "ready":
                        changed.append(self._set(res, "ready", room_id))
                        taken.add(room_id)
                elif present & set(res.gtins) and not shoppers and res.status == "requested":
                    changed.append(self._set(res, "preparing", res.room_id))
        return changed

    def member_seen(self, member_id: str, room_id: str | None, now: float) -> list[Reservation]:
        """The member's phone in the store (``room_id`` when in a fitting room)."""
        changed: list[Reservation] = []
        with self._lock:
            for res in list(self._by_id.values()):
                if res.member_id != member_id or res.status not in OPEN or now > res.arrive_until + 3600:
                    continue
                if room_id is not None and room_id == res.room_id and res.status != "in_room":
                    changed.append(self._set(res, "in_room", room_id))
                elif res.status in WAITING:
                    changed.append(self._set(res, "arrived", res.room_id))
        return changed

    def session_ended(self, room_id: str) -> list[Reservation]:
        """The room's session ended: the member's try-on there is ``done``."""
        with self._lock:
            return [
                self._set(r, "done", room_id)
                for r in list(self._by_id.values())
                if r.status == "in_room" and r.room_id == room_id
            ]

    def tick(self, now: float) -> list[Reservation]:
        """Past the window without arrival: ``no_show``, the room released."""
        with self._lock:
            return [
                self._set(r, "no_show", None)
                for r in list(self._by_id.values())
                if r.status in WAITING and now > r.arrive_until
            ]

    def forget_member(self, member_id: str) -> int:
        """Erasure: drop the member's reservations."""
        with self._lock:
            gone = [rid for rid, r in self._by_id.items() if r.member_id == member_id]
            for rid in gone:
                del self._by_id[rid]
        return len(gone)

    def held_room(self, room_id: str) -> Reservation | None:
        """The open reservation holding ``room_id``, if any (the mirror greets its member)."""
        with self._lock:
            for res in self._by_id.values():
                if res.room_id == room_id and res.status in OPEN:
                    return res
        return None
