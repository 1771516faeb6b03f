"""Shoppers and associates who move garments through the store, as actors of ``simulators.store.Store``.

A shopper arrives at the entrance, browses the floor picking 1–5 garments (often one style in two
sizes), waits for a free fitting room, walks the corridor to it, hangs the garments up, tries most of
them on one after another (a worn garment is nearly silent), then leaves with some and leaves the rest
behind as go-backs, pays and walks out. An associate, 3–15 minutes later, walks in, collects the
go-backs and takes them back to the floor. Opted-in shoppers carry a phone advertising the store app's
iBeacon.

``Behaviour`` widens this (its defaults are exactly the visit above, draw for draw): shoppers walk at
their own speed, some stop at a door on the way and turn back before queueing again, some bring a
companion who shares the room (parent and child) and wears garments too, an associate brings one to
five more garments to an occupied room (``Errand``), a shopper hands one garment out at the door to an
associate and keeps the rest, and go-backs wait a store-specific while for collection.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from edge.epc import gtin_check_digit
from simulators.physics import Place
from simulators.room_board import RoomBoard
from simulators.staff import Associate, Errand
from simulators.store import Store, derive_rng

__all__ = [
    "Associate",
    "Behaviour",
    "Errand",
    "GarmentSupply",
    "RoomBoard",
    "Shopper",
    "default_catalog_path",
    "populate",
]

_TRY_ON_CATEGORIES = {"tops", "dresses", "trousers", "outerwear"}


def default_catalog_path() -> Path:
    import edge

    return Path(edge.__file__).resolve().parent / "data" / "demo_catalog.json"


class GarmentSupply:
    """GTINs shoppers can pick: the catalog's garments (grouped by style), or generated valid GTINs."""

    def __init__(self, catalog_path: Path | None = None, *, seed: int = 0) -> None:
        self.styles: list[list[str]] = []
        path = catalog_path if catalog_path is not None else default_catalog_path()
        if catalog_path is not None or path.exists():  # a catalog asked for must be there
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


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How people move garments in one store; the defaults are the simulator's original store.

    Shares are probabilities per visit; ranges are (low, high) drawn uniformly per person or visit.
    """

    items_max: int = 5  # a shopper picks 1..items_max garments
    max_worn: int = 2  # garments on a body (or two, with a companion) at once
    wear_together_share: float = 0.3  # try-ons where more than one garment goes on
    walk_speed: tuple[float, float] | None = None  # (strolling, brisk) room widths/s; None: the store's
    turn_back_share: float = 0.0  # shoppers who stop at a door on the way and turn back once
    companion_share: float = 0.0  # shoppers sharing their room with a companion (parent and child)
    bring_share: float = 0.0  # visits where an associate brings one to five more garments
    hand_out_share: float = 0.0  # visits where the shopper hands one garment out and keeps the rest
    go_back_delay_s: tuple[float, float] = (180.0, 900.0)  # a vacated room's go-backs wait this long


class Shopper:
    """One shopper's visit, step by step (see the module docstring)."""

    def __init__(
        self,
        shopper_id: str,
        arrive_at: float,
        board: RoomBoard,
        supply: GarmentSupply,
        rng: random.Random,
        *,
        phone_minor: int | None,
        behaviour: Behaviour | None = None,
    ) -> None:
        self.id = shopper_id
        self.board = board
        self.supply = supply
        self.rng = rng
        self.phone_minor = phone_minor
        self.behaviour = b = behaviour or Behaviour()
        self.state = "due"
        self.next_at = arrive_at
        self.items: list[str] = []
        counts = list(range(1, b.items_max + 1))
        weights = ([2, 4, 4, 3, 2] + [1] * b.items_max)[: b.items_max]
        self.wanted = rng.choices(counts, weights=weights)[0]
        self.room: str | None = None
        self.to_try: list[str] = []
        self.worn: list[str] = []
        self.done = False
        # Draws only for what this store's behaviour has, so the default store draws as it always did.
        self.speed = rng.uniform(*b.walk_speed) if b.walk_speed else None
        self.turn_back = bool(b.turn_back_share) and rng.random() < b.turn_back_share
        self.party = [shopper_id]
        if b.companion_share and rng.random() < b.companion_share:
            self.party.append(f"{shopper_id}-companion")
        self.bring = bool(b.bring_share) and rng.random() < b.bring_share
        self.hand_out = bool(b.hand_out_share) and rng.random() < b.hand_out_share

    def act(self, store: Store, t0: float, t1: float) -> None:
        while not self.done and self.next_at < t1:
            self._advance(store, max(t0, self.next_at))

    def _advance(self, store: Store, t: float) -> None:
        rng = self.rng
        state = self.state
        if state == "due":
            entrance = store.room_of_kind("entrance")
            store.add_person(self.id, entrance, phone_minor=self.phone_minor, speed=self.speed)
            for other in self.party[1:]:
                store.add_person(other, entrance, speed=self.speed)
            self.state, self.next_at = "browse", t + rng.uniform(4, 12)
        elif state == "browse":
            self._walk(store, store.room_of_kind("sales_floor"))
            gtins = self.supply.pick(rng, self.wanted)
            self.items = [store.new_garment(g) for g in gtins]
            self.state, self.next_at = "picked", t + rng.uniform(30, 180)
        elif state == "picked":
            store.pick_up(self.id, self.items)
            self.state, self.next_at = "queue", t + rng.uniform(2, 10)
        elif state == "queue":
            if self.turn_back:
                self._stop_at_a_door(store, t)
                return
            held = self.board.held_for(self.phone_minor) if self.phone_minor is not None else None
            free = self.board.free_rooms()
            if held is None and not free:
                self.next_at = t + rng.uniform(5, 15)
                return
            self.room = held if held is not None else rng.choice(free)
            self.board.held.pop(self.room, None)
            self.board.claim(self.room, self.id)
            arrive = self._walk(store, Place.in_room(self.room))
            self.state, self.next_at = "hang_up", arrive + rng.uniform(3, 10)
        elif state == "turn_back":
            arrive = self._walk(store, store.room_of_kind("sales_floor"))
            self.state, self.next_at = "queue", arrive + rng.uniform(10, 40)
        elif state == "hang_up":
            store.put(self.items, Place.in_room(self._room()))
            # What an associate prepared there for them (a reservation to try) is theirs to try too.
            self.items.extend(self.board.prepared.pop(self._room(), []))
            # Not everything gets tried on: once one size fits, the other stays on its hanger.
            self.to_try = [e for e in self.items if rng.random() < 0.75] or self.items[:1]
            rng.shuffle(self.to_try)
            self.state, self.next_at = "try_on", t + rng.uniform(10, 40)
            if self.bring:
                self._send_for_more(store, t)
        elif state == "try_on":
            self._try_on(store, t)
        elif state == "take_off":
            for epc in self.worn:
                store.wear(epc, False)
                store.handle(epc)
            self.worn = []
            self.state, self.next_at = "try_on", t + rng.uniform(10, 40)
            if self.hand_out and len(self.items) >= 2:
                self.hand_out = False
                self._hand_one_out(store, t)
        elif state == "leave_room":
            self._leave_room(store, t)
        elif state == "pay":
            self._walk(store, store.room_of_kind("entrance"))
            self.state, self.next_at = "exit", t + rng.uniform(15, 30)
        elif state == "exit":
            for person in self.party:
                store.leave_store(person)
            self.done = True

    def _walk(self, store: Store, dest: Place) -> float:
        """The shopper (and a companion) walk together; returns when they arrive."""
        return max(store.walk_to(person, dest) for person in self.party)

    def _stop_at_a_door(self, store: Store, t: float) -> None:
        """On the way to the rooms, stop at one's door (the queue, a friend, second thoughts), turn back."""
        self.turn_back = False
        room = self.rng.choice(self.board.rooms)
        x = store.corridor.position(room)
        if x is None:
            return
        arrive = self._walk(store, Place.corridor(x))
        self.state, self.next_at = "turn_back", arrive + self.rng.uniform(1, 8)

    def _send_for_more(self, store: Store, t: float) -> None:
        """An associate brings one to five more garments (other sizes) to the room a while later."""
        self.bring = False
        room = self._room()
        gtins = self.supply.pick(self.rng, self.rng.randint(1, 5))

        def delivered(store: Store, errand: Errand) -> None:
            here = self.room == room and self.state in ("try_on", "take_off")
            if here:
                self.items.extend(errand.bring)
                self.to_try.extend(e for e in errand.bring if self.rng.random() < 0.6)
            else:
                self.board.go_backs.setdefault(room, []).extend(errand.bring)

        errand = Errand(
            self.board.next_errand_id(),
            t + self.rng.uniform(20, 120),
            Place.in_room(room),
            self.rng,
            gtins=gtins,
            on_arrival=delivered,
        )
        store.actors.append(errand)

    def _hand_one_out(self, store: Store, t: float) -> None:
        """The shopper hands one garment out at the door to an associate and keeps the rest."""
        room = self._room()
        x = store.corridor.position(room)
        if x is None:
            return

        def take(store: Store, errand: Errand) -> None:
            here = Place.in_room(room)
            # Whatever hangs there now (not what the shopper is wearing, nor what they already took).
            hanging = [
                e
                for e in self.items
                if e not in self.worn and store.garment(e).place == here and store.garment(e).carrier is None
            ]
            if self.state not in ("try_on", "take_off") or len(hanging) < 2:
                return  # gone, or nothing left to hand out and keep the rest
            epc = self.rng.choice(hanging)
            store.pick_up(errand.id, [epc])
            self.items.remove(epc)
            if epc in self.to_try:
                self.to_try.remove(epc)

        errand = Errand(
            self.board.next_errand_id(),
            t + self.rng.uniform(5, 30),
            Place.corridor(x),
            self.rng,
            on_arrival=take,
        )
        store.actors.append(errand)

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
        # Sometimes a top and trousers go on together (with a companion, more at once).
        b = self.behaviour
        n = 2 if len(self.to_try) >= 2 and rng.random() < b.wear_together_share else 1
        if n == 2 and b.max_worn > 2 and len(self.to_try) > 2 and rng.random() < 0.5:
            n = min(len(self.to_try), rng.randint(3, b.max_worn))
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
        arrive = self._walk(store, store.room_of_kind("sales_floor"))
        self.board.release(room, arrive)
        self.items = taken
        self.state, self.next_at = "pay", arrive + rng.uniform(20, 90)


def populate(
    store: Store,
    *,
    shoppers: int,
    duration_s: float,
    opt_in_share: float = 0.6,
    associates: int = 1,
    catalog_path: Path | None = None,
    behaviour: Behaviour | None = None,
) -> RoomBoard:
    """Add ``shoppers`` shoppers arriving over the first part of ``duration_s``, and associates."""
    behaviour = behaviour or Behaviour()
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
        store.actors.append(
            Shopper(
                f"shopper-{i + 1}",
                store.now + offset,
                board,
                supply,
                derive_rng(seed, "shopper", str(i)),
                phone_minor=minor,
                behaviour=behaviour,
            )
        )
    for i in range(associates):
        badge = f"35{derive_rng(seed, 'badge', str(i)).randrange(16**22):022X}"  # GID-96 employee badge
        store.actors.append(
            Associate(
                f"associate-{i + 1}",
                board,
                derive_rng(seed, "associate", str(i)),
                badge_epc=badge,
                delay_s=behaviour.go_back_delay_s,
            )
        )
    return board
