"""The simulator's reservation to try (what ``make demo`` runs): an associate carries the reserved
garments into a fitting room held for the shopper who reserved them; nobody else takes that room; the
shopper goes to it and tries the reserved garments with their own. Without a reservation nothing changes."""

from __future__ import annotations

from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG
from edge.layout import load_layout
from simulators.demo_traffic import Reserved, ShopperTraffic
from simulators.physics import Place
from simulators.shoppers import Shopper
from tests.conftest import DEMO_LAYOUT


def test_a_prepared_room_is_held_for_the_shopper_who_reserved_it() -> None:
    layout = load_layout(DEMO_LAYOUT)
    traffic = ShopperTraffic(layout, "mqtt://127.0.0.1:1", per_hour=40, speed=1.0, seed=11)
    sim, minors = traffic.wave(11)
    assert minors, "the wave has opted-in shoppers"
    shopper = next(a for a in sim.store.actors if isinstance(a, Shopper) and a.phone_minor == minors[0])
    gtins = [style.skus[0].gtin for style in load_catalog(DEMO_CATALOG).styles[:2]]
    room = traffic.prepare(sim, Reserved(minors[0], gtins))
    assert room is not None
    board = shopper.board
    assert board.held_for(minors[0]) == room and room not in board.free_rooms()

    prepared_seen = False
    others_in_room: set[str] = set()
    for _ in sim.messages(opening=False):
        in_room = [
            g for g in sim.store.garments.values() if g.gtin in gtins and g.place == Place.in_room(room)
        ]
        prepared_seen = prepared_seen or len(in_room) == len(gtins)
        who = board.taken.get(room)
        if who is not None and who != shopper.id:
            others_in_room.add(who)
        if shopper.room == room and shopper.state in ("try_on", "take_off"):
            break
    assert prepared_seen, "the reserved garments were put in the held room"
    assert others_in_room == set(), "nobody else took the held room before its shopper"
    assert shopper.room == room
    assert sum(sim.store.garment(e).gtin in gtins for e in shopper.items) == len(gtins)
