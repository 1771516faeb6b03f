"""The manager's figures on a store's 90 days (issue 19): about 30,000 fitting-room sessions and 150,000
garment stays, with purchases, size requests (claimed) and go-backs, written into a migrated SQLite edge
database, with the associates who worked the tasks, sizes asked for while sold out, ship-home orders and
offers presented; then the queries behind every ``/api/manager`` figure (kpis, skus, lost demand, ship
home, offers, tasks by kind and hour, per associate, go-backs, rooms in use by hour) are timed on the
whole 90 days and on one week, beside a baseline measured in the same run: the same queries on a copy of
the database without the indexes migration e0019 adds, and a plain ``count(*)`` of the items.

    .venv/bin/python bench/analytics.py                 # 30,000 sessions, ~20 s to generate
    .venv/bin/python bench/analytics.py --sessions 3000 # a quick look
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from edge.catalog.demo import build_demo_catalog
from edge.storage import figures
from edge.storage import figures_demand as demand
from edge.storage import figures_work as work
from edge.storage.migrations import upgrade

DAY = 86400.0
STAFF = ("ana", "luis", "sam", "mia")
LOCAL: dict[str, Any] = {"tz": ZoneInfo("Europe/Madrid"), "target_s": 120.0, "now": time.time()}
E0019_INDEXES = ("ix_fitting_room_session_started_at", "ix_task_kind_session")


def generate(engine: Engine, sessions: int, days: int, seed: int = 7) -> int:
    """Write the history; returns the number of garment stays."""
    rng = random.Random(seed)
    gtins = [sku.gtin for style in build_demo_catalog().styles for sku in style.skus]
    end = time.time()
    sess, items, purchases, tasks = [], [], [], []
    asks: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    offers: list[dict[str, Any]] = []
    for n in range(sessions):
        sid = f"b{n:09d}"
        t0 = end - days * DAY + (n + rng.random()) * days * DAY / sessions
        dwell = rng.lognormvariate(6.0, 0.5)
        sess.append(
            {
                "id": sid,
                "store_id": "s1",
                "room_id": f"fr-{n % 6 + 1}",
                "started_at": t0,
                "opened_by": "item_entered",
                "ended_at": t0 + dwell,
            }
        )
        tried = rng.sample(gtins, rng.randint(2, 8))
        for k, g in enumerate(tried):
            items.append(
                {
                    "session_id": sid,
                    "epc": f"{n:012d}{k:04d}",
                    "gtin": g,
                    "first_seen": t0,
                    "last_entered": t0,
                    "left_at": t0 + dwell,
                    "present": False,
                }
            )
        if rng.random() < 0.3:
            lines = [
                {"epc": "x", "gtin": g, "name": "", "size": "", "colour": "", "price_cents": 1}
                for g in tried[: rng.randint(1, 2)]
            ]
            purchases.append(
                {
                    "store_id": "s1",
                    "room_id": "fr-1",
                    "session_id": sid,
                    "created_at": t0 + dwell,
                    "items": json.dumps(lines),
                    "total_cents": len(lines),
                    "currency": "EUR",
                    "payment": "pay_at_bag_desk",
                }
            )
        if rng.random() < 0.4:
            claimed = t0 + 60 + rng.expovariate(1 / 40)
            tasks.append(
                {
                    "kind": "size_request",
                    "store_id": "s1",
                    "room_id": "fr-1",
                    "session_id": sid,
                    "gtin": rng.choice(gtins),
                    "detail": "{}",
                    "created_at": t0 + 60,
                    "status": "done",
                    "claimed_at": claimed,
                    "who": rng.choice(STAFF),
                    "completed_at": claimed + rng.uniform(60, 300),
                }
            )
        if rng.random() < 0.1:  # asked for a size sold out here
            asks.append({"session_id": sid, "gtin": rng.choice(gtins), "at": t0 + 90})
        if rng.random() < 0.03:
            line = {"style_id": "x", "name": "", "size": "", "colour": "", "price_cents": 1}
            orders.append(
                {"id": f"o{n}", "session_id": sid, "items": json.dumps([line | {"gtin": rng.choice(gtins)}])}
            )
        if rng.random() < 0.3:
            offers.append({"session_id": sid, "offer_id": f"offer-{n % 5}", "kind": "presented", "gtin": ""})
        if rng.random() < 0.2:
            done = rng.random() < 0.9
            tasks.append(
                {
                    "kind": "go_back",
                    "store_id": "s1",
                    "room_id": "fr-1",
                    "session_id": sid,
                    "gtin": None,
                    "detail": json.dumps({"items": [{"epc": "x"}]}),
                    "created_at": t0 + dwell,
                    "status": "done" if done else "open",
                    "claimed_at": t0 + dwell + 300 if done else None,
                    "who": rng.choice(STAFF) if done else None,
                    "completed_at": t0 + dwell + 900 if done else None,
                }
            )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO fitting_room_session (id, store_id, room_id, started_at, opened_by,"
                " ended_at, shopper_devices) VALUES (:id, :store_id, :room_id, :started_at,"
                " :opened_by, :ended_at, '[]')"
            ),
            sess,
        )
        conn.execute(
            text(
                "INSERT INTO session_item (session_id, epc, gtin, first_seen, last_entered, left_at,"
                " present) VALUES (:session_id, :epc, :gtin, :first_seen, :last_entered, :left_at,"
                " :present)"
            ),
            items,
        )
        conn.execute(
            text(
                "INSERT INTO purchase (store_id, room_id, session_id, created_at, items, total_cents,"
                " currency, payment) VALUES (:store_id, :room_id, :session_id, :created_at, :items,"
                " :total_cents, :currency, :payment)"
            ),
            purchases,
        )
        conn.execute(
            text(
                "INSERT INTO associate (id, first_name, pin_hash, created_at, active)"
                " VALUES (:id, :id, 'x', 0, 1)"
            ),
            [{"id": who} for who in STAFF],
        )
        conn.execute(
            text(
                "INSERT INTO task (kind, store_id, room_id, session_id, gtin, detail, created_at,"
                " status, claimed_at, claimed_by, completed_at, completed_by) VALUES (:kind, :store_id,"
                " :room_id, :session_id, :gtin, :detail, :created_at, :status, :claimed_at, :who,"
                " :completed_at, :who)"
            ),
            tasks,
        )
        conn.execute(
            text(
                "INSERT INTO sold_out_ask (store_id, room_id, session_id, gtin, at)"
                " VALUES ('s1', 'fr-1', :session_id, :gtin, :at)"
            ),
            asks,
        )
        conn.execute(
            text(
                "INSERT INTO ship_order (id, store_id, room_id, session_id, items, total_cents, currency,"
                " created_at, placed, status) VALUES (:id, 's1', 'fr-1', :session_id, :items, 1, 'EUR', 0,"
                " 1, 'sent')"
            ),
            orders,
        )
        conn.execute(
            text(
                "INSERT INTO offer_event (store_id, room_id, session_id, offer_id, kind, gtin, at)"
                " VALUES ('s1', 'fr-1', :session_id, :offer_id, :kind, :gtin, 0)"
            ),
            offers,
        )
    return len(items)


def timed(fn: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def measure(engine: Engine, start: float, end: float) -> dict[str, float]:
    with engine.connect() as conn:
        return {
            "kpis": timed(lambda: figures.kpis(conn, start, end)),
            "skus": timed(lambda: figures.sku_counts(conn, start, end)),
            "lost demand": timed(lambda: demand.lost_demand(conn, start, end)),
            "ship home": timed(lambda: demand.ship_home_items(conn, start, end)),
            "offers": timed(lambda: demand.offer_figures(conn, start, end)),
            "tasks by hour": timed(lambda: work.task_times(conn, start, end, by="kind_hour", **LOCAL)),
            "per associate": timed(lambda: work.task_times(conn, start, end, by="associate", **LOCAL)),
            "go-backs": timed(lambda: work.go_backs(conn, start, end)),
            "rooms by hour": timed(
                lambda: work.room_hours(conn, start, end, rooms=6, tz=LOCAL["tz"], now=LOCAL["now"])
            ),
            "count(*) items": timed(lambda: conn.execute(text("SELECT count(*) FROM session_item")).scalar()),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=30_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edge.db"
        engine = create_engine(f"sqlite:///{path}")
        upgrade(engine)
        t = time.perf_counter()
        stays = generate(engine, args.sessions, args.days)
        print(
            f"history: {args.sessions} sessions, {stays} garment stays over {args.days} days"
            f" (generated in {time.perf_counter() - t:.1f} s)"
        )
        bare_path = Path(tmp) / "bare.db"
        engine.dispose()
        shutil.copy(path, bare_path)
        bare = create_engine(f"sqlite:///{bare_path}")
        with bare.begin() as conn:
            for index in E0019_INDEXES:
                conn.execute(text(f"DROP INDEX {index}"))
        now = time.time()
        ranges = {
            f"{args.days} days": (now - args.days * DAY, now + 1),
            "last 7 days": (now - 7 * DAY, now + 1),
        }
        print(f"{'range':<12} {'query':<16} {'indexed s':>10} {'no e0019 s':>11}")  # best of 3 runs
        worst = 0.0
        for name, (start, end) in ranges.items():
            with_idx, without = measure(engine, start, end), measure(bare, start, end)
            for query, secs in with_idx.items():
                print(f"{name:<12} {query:<16} {secs:>10.3f} {without[query]:>11.3f}")
                if query != "count(*) items":
                    worst = max(worst, secs)
        print(f"slowest figure query: {worst:.3f} s (target < 1 s): {'ok' if worst < 1.0 else 'OVER'}")
        engine.dispose()
        bare.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
