"""A scripted store for tests: publish realistic traffic for exactly what the test puts where.

    with ScriptedStore(layout, broker.url, seed=1) as store:
        shopper = store.walk_in("fr-2", ["05061234100015", "05061234100022"], shopper=42)
        ...                       # the edge now sees two garments (and phone minor 42) in fr-2
        store.walk_out(shopper, leave=shopper.epcs[:1])   # one go-back stays behind

Items are EPCs (24 hex digits) or GTINs (8–14 digits: a new garment with a fresh serial is made).
The same physics as the full simulator apply (missed reads, cross-reads by neighbouring rooms, worn
garments near silent, reader de-duplication when asked), published live by one client per device.
Time runs in real time times ``speed``; methods are thread-safe and return at once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from edge.catalog.model import Catalog, Sku
from edge.layout import Layout, load_layout
from simulators.live import LivePublisher
from simulators.physics import Place, RadioParams
from simulators.readers import ReaderSettings
from simulators.store import SimConfig, Store

__all__ = ["ScriptedShopper", "ScriptedStore", "try_on_garments"]


def try_on_garments(catalog: Catalog) -> tuple[Sku, Sku, Sku, Sku, Sku]:
    """Garments for a scripted try-on: x and another size of it (both in stock here), y and z of two other
    styles (in stock), and a variant sold out here."""
    stock = catalog.stock_of
    x_style = next(s for s in catalog.styles if sum(stock(k.gtin).in_store > 0 for k in s.skus) >= 2)
    x, x_other = [k for k in x_style.skus if stock(k.gtin).in_store > 0][:2]
    y, z = (
        next(k for k in s.skus if stock(k.gtin).in_store > 0)
        for s in [s for s in catalog.styles if s.id != x_style.id][:2]
    )
    sold_out = next(k for s in catalog.styles for k in s.skus if stock(k.gtin).in_store <= 0)
    return x, x_other, y, z, sold_out


@dataclass
class ScriptedShopper:
    """A shopper the script moves. ``device_id`` is their phone's ESPresense id, or None without the app."""

    id: str
    room: str
    epcs: list[str]
    device_id: str | None
    arrived: threading.Event = field(default_factory=threading.Event)
    left: threading.Event = field(default_factory=threading.Event)


class _Timeline:
    """Callbacks due at simulated times, run at the start of the step they fall in."""

    def __init__(self) -> None:
        self.due: list[tuple[float, int, Callable[[], None]]] = []
        self._n = 0

    def at(self, t: float, fn: Callable[[], None]) -> None:
        self._n += 1
        self.due.append((t, self._n, fn))
        self.due.sort(key=lambda d: (d[0], d[1]))

    def act(self, store: Store, t0: float, t1: float) -> None:
        while self.due and self.due[0][0] < t1:
            _, _, fn = self.due.pop(0)
            fn()


class ScriptedStore:
    def __init__(
        self,
        layout: Layout | str | Path,
        mqtt_url: str,
        *,
        seed: int = 0,
        speed: float = 1.0,
        dedup: bool = False,
        zebra_batching: bool = False,
        client_prefix: str | None = None,
        radio: RadioParams | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.layout = layout if isinstance(layout, Layout) else load_layout(layout)
        readers = replace(ReaderSettings(), dedup=dedup, zebra_batching=zebra_batching)
        config = replace(SimConfig(), seed=seed, start=round(time.time(), 3), readers=readers)
        if radio is not None:  # e.g. RadioParams(cross_factor_max=0.0) for a test that wants no cross-reads
            config = replace(config, radio=radio)
        self.store = Store(self.layout, config)
        self.speed = speed
        # Unique client ids by default, so two scripted stores on one broker never take over each other.
        prefix = client_prefix or f"fitroom-script-{uuid.uuid4().hex[:8]}"
        self.publisher = LivePublisher(self.layout, mqtt_url, client_prefix=prefix)
        self._timeline = _Timeline()
        self.store.actors.append(self._timeline)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shoppers = 0
        self.error: BaseException | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> ScriptedStore:
        """Connect every device to the broker and start the clock."""
        self.publisher.connect()
        self._thread = threading.Thread(target=self._run, name="scripted-store", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop publishing; devices say ``offline`` and disconnect cleanly. Safe to call twice."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self.publisher.wait_idle()
        self.publisher.close()

    def __enter__(self) -> ScriptedStore:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self) -> None:
        wall0, sim0 = time.monotonic(), self.store.now
        try:
            while not self._stop.is_set():
                with self._lock:
                    messages = self.store.step()
                    step_end = self.store.now
                for msg in messages:
                    delay = wall0 + (msg.t - sim0) / self.speed - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        return
                    self.publisher.publish(msg)
                delay = wall0 + (step_end - sim0) / self.speed - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
        except BaseException as exc:  # surfaced to the test through .error rather than lost in a thread
            self.error = exc
            raise

    # --- what tests do --------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """The simulated clock (Unix seconds)."""
        return self.store.now

    def garments(self, items: Sequence[str]) -> list[str]:
        """EPCs for the given EPCs or GTINs (a GTIN makes a new garment each time)."""
        with self._lock:
            return [self._garment(item) for item in items]

    def _garment(self, item: str) -> str:
        item = item.strip()
        if len(item) == 24 and not item.isdigit():
            return self.store.new_garment(epc=item.upper())
        if item.isdigit() and 8 <= len(item) <= 14:
            return self.store.new_garment(item.zfill(14))
        if len(item) == 24:
            return self.store.new_garment(epc=item)
        raise ValueError(f"not an EPC or GTIN: {item!r}")

    def place(self, items: Sequence[str], room: str, seconds: float | None = None) -> list[str]:
        """Hang garments in ``room`` now; after ``seconds`` (simulated) they go back to the shelf."""
        self._check_room(room)
        with self._lock:
            epcs = [self._garment(i) for i in items]
            self.store.put(epcs, Place.in_room(room))
            if seconds is not None:
                self._timeline.at(self.store.now + seconds, lambda: self.store.put(epcs, Place.away()))
        return epcs

    def remove(self, items: Sequence[str]) -> None:
        """Take garments back to the shelf (out of every antenna's reach)."""
        with self._lock:
            self.store.put([i.upper() for i in items], Place.away())

    def wear(self, epc: str, seconds: float) -> None:
        """The garment is worn (nearly silent) for ``seconds``, then hung up again."""
        with self._lock:
            self.store.wear(epc, True)
            self._timeline.at(self.store.now + seconds, lambda: self.store.wear(epc, False))

    def walk_in(self, room: str, items: Sequence[str], shopper: int | str | None = None) -> ScriptedShopper:
        """A shopper walks along the corridor into ``room`` carrying ``items`` and hangs them up there.

        ``shopper``: an int is the iBeacon minor of an opted-in shopper's phone; a str names a shopper
        without the app; None is an anonymous shopper without the app.
        """
        self._check_room(room)
        with self._lock:
            self._shoppers += 1
            name = shopper if isinstance(shopper, str) else f"shopper-{self._shoppers}"
            minor = shopper if isinstance(shopper, int) else None
            epcs = [self._garment(i) for i in items]
            start = self.store.room_of_kind("sales_floor")
            person = self.store.add_person(name, start, phone_minor=minor)
            self.store.pick_up(name, epcs)
            handle = ScriptedShopper(name, room, epcs, person.phone.device_id if person.phone else None)
            arrive = self.store.walk_to(name, Place.in_room(room))

            def hang_up() -> None:
                self.store.put(epcs, Place.in_room(room))
                handle.arrived.set()

            self._timeline.at(arrive + 1.0, hang_up)
        return handle

    def walk_out(self, shopper: ScriptedShopper, *, leave: Sequence[str] = ()) -> None:
        """The shopper takes their garments except ``leave`` (go-backs) and walks out of the store."""
        left = {e.upper() for e in leave}
        with self._lock:
            taken = [e for e in shopper.epcs if e not in left]
            self.store.pick_up(shopper.id, taken)
            arrive = self.store.walk_to(shopper.id, self.store.room_of_kind("sales_floor"))

            def gone() -> None:
                self.store.leave_store(shopper.id)
                shopper.left.set()

            self._timeline.at(arrive + 2.0, gone)

    def bring(self, room: str, items: Sequence[str], associate: str = "associate") -> ScriptedShopper:
        """An associate brings garments (say, a requested size) into ``room``, leaves them and walks back."""
        self._check_room(room)
        visit = self.walk_in(room, items, shopper=f"{associate}-{self._shoppers + 1}")

        def back_out() -> None:
            self.walk_out(visit, leave=visit.epcs)

        with self._lock:
            self._timeline.at(self._arrival_of(visit) + 3.0, back_out)
        return visit

    def collect(self, room: str, items: Sequence[str], associate: str = "associate") -> ScriptedShopper:
        """An associate walks into ``room``, takes ``items`` (go-backs) and carries them back to the floor."""
        self._check_room(room)
        with self._lock:
            self._shoppers += 1
            name = f"{associate}-{self._shoppers}"
            epcs = [self._garment(i) for i in items]
            self.store.add_person(name, self.store.room_of_kind("sales_floor"))
            visit = ScriptedShopper(name, room, epcs, None)
            arrive = self.store.walk_to(name, Place.in_room(room))

            def take() -> None:
                self.store.pick_up(name, epcs)
                visit.arrived.set()
                self._timeline.at(self.store.now + 1.0, put_away)

            def put_away() -> None:
                back = self.store.walk_to(name, self.store.room_of_kind("sales_floor"))
                self._timeline.at(back + 2.0, shelve)

            def shelve() -> None:
                self.store.put(epcs, Place.away())
                self.store.leave_store(name)
                visit.left.set()

            self._timeline.at(arrive + 2.0, take)
        return visit

    def _arrival_of(self, visit: ScriptedShopper) -> float:
        person = self.store.people.get(visit.id)
        if person is None or person.walk is None:
            return self.store.now
        w = person.walk
        return w.t0 + abs(w.x1 - w.x0) / self.store.config.walk_speed

    def antenna_down(self, reader_id: str, port: int) -> None:
        with self._lock:
            self.store.antenna_down(reader_id, port)

    def antenna_up(self, reader_id: str, port: int) -> None:
        with self._lock:
            self.store.antenna_up(reader_id, port)

    def reader_down(self, reader_id: str, will_delay_s: float = 0.0) -> None:
        """The reader drops off the network; its last will reaches the broker after ``will_delay_s``."""
        with self._lock:
            self.store.reader_down(reader_id, will_delay_s)

    def reader_up(self, reader_id: str) -> None:
        with self._lock:
            self.store.reader_up(reader_id)

    def truth(self) -> list[dict[str, Any]]:
        """Ground truth so far (see ``simulators.truth``), open stays closed at the current time."""
        with self._lock:
            return self.store.truth.records(self.store.now)

    def _check_room(self, room: str) -> None:
        if self.layout.room(room) is None:
            raise ValueError(f"room {room!r} is not in the layout")
