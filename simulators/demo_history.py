"""The demo store's past: ``write_history`` plays N days of fitting-room visits into an edge database
through the edge's own code paths (the session manager that presence feeds, the mirror's actions, the
associates' actions), each at its own moment in the past, so the manager's figures and charts have a
realistic month behind them on first look.

A day runs from opening to closing in the store's time zone, busier at lunch, after work and on Saturday.
A visit brings one to five garments (often one style in two sizes), asks for another size now and then
(sometimes one sold out here), calls for help, buys some, and leaves the rest behind as go-backs; the
demo's associates claim and complete the tasks after a realistic wait. One style fits badly: tried as
often as any, rarely bought. Everything is drawn from a seeded generator, so the history is the same for
the same seed and day count.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from edge import actions
from edge.actions.associate import claim, complete
from edge.catalog.model import Catalog, Sku
from edge.catalog.source import FixedCatalog
from edge.compose import session_manager
from edge.config import EdgeSettings
from edge.credentials import add_associate, set_role
from edge.epc import encode_sgtin96
from edge.errors import Conflict, Invalid
from edge.fitting_rooms.manager import SessionManager
from edge.layout import Layout
from edge.payments import PayAtBagDesk
from edge.presence.events import EventType, PresenceEvent
from edge.storage.db import make_engine
from edge.storage.migrations import upgrade
from edge.storage.models import Task, TaskKind, TaskStatus

__all__ = ["History", "prepare_demo_store", "write_history"]

OPEN_HOUR, CLOSE_HOUR = 10, 21
# Visits per hour of the day on a weekday (Saturday x1.8, Sunday x0.6): lunch and after-work peaks.
APP_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"  # not the demo's app: history's phones are no one's
HOURLY = {10: 1.0, 11: 1.5, 12: 2.5, 13: 2.5, 14: 1.5, 15: 1.5, 16: 2.0, 17: 3.0, 18: 3.5, 19: 3.0, 20: 1.5}
DAY_FACTOR = {5: 1.8, 6: 0.6}


@dataclass(frozen=True, slots=True)
class History:
    days: int
    visits: int
    purchases: int
    tasks: int


@dataclass(order=True)
class _Step:
    t: float
    seq: int
    run: Callable[[], None]


class _Store:
    """What a visit needs: the session manager, the catalog, the associates, and a time-ordered agenda."""

    def __init__(
        self,
        manager: SessionManager,
        db: Engine,
        catalog: Catalog,
        layout: Layout,
        crew: Sequence[str],
        rng: random.Random,
        *,
        idle_s: float,
        settles_s: float,
    ) -> None:
        self.manager, self.db, self.catalog, self.layout = manager, db, catalog, layout
        self.crew, self.rng = crew, rng
        self.settles_s = settles_s  # after the last change, a room with go-backs ends its session
        self.manager_idle_s = idle_s  # after the shopper's phone left, the room's session ends
        self.handled: set[int] = set()
        self.skipped = 0
        self.agenda: list[_Step] = []
        self._seq = itertools.count()
        self._serial = itertools.count(900_000)
        self.visits = self.purchases = 0
        in_stock = [s for s in catalog.styles if any(catalog.stock_of(k.gtin).in_store > 0 for k in s.skus)]
        self.styles = in_stock
        self.bad_fit = in_stock[len(in_stock) // 2].id if in_stock else ""

    def at(self, t: float, run: Callable[[], None]) -> None:
        heapq.heappush(self.agenda, _Step(t, next(self._seq), run))

    def run_until(self, t_end: float) -> None:
        while self.agenda and self.agenda[0].t <= t_end:
            step = heapq.heappop(self.agenda)
            self.manager.tick(step.t)
            try:
                step.run()
            except (Invalid, Conflict):  # as at a real mirror: e.g. a size asked for that just sold out
                self.skipped += 1

    def bag_task_of(self, purchase_id: int) -> int:
        with Session(self.db) as db:
            task_id = db.exec(select(Task.id).where(Task.purchase_id == purchase_id)).one()
        assert task_id is not None
        return task_id

    def epc(self, sku: Sku) -> str:
        return encode_sgtin96(sku.gtin, next(self._serial))

    def shopper(self, t: float, kind: EventType, room: str, device: str) -> None:
        self.manager.apply_presence([PresenceEvent(t, kind, room, device=device)])

    def presence(self, t: float, kind: EventType, room: str, epc: str, gtin: str | None = None) -> None:
        self.manager.apply_presence([PresenceEvent(t, kind, room, epc=epc, gtin=gtin)])

    def work_task(self, task_id: int, t: float, *, claim_after: float, done_after: float) -> None:
        """An associate claims the task after a wait and completes it later (if still open by then)."""
        who = self.rng.choice(self.crew)

        def claim_it() -> None:
            with Session(self.db) as db:
                task = db.get(Task, task_id)
                if task is not None and task.status == TaskStatus.OPEN:
                    claim(
                        session=db,
                        manager=self.manager,
                        task_id=task_id,
                        associate_id=who,
                        now=t + claim_after,
                    )

        def complete_it() -> None:
            with Session(self.db) as db:
                task = db.get(Task, task_id)
                if task is not None and task.status != TaskStatus.DONE:
                    complete(
                        session=db,
                        manager=self.manager,
                        task_id=task_id,
                        associate_id=who,
                        now=t + done_after,
                    )

        self.at(t + claim_after, claim_it)
        self.at(t + done_after, complete_it)


def _visit(store: _Store, room: str, start: float) -> float:
    """Plan one visit to ``room`` from ``start``; returns when the shopper walks out."""
    rng, cat = store.rng, store.catalog
    store.visits += 1
    style = rng.choice(store.styles)
    in_stock = [k for k in style.skus if cat.stock_of(k.gtin).in_store > 0]
    garments = [rng.choice(in_stock)]
    if len(in_stock) > 1 and rng.random() < 0.4:  # one style in two sizes
        garments.append(rng.choice([k for k in in_stock if k is not garments[0]]))
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        other = rng.choice(store.styles)
        garments.append(rng.choice([k for k in other.skus if cat.stock_of(k.gtin).in_store > 0]))
    epcs = [store.epc(k) for k in garments]
    dwell = rng.lognormvariate(6.6, 0.45)  # median ~12 min
    end = start + dwell
    if rng.random() < 0.6:  # an opted-in shopper's phone: the room knows when they leave
        phone = f"iBeacon:{APP_UUID}-1-{rng.randrange(1, 65535)}"
        store.at(start - 5, partial(store.shopper, start - 5, EventType.SHOPPER_ENTERED, room, phone))
        # Presence says it stays once it has been heard there longer than a passer-by's phone is.
        stays = start - 5 + store.layout.presence.ble_exit_timeout_s + 1
        store.at(stays, partial(store.shopper, stays, EventType.SHOPPER_STAYED, room, phone))
        store.at(end + 5, partial(store.shopper, end + 5, EventType.SHOPPER_LEFT, room, phone))
    for i, (epc, sku) in enumerate(zip(epcs, garments, strict=True)):
        t_in = start + 3 * i
        store.at(t_in, partial(store.presence, t_in, EventType.ITEM_ENTERED, room, epc, sku.gtin))
    if rng.random() < 0.3:  # another size of the first garment
        ask_at = start + dwell * rng.uniform(0.2, 0.5)
        _ask_for_a_size(store, room, style, garments[0], epcs[0], ask_at)
    if rng.random() < 0.06:
        help_at = start + dwell * rng.uniform(0.1, 0.6)

        def call() -> None:
            h = actions.mirror.call_associate(
                manager=store.manager, store_id=store.layout.store.id, room_id=room, now=help_at
            )
            store.work_task(
                h.task_id, help_at, claim_after=rng.lognormvariate(3.6, 0.6), done_after=rng.uniform(120, 300)
            )

        store.at(help_at, call)
    buy_share = 0.05 if style.id == store.bad_fit else 0.3
    bought = [
        e
        for e, k in zip(epcs, garments, strict=True)
        if rng.random() < (buy_share if k in style.skus else 0.15)
    ]
    if bought:
        buy_at = end - rng.uniform(20, 60)

        def buy() -> None:
            sale = actions.mirror.buy_now(
                manager=store.manager,
                catalog=cat,
                payments=PayAtBagDesk(),
                store_id=store.layout.store.id,
                room_id=room,
                epcs=bought,
                now=buy_at,
            )
            store.purchases += 1
            store.work_task(
                store.bag_task_of(sale.purchase_id),
                buy_at,
                claim_after=rng.uniform(30, 240),
                done_after=rng.uniform(300, 900),
            )

        store.at(buy_at, buy)
    kept = bought + [e for e in epcs if e not in bought and rng.random() < 0.5]
    for epc in kept:  # carried out; the rest stays behind as go-backs
        store.at(end, partial(store.presence, end, EventType.ITEM_LEFT, room, epc))
    store.at(end + 1, lambda: _collect_go_backs(store, room, end + 1))
    return end


def _ask_for_a_size(store: _Store, room: str, style: object, worn: Sku, epc: str, t: float) -> None:
    rng, cat = store.rng, store.catalog
    skus = [k for k in getattr(style, "skus", ()) if k.gtin != worn.gtin]
    if not skus:
        return
    wanted = rng.choice(skus)

    def ask() -> None:
        try:
            req = actions.mirror.request_size(
                manager=store.manager,
                catalog=cat,
                store_id=store.layout.store.id,
                room_id=room,
                gtin=wanted.gtin,
                epc=epc,
                now=t,
            )
        except Invalid:  # sold out here: recorded as lost demand, nothing to bring
            return
        if req.created:
            store.work_task(
                req.task_id, t, claim_after=rng.lognormvariate(4.0, 0.7), done_after=rng.uniform(150, 420)
            )

    store.at(t, ask)


def _collect_go_backs(store: _Store, room: str, t: float) -> None:
    """The room's session ends when the shopper's phone has left and the room is idle, or, with no phone
    heard, once it has settled; its go-back task is raised then and an associate clears it later."""

    def clear(at: float) -> None:
        with Session(store.db) as db:
            raised = db.exec(
                select(Task.id, Task.created_at).where(
                    Task.kind == TaskKind.GO_BACK, Task.room_id == room, col(Task.status) == TaskStatus.OPEN
                )
            ).all()
        rng = store.rng
        for task_id, created in raised:
            if task_id is not None and task_id not in store.handled:
                store.handled.add(task_id)
                base = max(created, at)
                store.work_task(
                    task_id, base, claim_after=rng.uniform(120, 900), done_after=rng.uniform(300, 1500)
                )

    for at in (t + store.manager_idle_s + 30, t + store.settles_s + 30):
        store.at(at, partial(clear, at))


def write_history(
    settings: EdgeSettings,
    layout: Layout,
    catalog: Catalog,
    *,
    days: int,
    now: float,
    crew: Sequence[str],
    seed: int = 0,
) -> History:
    """Write ``days`` days before ``now`` into the edge database of ``settings`` (migrated first)."""
    db = make_engine(settings.db_url)
    upgrade(db)
    try:
        manager = session_manager(settings, layout, db, FixedCatalog(catalog), lambda _device: None)
        settles = max(settings.session_idle_s, settings.session_abandoned_s)
        rng = random.Random(f"history/{seed}")
        store = _Store(
            manager, db, catalog, layout, crew, rng, idle_s=settings.session_idle_s, settles_s=settles
        )
        tz = layout.store.zone
        rooms = [r.id for r in layout.fitting_rooms]
        today = datetime.fromtimestamp(now, tz).date()
        free_at = dict.fromkeys(rooms, 0.0)
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            for hour, rate in HOURLY.items():
                opening = datetime(day.year, day.month, day.day, hour, tzinfo=tz).timestamp()
                for _ in range(_poisson(store.rng, rate * DAY_FACTOR.get(day.weekday(), 1.0))):
                    arrive = opening + store.rng.uniform(0, 3600)
                    room = min(rooms, key=lambda r: (free_at[r], r))
                    start = max(arrive, free_at[room] + 60)
                    free_at[room] = _visit(store, room, start) + settles + 120
        store.run_until(now - 60)
        with Session(db) as session:
            tasks = len(session.exec(select(Task.id)).all())
        return History(days=days, visits=store.visits, purchases=store.purchases, tasks=tasks)
    finally:
        db.dispose()


def _poisson(rng: random.Random, mean: float) -> int:
    count, p, limit = 0, 1.0, pow(2.718281828459045, -mean)
    while True:
        p *= rng.random()
        if p <= limit:
            return count
        count += 1


def prepare_demo_store(
    settings: EdgeSettings,
    layout: Layout,
    catalog: Catalog,
    *,
    staff: Sequence[tuple[str, str, str]],
    manager: tuple[str, str, str],
    days: int,
    seed: int,
) -> History | None:
    """The demo's associates (``staff``: id, first name, PIN) and its manager, then ``days`` of history
    worked by the staff (none when ``days`` is 0)."""
    db = make_engine(settings.db_url)
    upgrade(db)
    try:
        for associate_id, first_name, pin in (*staff, manager):
            add_associate(db, associate_id=associate_id, first_name=first_name, pin=pin)
        set_role(db, manager[0], "manager")
    finally:
        db.dispose()
    if days <= 0:
        return None
    crew = [associate_id for associate_id, _, _ in staff]
    return write_history(settings, layout, catalog, days=days, now=time.time(), crew=crew, seed=seed)
