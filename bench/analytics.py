"""The manager's figures on a store's 90 days (issue 19): about 30,000 fitting-room sessions and 150,000
garment stays, with purchases, size requests (claimed) and go-backs, written into a migrated SQLite edge
database; then ``GET /api/manager/kpis`` and ``/skus``'s queries (``edge.storage.figures``) are timed on
the whole 90 days and on one week, beside a baseline measured in the same run: the same queries on a copy
of the database without the indexes migration e0019 adds, and a plain ``count(*)`` of the items.

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

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from edge.catalog.demo import build_demo_catalog
from edge.storage import figures
from edge.storage.migrations import upgrade

DAY = 86400.0
E0019_INDEXES = ("ix_fitting_room_session_started_at", "ix_task_kind_session")


def generate(engine: Engine, sessions: int, days: int, seed: int = 7) -> int:
    """Write the history; returns the number of garment stays."""
    rng = random.Random(seed)
    gtins = [sku.gtin for style in build_demo_catalog().styles for sku in style.skus]
    end = time.time()
    sess, items, purchases, tasks = [], [], [], []
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
                    "claimed_at": t0 + 60 + rng.expovariate(1 / 40),
                }
            )
        if rng.random() < 0.2:
            tasks.append(
                {
                    "kind": "go_back",
                    "store_id": "s1",
                    "room_id": "fr-1",
                    "session_id": sid,
                    "gtin": None,
                    "detail": json.dumps({"items": [{"epc": "x"}]}),
                    "created_at": t0 + dwell,
                    "status": "open",
                    "claimed_at": None,
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
                "INSERT INTO task (kind, store_id, room_id, session_id, gtin, detail, created_at,"
                " status, claimed_at) VALUES (:kind, :store_id, :room_id, :session_id, :gtin,"
                " :detail, :created_at, :status, :claimed_at)"
            ),
            tasks,
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
        print(f"{'range':<12} {'query':<16} {'indexed s':>10} {'no e0019 s':>11}")
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
