"""Shoppers and associates who move garments through the store, as actors of ``simulators.store.Store``.

A shopper arrives at the entrance, browses the floor picking 1–5 garments (often one style in two
sizes), waits for a free fitting room, walks the corridor to it, hangs the garments up, tries most of
them on one after another (a worn garment is nearly silent), then leaves with some and leaves the rest
behind as go-backs, pays and walks out. An associate, 3–15 minutes later, walks in, collects the
go-backs and takes them back to the floor. Opted-in shoppers carry a phone advertising the store app's
iBeacon.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from edge.epc import gtin_check_digit
from simulators.physics import Place
from simulators.store import Store, derive_rng

__all__ = ["Associate", "GarmentSupply", "RoomBoard", "Shopper", "default_catalog_path", "populate"]

_TRY_ON_CATEGORIES = {"tops", "dresses", "trousers", "outerwear"}


def default_catalog_path() -> Path:
    import edge

    return Path(edge.__file__).resolve().parent / "data" / "demo_catalog.json"


class GarmentSupply:
    """GTINs shoppers can pick: the catalog's garments (grouped by style), or generated valid GTINs."""

    def __init__(self, catalog_path: Path | None = None, *, seed: int = 0) -> None:
        self.styles: list[list[str]] = []
        path = catalog_path if catalog_path is not None else default_catalog_path()
        if path.exists():
            from edge.catalog.model import load_catalog

            catalog = load_catalog(path)
            wearable = [s for s in catalog.styles if str(s.category) in _TRY_ON_CATEGORIES]
            wearable = wearable or list(catalog.styles)
            self.styles = [[sku.gtin for sku in style.skus] for style in wearable]
        if not self.styles:
            self.styles = _generated_styles(seed)

    def pick(self, rng: random.Random, count: int) -> list[str]:
        """``count`` GTINs; a shopper often takes one style in neighbouring sizes."""
        out: list[str] = []
        while len(out) < count:
            style = rng.choice(self.styles)
            i = rng.randrange(len(style))
            out.append(style[i])
            if len(out) < count and len(style) > 1 and rng.random() < 0.3:
                out.append(style[(i + 1) % len(style)])
        return out


def _generated_styles(seed: int) -> list[list[str]]:
    rng = derive_rng(seed, "gtins")
    prefix = "4012345"  # a 7-digit company prefix, so edge.epc encodes these with its defaults
    styles = []
    for style in range(60):
        base = rng.randrange(1000, 9000) * 10
        skus = []
        for size in range(rng.randint(3, 6)):
            body = "0" + prefix + f"{(base + size + style * 10) % 100000:05d}"
            skus.append(body + str(gtin_check_digit(body)))
        styles.append(skus)
    return styles


@dataclass
class RoomBoard:
    """Which fitting room is taken by whom, and the go-backs left in each."""

    rooms: list[str]
    taken: dict[str, str] = field(default_factory=dict)
    go_backs: dict[str, list[str]] = field(default_factory=dict)
    vacated_at: dict[str, float] = field(default_factory=dict)

    def free_rooms(self) -> list[str]:
        return [r for r in self.rooms if r not in self.taken]

    def claim(self, room: str, who: str) -> None:
        self.taken[room] = who

    def release(self, room: str, t: float) -> None:
        self.taken.pop(room, None)
        self.vacated_at[room] = t


class Shopper:
    """One shopper's visit, step by step (see the module docstring)."""

    def __init__(self, shopper_id: str, arrive_at: float, board: RoomBoard, supply: GarmentSupply,
                 rng: random.Random, *, phone_minor: int | None) -> None:
        self.id = shopper_id
        self.board = board
        self.supply = supply
        self.rng = rng
        self.phone_minor = phone_minor
        self.state = "due"
        self.next_at = arrive_at
        self.items: list[str] = []
        self.wanted = rng.choices([1, 2, 3, 4, 5], weights=[2, 4, 4, 3, 2])[0]
        self.room: str | None = None
        self.to_try: list[str] = []
        self.worn: list[str] = []
        self.done = False

    def act(self, store: Store, t0: float, t1: float) -> None:
        while not self.done and self.next_at < t1:
            self._advance(store, max(t0, self.next_at))

    def _advance(self, store: Store, t: float) -> None:
        rng = self.rng
        state = self.state
        if state == "due":
            entrance = _room_of_kind(store, "entrance")
            store.add_person(self.id, entrance, phone_minor=self.phone_minor)
            self.state, self.next_at = "browse", t + rng.uniform(4, 12)
        elif state == "browse":
            store.walk_to(self.id, _room_of_kind(store, "sales_floor"))
            gtins = self.supply.pick(rng, self.wanted)
            self.items = [store.new_garment(g) for g in gtins]
            self.state, self.next_at = "picked", t + rng.uniform(30, 180)
        elif state == "picked":
            store.pick_up(self.id, self.items)
            self.state, self.next_at = "queue", t + rng.uniform(2, 10)
        elif state == "queue":
            free = self.board.free_rooms()
            if not free:
                self.next_at = t + rng.uniform(5, 15)
                return
            self.room = rng.choice(free)
            self.board.claim(self.room, self.id)
            arrive = store.walk_to(self.id, Place.in_room(self.room))
            self.state, self.next_at = "hang_up", arrive + rng.uniform(3, 10)
        elif state == "hang_up":
            store.put(self.items, Place.in_room(self._room()))
            # Not everything gets tried on: once one size fits, the other stays on its hanger.
            self.to_try = [e for e in self.items if rng.random() < 0.75] or self.items[:1]
            rng.shuffle(self.to_try)
            self.state, self.next_at = "try_on", t + rng.uniform(10, 40)
        elif state == "try_on":
            self._try_on(store, t)
        elif state == "take_off":
            for epc in self.worn:
                store.wear(epc, False)
                store.handle(epc)
            self.worn = []
            self.state, self.next_at = "try_on", t + rng.uniform(10, 40)
        elif state == "leave_room":
            self._leave_room(store, t)
        elif state == "pay":
            store.walk_to(self.id, _room_of_kind(store, "entrance"))
            self.state, self.next_at = "exit", t + rng.uniform(15, 30)
        elif state == "exit":
            store.leave_store(self.id)
            self.done = True

    def _room(self) -> str:
        if self.room is None:
            raise RuntimeError("shopper has no fitting room")
        return self.room

    def _try_on(self, store: Store, t: float) -> None:
        rng = self.rng
        if not self.to_try:
            self.state, self.next_at = "leave_room", t + rng.uniform(5, 30)
            return
        # Rummaging through the hooks turns the other garments too.
        hanging = [e for e in self.items if e not in self.to_try]
        if hanging and rng.random() < 0.4:
            store.handle(rng.choice(hanging))
        # Sometimes a top and trousers go on together.
        n = 2 if len(self.to_try) >= 2 and rng.random() < 0.3 else 1
        self.worn = [self.to_try.pop() for _ in range(n)]
        for epc in self.worn:
            store.wear(epc, True)
        self.state, self.next_at = "take_off", t + rng.uniform(60, 120)

    def _leave_room(self, store: Store, t: float) -> None:
        rng = self.rng
        room = self._room()
        taken = [e for e in self.items if rng.random() < 0.5]
        left = [e for e in self.items if e not in taken]
        store.pick_up(self.id, taken)
        self.board.go_backs.setdefault(room, []).extend(left)
        arrive = store.walk_to(self.id, _room_of_kind(store, "sales_floor"))
        self.board.release(room, arrive)
        self.items = taken
        self.state, self.next_at = "pay", arrive + rng.uniform(20, 90)


class Associate:
    """Collects go-backs from vacated fitting rooms and takes them back to the floor."""

    def __init__(
        self, associate_id: str, board: RoomBoard, rng: random.Random, *, badge_epc: str | None
    ) -> None:
        self.id = associate_id
        self.board = board
        self.rng = rng
        self.badge_epc = badge_epc
        self.state = "idle"
        self.next_at = 0.0
        self.room: str | None = None
        self.present = False
        self.delay = {room: rng.uniform(180, 900) for room in board.rooms}

    def act(self, store: Store, t0: float, t1: float) -> None:
        while self.next_at < t1:
            if not self._advance(store, max(t0, self.next_at)):
                self.next_at = t1
                return

    def _advance(self, store: Store, t: float) -> bool:
        if not self.present:
            store.add_person(self.id, _room_of_kind(store, "sales_floor"))
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
            arrive = store.walk_to(self.id, _room_of_kind(store, "sales_floor"))
            self.board.release(room, arrive)
            self.delay[room] = self.rng.uniform(180, 900)
            self.state, self.next_at = "shelve", arrive + self.rng.uniform(10, 30)
            return True
        if self.state == "shelve":
            person = store.people[self.id]
            store.put([e for e in person.carrying if e != self.badge_epc], Place.away())
            self.state, self.next_at = "idle", t + 5.0
            return True
        return False


def _room_of_kind(store: Store, kind: str) -> Place:
    room = next((r for r in store.layout.rooms if r.kind.value == kind), None)
    return Place.in_room(room.id) if room is not None else Place.away()


def populate(store: Store, *, shoppers: int, duration_s: float, opt_in_share: float = 0.6,
             associates: int = 1, catalog_path: Path | None = None) -> RoomBoard:
    """Add ``shoppers`` shoppers arriving over the first part of ``duration_s``, and associates."""
    seed = store.config.seed
    rng = derive_rng(seed, "shoppers")
    board = RoomBoard(store.corridor.rooms)
    supply = GarmentSupply(catalog_path, seed=seed)
    # Arrivals spread over the first 70 % so most visits finish inside the run.
    window = max(duration_s * 0.7, 1.0)
    arrivals = sorted(rng.uniform(0, window) for _ in range(shoppers))
    minors = rng.sample(range(1, 65535), shoppers) if shoppers else []
    for i, offset in enumerate(arrivals):
        minor = minors[i] if rng.random() < opt_in_share else None
        store.actors.append(Shopper(f"shopper-{i + 1}", store.now + offset, board, supply,
                                    derive_rng(seed, "shopper", str(i)), phone_minor=minor))
    for i in range(associates):
        badge = f"35{derive_rng(seed, 'badge', str(i)).randrange(16**22):022X}"  # GID-96 employee badge
        store.actors.append(Associate(f"associate-{i + 1}", board, derive_rng(seed, "associate", str(i)),
                                      badge_epc=badge))
    return board
