"""The store's floor staff as actors of ``simulators.store.Store``: an ``Associate`` who collects
go-backs from vacated fitting rooms (a few minutes after the shopper left) and shelves them, and an
``Errand``: an associate bringing garments to a room or the corridor and taking one handed out; and
``prepare_reservation``, an errand that readies a fitting room for a shopper who reserved to try."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from simulators.physics import Place
from simulators.room_board import RoomBoard
from simulators.store import Store

__all__ = ["Associate", "Errand", "prepare_reservation"]


class Associate:
    """Collects go-backs from vacated fitting rooms and takes them back to the floor."""

    def __init__(
        self,
        associate_id: str,
        board: RoomBoard,
        rng: random.Random,
        *,
        badge_epc: str | None,
        delay_s: tuple[float, float] = (180.0, 900.0),
    ) -> None:
        self.id = associate_id
        self.board = board
        self.rng = rng
        self.badge_epc = badge_epc
        self.delay_s = delay_s
        self.state = "idle"
        self.next_at = 0.0
        self.room: str | None = None
        self.present = False
        self.delay = {room: rng.uniform(*delay_s) for room in board.rooms}

    def act(self, store: Store, t0: float, t1: float) -> None:
        while self.next_at < t1:
            if not self._advance(store, max(t0, self.next_at)):
                self.next_at = t1
                return

    def _advance(self, store: Store, t: float) -> bool:
        if not self.present:
            store.add_person(self.id, store.room_of_kind("sales_floor"))
            if self.badge_epc is not None:
                store.pick_up(self.id, [store.new_garment(epc=self.badge_epc)])
            self.present = True
        if self.state == "idle":
            for room, items in self.board.go_backs.items():
                vacated = self.board.vacated_at.get(room, t)
                if items and room not in self.board.taken and t - vacated >= self.delay[room]:
                    self.board.claim(room, self.id)
                    self.room = room
                    arrive = store.walk_to(self.id, Place.in_room(room))
                    self.state, self.next_at = "collect", arrive + self.rng.uniform(5, 15)
                    return True
            return False
        room = self.room or ""
        if self.state == "collect":
            items = self.board.go_backs.pop(room, [])
            store.pick_up(self.id, items)
            arrive = store.walk_to(self.id, store.room_of_kind("sales_floor"))
            self.board.release(room, arrive)
            self.delay[room] = self.rng.uniform(*self.delay_s)
            self.state, self.next_at = "shelve", arrive + self.rng.uniform(10, 30)
            return True
        if self.state == "shelve":
            person = store.people[self.id]
            store.put([e for e in person.carrying if e != self.badge_epc], Place.away())
            self.state, self.next_at = "idle", t + 5.0
            return True
        return False


class Errand:
    """An associate's errand: from the sales floor to ``dest`` with ``gtins`` (new garments, put down
    there), ``on_arrival`` a few seconds after arriving (e.g. taking a garment handed out), then back to
    the floor, where whatever they carry goes back on the shelves, and off the floor."""

    def __init__(
        self,
        errand_id: str,
        start_at: float,
        dest: Place,
        rng: random.Random,
        *,
        gtins: Sequence[str] = (),
        on_arrival: Callable[[Store, Errand], None] | None = None,
        speed: float | None = None,
    ) -> None:
        self.id = errand_id
        self.dest = dest
        self.rng = rng
        self.gtins = list(gtins)
        self.bring: list[str] = []
        self.on_arrival = on_arrival
        self.speed = speed
        self.state = "due"
        self.next_at = start_at
        self.done = False

    def act(self, store: Store, t0: float, t1: float) -> None:
        while not self.done and self.next_at < t1:
            self._advance(store, max(t0, self.next_at))

    def _advance(self, store: Store, t: float) -> None:
        if self.state == "due":
            store.add_person(self.id, store.room_of_kind("sales_floor"), speed=self.speed)
            self.bring = [store.new_garment(g) for g in self.gtins]
            if self.bring:
                store.pick_up(self.id, self.bring)
            arrive = store.walk_to(self.id, self.dest)
            self.state, self.next_at = "there", arrive + self.rng.uniform(2, 6)
        elif self.state == "there":
            if self.bring:
                store.put(self.bring, self.dest)
            if self.on_arrival is not None:
                self.on_arrival(store, self)
            arrive = store.walk_to(self.id, store.room_of_kind("sales_floor"))
            self.state, self.next_at = "back", arrive + self.rng.uniform(2, 10)
        elif self.state == "back":
            store.put(list(store.people[self.id].carrying), Place.away())
            store.leave_store(self.id)
            self.done = True


def prepare_reservation(
    store: Store, board: RoomBoard, rng: random.Random, *, phone_minor: int, gtins: Sequence[str], at: float
) -> str | None:
    """An associate prepares a reservation to try: from ``at``, carries ``gtins`` into a free fitting room
    held for the shopper with ``phone_minor`` (who goes to that room, and tries them with their own);
    returns the room, or None when every room is taken."""
    free = board.free_rooms()
    if not free:
        return None
    room = free[0]
    board.hold(room, phone_minor)

    def hand_over(_store: Store, errand: Errand) -> None:
        if room in board.taken:  # they came before it was ready: left for the go-back round
            board.go_backs.setdefault(room, []).extend(errand.bring)
        else:
            board.prepared.setdefault(room, []).extend(errand.bring)

    errand = Errand(board.next_errand_id(), at, Place.in_room(room), rng, gtins=gtins, on_arrival=hand_over)
    store.actors.append(errand)
    return room
