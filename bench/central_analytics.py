"""Head office's figures on a chain's 90 days (issue 19): by default 20 stores × 30,000 fitting-room
sessions (~150,000 garment stays each), with purchases, size requests and claimed tasks, written with
set-based SQL into a fresh, migrated PostgreSQL database (dropped afterwards) as the facts the ingest keeps
(``cloud_sync.central.figures``); then what ``GET /v1/admin/kpis`` and ``/skus`` run
(``routes_kpis.kpis_rows``/``sku_rows``) is timed per store and chain-wide, beside baselines measured in the
same run: a bare ``count(*)`` of the same rows, and the same queries before migration 0019's indexes exist.
The work figures (``/v1/admin/styles``, ``hours``, ``tasks``, ``go-backs``, ``queue``, ``reservations``,
``offers``: ``routes_work.figures_of``) are timed too, per store and chain-wide.

    .venv/bin/python bench/central_analytics.py                       # 20 × 30,000 sessions
    .venv/bin/python bench/central_analytics.py --stores 3 --sessions 3000   # a quick look

On a shared machine the absolute times are noisy; compare them with the baselines printed beside them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog.model import load_catalog  # noqa: E402
from cloud_sync.central.catalog import upsert_styles  # noqa: E402
from cloud_sync.central.db import make_engine, migrate  # noqa: E402
from cloud_sync.central.figures import record_figures  # noqa: E402
from cloud_sync.central.ingest import ingest_batch  # noqa: E402
from cloud_sync.central.routes_kpis import kpis_rows, sku_rows  # noqa: E402
from cloud_sync.central.routes_work import FIGURES, figures_of  # noqa: E402
from cloud_sync.central.stores import create_store  # noqa: E402
from cloud_sync.wire import WireEvent  # noqa: E402

DAY = 86400.0
INDEXES = {  # migration 0019's range indexes
    "ix_figure_session_store_started": "figure_session (store_id, started_at)",
    "ix_figure_session_started": "figure_session (started_at)",
    "ix_figure_sku_store_started": "figure_sku (store_id, started_at)",
    "ix_figure_sku_started": "figure_sku (started_at)",
    "ix_figure_task_store_created": "figure_task (store_id, created_at)",
    "ix_figure_task_created": "figure_task (created_at)",
}

# Per session: 2-8 garments, a purchase 30% of the time (one line, a garment tried), 0-2 size requests,
# go-backs 20% of the time; dwell lognormal around 7 minutes; claims lognormal around 35 s.
GENERATE = """
CREATE TEMP TABLE gen AS
SELECT st, n, 'store-' || lpad(st::text, 2, '0') AS store_id, 'b' || st || '-' || n AS session_id,
       %(t0)s + (n + random()) * %(span)s / %(per)s AS started_at,
       exp(6.0 + 0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS dwell,
       2 + floor(random() * 7)::int AS items, random() < 0.3 AS buys, floor(random() * 3)::int AS requests
FROM generate_series(1, %(stores)s) AS st, generate_series(0, %(per)s - 1) AS n;
INSERT INTO figure_sku
SELECT g.store_id, g.session_id, (%(gtins)s::text[])[1 + (g.n * 31 + k * 17 + g.st * 7) %% %(ng)s],
       g.started_at, 1, CASE WHEN g.buys AND k = 1 THEN 1 ELSE 0 END,
       CASE WHEN k <= g.requests THEN 1 ELSE 0 END,
       CASE WHEN k <= g.requests AND NOT (g.buys AND k = 1) THEN 1 ELSE 0 END
FROM gen g, generate_series(1, g.items) AS k ON CONFLICT DO NOTHING;
INSERT INTO figure_session
SELECT g.store_id, g.session_id, 'fr-' || (g.n %% 6 + 1), g.started_at, g.started_at + g.dwell, g.items,
       g.buys::int, g.buys::int, CASE WHEN random() < 0.2 THEN 1 + floor(random() * 3)::int ELSE 0 END
FROM gen g;
INSERT INTO figure_task
SELECT g.store_id, g.n * 4 + j, CASE WHEN j = 0 THEN 'bag' ELSE 'size_request' END, 'fr-1',
       g.started_at + 60 * j, g.started_at + 60 * j
       + exp(3.5 + 0.6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
FROM gen g, generate_series(CASE WHEN g.buys THEN 0 ELSE 1 END, g.requests) AS j;
UPDATE figure_task SET completed_at = claimed_at + 30 + 120 * random();
INSERT INTO figure_store SELECT DISTINCT store_id, 'Europe/Madrid', 6, 120, %(t0)s FROM gen;
INSERT INTO figure_queue SELECT store_id, n, started_at - 300, started_at - 60 FROM gen WHERE n %% 5 = 0;
INSERT INTO figure_reservation
SELECT store_id, 'r' || n || s, 'res-' || n, s, started_at FROM gen, unnest(ARRAY['ready', 'arrived']) AS s
WHERE n %% 50 = 0;
INSERT INTO figure_offer SELECT store_id, session_id, 'OF-' || (n %% 3), started_at, 1, buys::int FROM gen
WHERE n %% 4 = 0;
"""


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """The median wall time of ``repeat`` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def session_events(store: str, tag: str, count: int, gtins: list[str], now: float) -> list[dict[str, Any]]:
    """``session_ended`` events shaped as the edge's outbox writes them, five garments each."""
    rng = random.Random(tag)
    events = []
    for n in range(count):
        t0 = now - rng.random() * 30 * DAY
        tried = rng.sample(gtins, 5)
        events.append(
            {
                "event_id": f"{tag}-{n}",
                "type": "session_ended",
                "store_id": store,
                "created_at": t0 + 400,
                "payload": {
                    "session_id": f"{tag}-{n}",
                    "room_id": "fr-1",
                    "started_at": t0,
                    "ended_at": t0 + 400,
                    "items": [
                        {"epc": f"{tag}{n}-{k}", "gtin": g, "first_seen": t0} for k, g in enumerate(tried)
                    ],
                    "requested_gtins": tried[:1],
                    "handed_out_gtins": [],
                    "purchases": [{"purchase_id": n, "gtins": tried[1:2], "total_cents": 3999}],
                    "go_backs": [f"{tag}{n}-4"],
                },
            }
        )
    return events


def ingest_costs(engine: Any, gtins: list[str], batches: int, size: int = 500) -> tuple[float, float]:
    """Milliseconds per batch of ``size`` session_ended events through the real ingest (stored, projected,
    committed), and what keeping the figures' facts takes of it (``record_figures`` alone, same events)."""
    whole, facts = [], []
    now = time.time()
    for b in range(batches):
        events = session_events("store-01", f"ing{b}", size, gtins, now)
        with Session(engine) as session:
            t = time.perf_counter()
            ingest_batch(session, store_id="store-01", raw_events=events, now=now)
            session.commit()
            whole.append((time.perf_counter() - t) * 1000)
        again = [WireEvent.model_validate(e | {"store_id": "store-02"}) for e in events]
        with Session(engine) as session:
            t = time.perf_counter()
            record_figures(session, again)
            session.commit()
            facts.append((time.perf_counter() - t) * 1000)
    return statistics.median(whole), statistics.median(facts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stores", type=int, default=20)
    ap.add_argument("--sessions", type=int, default=30_000, help="per store")
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--keep", action="store_true", help="leave the database behind (its URL is printed)")
    args = ap.parse_args()
    name = f"fitroom_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
    engine = make_engine(url)
    try:
        migrate(engine)
        styles = load_catalog(ROOT / "edge/data/demo_catalog.json").styles
        gtins = [sku.gtin for style in styles for sku in style.skus]
        with Session(engine) as session:
            upsert_styles(session, styles)
            for st in range(1, args.stores + 1):
                create_store(session, store_id=f"store-{st:02d}", name=f"Store {st}", now=time.time())
            session.commit()
        end = time.time()
        t = time.perf_counter()
        with psycopg.connect(url) as conn:
            for index in INDEXES:  # bulk load first, index after (and time the queries without them)
                conn.execute(f"DROP INDEX {index}")
            params = {"t0": end - args.days * DAY, "span": args.days * DAY, "per": args.sessions}
            for statement in filter(str.strip, GENERATE.split(";\n")):
                conn.execute(statement, {**params, "stores": args.stores, "gtins": gtins, "ng": len(gtins)})
            conn.commit()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            n_sessions, n_skus, n_tasks, n_stays = conn.execute(
                "SELECT (SELECT count(*) FROM figure_session), (SELECT count(*) FROM figure_sku),"
                " (SELECT count(*) FROM figure_task), (SELECT sum(items_tried) FROM figure_session)"
            ).fetchone() or (0, 0, 0, 0)
        print(
            f"generated {n_sessions:,} sessions, {n_stays:,} garment stays ({n_skus:,} SKU-in-session rows),"
            f" {n_tasks:,} claimed tasks for {args.stores} stores × {args.days} days"
            f" in {time.perf_counter() - t:.1f} s; {len(gtins)} GTINs"
        )
        t0, t1 = end - args.days * DAY, end + 1
        week = (end - 7 * DAY, end + 1)
        one = "store-01"

        def run(store: str | None, rng: tuple[float, float] = (t0, t1)) -> Callable[[], Any]:
            def go() -> None:
                with Session(engine) as session:
                    kpis_rows(session, *rng, store)
                    sku_rows(session, *rng, store)

            return go

        def work(store: str | None, rng: tuple[float, float] = (t0, t1)) -> Callable[[], Any]:
            def go() -> None:
                with Session(engine) as session:
                    for name in FIGURES:
                        figures_of(name, session, *rng, store)

            return go

        def count(sql: str) -> Callable[[], Any]:
            def go() -> None:
                with engine.connect() as conn:
                    conn.execute(text(sql)).scalar()

            return go

        rows: list[tuple[str, float]] = [
            (
                "baseline: count(*) of one store's sessions",
                timed(count(f"SELECT count(*) FROM figure_session WHERE store_id = '{one}'"), args.repeat),
            ),
            (
                "baseline: count(*) of all SKU-in-session rows",
                timed(count("SELECT count(*) FROM figure_sku"), args.repeat),
            ),
            ("without 0019's indexes: one store, 90 days (kpis + skus)", timed(run(one), args.repeat)),
            ("without 0019's indexes: one store, last 7 days", timed(run(one, week), args.repeat)),
            ("without 0019's indexes: chain-wide, last 7 days", timed(run(None, week), args.repeat)),
        ]
        with psycopg.connect(url, autocommit=True) as conn:
            for index, on in INDEXES.items():
                conn.execute(f"CREATE INDEX {index} ON {on}")
            conn.execute("ANALYZE")
        per_store = [timed(run(f"store-{st:02d}"), args.repeat) for st in range(1, args.stores + 1)]
        rows += [
            ("one store, 90 days (kpis + skus): median of the stores", statistics.median(per_store)),
            ("one store, 90 days (kpis + skus): slowest store", max(per_store)),
            ("one store, last 7 days (kpis + skus)", timed(run(one, week), args.repeat)),
            ("chain-wide with every store's row, 90 days (kpis + skus)", timed(run(None), args.repeat)),
            ("chain-wide, last 7 days (kpis + skus)", timed(run(None, week), args.repeat)),
        ]
        work_store = [timed(work(f"store-{st:02d}"), args.repeat) for st in range(1, args.stores + 1)]
        rows += [
            (
                "work figures, one store, 90 days (7 tables): median of the stores",
                statistics.median(work_store),
            ),
            ("work figures, one store, 90 days (7 tables): slowest store", max(work_store)),
            ("work figures, chain-wide, last 7 days (7 tables)", timed(work(None, week), args.repeat)),
            ("work figures, chain-wide, 90 days (7 tables)", timed(work(None), 1)),
        ]
        ingest, facts = ingest_costs(engine, gtins, args.repeat)
        rows += [
            ("ingest: a batch of 500 session_ended events (stored, facts kept)", ingest),
            ("  of which keeping the figures' facts (record_figures alone)", facts),
        ]
        width = max(len(label) for label, _ in rows)
        for label, ms in rows:
            print(f"  {label:<{width}}  {ms:9.1f} ms")
        print(f"(median of {args.repeat} runs each; a shared machine: compare with the baselines above)")
        return 0
    finally:
        engine.dispose()
        if args.keep:
            print(f"kept: {url}")
        else:
            with psycopg.connect(args.pg, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
