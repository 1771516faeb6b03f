"""The demo's shoppers: the store simulator's shifts published live over MQTT (and to emulated LLRP
readers), opening with a few shoppers already on their way to the fitting rooms."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from edge.config import DEMO_CATALOG
from edge.layout import Layout
from simulators.live import LivePublisher
from simulators.physics import Place
from simulators.shoppers import Shopper
from simulators.staff import prepare_reservation
from simulators.store import derive_rng
from simulators.trace import Scenario, Simulation

if TYPE_CHECKING:
    from simulators.llrp import ReaderEmulator

__all__ = ["SIM_HOURS", "Reserved", "ShopperTraffic", "open_with_shoppers"]

log = logging.getLogger("fitroom-demo")

SIM_HOURS = 3.0  # one simulated shift; a new one starts when it ends
PREPARE_AFTER_S = 20.0  # an associate starts preparing a reservation this long into its wave


@dataclass(frozen=True)
class Reserved:
    """A shopper of the coming wave reserved these garments to try (``on_wave``'s answer)."""

    phone_minor: int
    gtins: list[str]


class ShopperTraffic:
    """The store simulator's shoppers, published live in real time (times ``speed``) on a thread.

    Shoppers come in waves of one simulated shift each; ``on_wave`` gets each wave's opted-in phones
    (iBeacon minors) before it starts, so the central store can know them as members; when it answers
    with a ``Reserved``, an associate prepares a fitting room with those garments for that shopper."""

    def __init__(
        self,
        layout: Layout,
        mqtt_url: str,
        *,
        per_hour: float,
        speed: float,
        seed: int,
        on_wave: Callable[[list[int]], Reserved | None] | None = None,
        llrp: dict[str, ReaderEmulator] | None = None,
        first_shoppers: int = 0,
    ) -> None:
        self.layout = layout
        self.first_shoppers = first_shoppers
        self.per_hour = per_hour
        self.speed = speed
        self.seed = seed
        self.on_wave = on_wave
        self.publisher = LivePublisher(
            layout, mqtt_url, client_prefix=f"fitroom-demo-{os.getpid()}", llrp=llrp
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-shoppers", daemon=True)
        self.error: BaseException | None = None

    def wave(self, seed: int, *, first_shoppers: int = 0) -> tuple[Simulation, list[int]]:
        """One simulated shift from now; ``first_shoppers`` are heading for the fitting rooms at its start."""
        scenario = Scenario(
            seed=seed,
            duration_s=SIM_HOURS * 3600.0,
            shoppers=max(1, round(self.per_hour * SIM_HOURS)),
            associates=1,
            start=round(time.time(), 3),
        )
        sim = Simulation(self.layout, scenario, catalog_path=DEMO_CATALOG)
        open_with_shoppers(sim, first_shoppers)
        minors = [
            m for m in (getattr(a, "phone_minor", None) for a in sim.store.actors) if isinstance(m, int)
        ]
        return sim, minors

    def prepare(self, sim: Simulation, reserved: Reserved) -> str | None:
        """An associate readies a fitting room with the reserved garments, held for that shopper."""
        boards = [a.board for a in sim.store.actors if isinstance(a, Shopper)]
        if not boards:
            return None
        rng = derive_rng(sim.scenario.seed, "reservation")
        at = sim.scenario.start + PREPARE_AFTER_S
        minor, gtins = reserved.phone_minor, reserved.gtins
        return prepare_reservation(sim.store, boards[0], rng, phone_minor=minor, gtins=gtins, at=at)

    def start(self) -> None:
        self.publisher.connect()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.publisher.wait_idle()
        self.publisher.close()

    def _run(self) -> None:
        seed = self.seed
        try:
            first = self.first_shoppers
            while not self._stop.is_set():
                sim, minors = self.wave(seed, first_shoppers=first)
                first = 0
                reserved = self.on_wave(minors) if self.on_wave is not None else None
                if reserved is not None:
                    self.prepare(sim, reserved)
                wall0, sim0 = time.monotonic(), sim.scenario.start
                for msg in sim.messages(opening=False):
                    delay = wall0 + (msg.t - sim0) / self.speed - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        return
                    self.publisher.publish(msg)
                seed += 1
        except BaseException as exc:  # reported by the demo rather than lost with the thread
            self.error = exc
            log.exception("shopper simulation stopped")


def open_with_shoppers(sim: Simulation, count: int) -> list[Shopper]:
    """Add ``count`` shoppers who chose their garments before the demo began, each claiming a free fitting
    room within the first seconds (a second or two apart) and hanging up there soon after walking in.

    They are the simulator's own ``Shopper``s from then on: trying on, leaving go-backs, paying.
    Returns them (fewer when the store has fewer free fitting rooms)."""
    store = sim.store
    peers = [a for a in store.actors if isinstance(a, Shopper)]
    if count <= 0 or not peers:
        return []
    board, supply = peers[0].board, peers[0].supply
    floor = next((r.id for r in store.layout.rooms if r.kind.value == "sales_floor"), None)
    rng = derive_rng(sim.scenario.seed, "first-shoppers")
    added: list[Shopper] = []
    for i, room in enumerate(board.free_rooms()[:count]):
        shopper_id = f"first-shopper-{i + 1}"
        minor = rng.randrange(1, 65535) if rng.random() < sim.scenario.opt_in_share else None
        shopper = Shopper(
            shopper_id, store.now, board, supply, derive_rng(sim.scenario.seed, shopper_id), phone_minor=minor
        )
        store.add_person(shopper_id, Place.in_room(floor) if floor else Place.away(), phone_minor=minor)
        shopper.items = [store.new_garment(g) for g in supply.pick(rng, rng.randint(2, 4))]
        store.pick_up(shopper_id, shopper.items)
        # Where Shopper's own "queue" step would take them, a moment after the doors open; they hang up
        # quickly (the shift's later shoppers take 3–10 s) so the first mirrors fill at once.
        board.claim(room, shopper_id)
        shopper.room = room
        arrive = store.walk_to(shopper_id, Place.in_room(room)) + 1.5 * i
        shopper.state, shopper.next_at = "hang_up", arrive + rng.uniform(0.5, 2.0)
        store.actors.append(shopper)
        added.append(shopper)
    return added
