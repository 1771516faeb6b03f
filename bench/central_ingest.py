"""One central ingest stream, in-process on PostgreSQL: how long ``ingest_batch`` takes for a batch of
``bench/chain_sync.py``'s events (every type, one in five naming a member), without HTTP, and with
``--profile`` where the time goes (``cProfile``, cumulative). A fresh database, dropped afterwards.

    .venv/bin/python bench/central_ingest.py               # 20 batches of 500
    .venv/bin/python bench/central_ingest.py --profile     # and the profile of 4 batches
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chain_sync import backlog

from cloud_sync.central.db import make_engine, migrate
from cloud_sync.central.ingest import ingest_batch
from cloud_sync.central.stores import create_store


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--size", type=int, default=500)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    name = f"fitroom_ingest_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{args.pg.rsplit('/', 1)[0]}/{name}")
    try:
        migrate(engine)
        with Session(engine) as session:
            create_store(session, store_id="s1", name="Store 1", now=time.time())
            session.commit()
        events = backlog("s1", args.size * (args.batches + 5))

        def run(batch: list[dict[str, object]]) -> float:
            t = time.perf_counter()
            with Session(engine) as session:
                ingest_batch(session, store_id="s1", raw_events=batch, now=time.time())
                session.commit()
            return time.perf_counter() - t

        run(events[: args.size])  # warm up
        times = [run(events[(i + 1) * args.size : (i + 2) * args.size]) for i in range(args.batches)]
        per = statistics.median(times)
        print(f"command: .venv/bin/python bench/central_ingest.py {' '.join(sys.argv[1:])}".rstrip())
        print(
            f"a batch of {args.size}: median {per * 1000:.1f} ms, min {min(times) * 1000:.1f} ms"
            f" = {args.size / per:,.0f} events/s for one stream ({args.batches} batches, no HTTP)"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.batches + 1, args.batches + 5):
                run(events[i * args.size : (i + 1) * args.size])
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
        return 0
    finally:
        engine.dispose()
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
