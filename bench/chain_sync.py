"""A chain at once (issue 21): many stores' edges drain their outboxes concurrently into one central store
on PostgreSQL, through the real HTTP ingest. Prints events per second, batch latency p50/p99, and checks
that no event is lost or stored twice; beside it, in the same run and on the same server, the raw
baselines: a plain batched ``INSERT … ON CONFLICT DO NOTHING`` of comparable rows, and ``COPY``.

Each store sends its backlog as its edge does — the edge's own client (``CentralClient.send_events``) over
its own connection, one batch after another, the events shaped as the edge's outbox writes them — and all
stores send at once, spread over ``--senders`` processes so that the senders are not what is measured (an
edge's own worker, SQLite outbox included, is what ``bench/sync.py`` measures). The central store is
``fitroom-central serve`` in its own processes (``--workers``). Bounded by ``--timeout``; the bench
database is created and dropped.

    .venv/bin/python bench/chain_sync.py                       # 200 stores x 250 events
    .venv/bin/python bench/chain_sync.py --stores 20 --events-per-store 500 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sync import TYPES, start_central, stop_central  # noqa: E402
from cloud_sync.central.db import make_engine as central_engine  # noqa: E402
from cloud_sync.central.db import migrate  # noqa: E402
from cloud_sync.central.stores import create_store  # noqa: E402
from cloud_sync.client import CentralClient, CentralUnavailable  # noqa: E402

SHED: list[int] = []  # batches the centre answered 503 (tried again)


def backlog(store_id: str, count: int) -> list[dict[str, Any]]:
    """``count`` events as the edge's outbox holds them (``ledger.to_wire``): every type, one in five
    naming a loyalty member."""
    now = time.time() - 3600
    events = []
    for i in range(count):
        kind = TYPES[i % len(TYPES)]
        payload: dict[str, object] = {"room": f"fr-{i % 6 + 1}", "items": [f"0401234500{i % 9000:04d}"]}
        if kind == "email_opt_in":
            payload = {"email": f"s{i}@example.org", "consent": False}
        events.append(
            {
                "event_id": uuid.uuid4().hex,
                "type": kind,
                "store_id": store_id,
                "created_at": now + i * 0.01,
                "member_id": f"member-{i % 997}" if i % 5 == 0 else None,
                "payload": payload,
            }
        )
    return events


async def _send_stores(
    central_url: str, stores: list[tuple[str, str]], per_store: int, batch: int
) -> list[float]:
    """Every store of this sender at once, each sending its batches in turn; batch latencies (s)."""
    latencies: list[float] = []

    async def one(store_id: str, key: str) -> None:
        events = backlog(store_id, per_store)
        async with CentralClient(central_url, key) as client:
            for i in range(0, len(events), batch):
                chunk = events[i : i + batch]
                while True:  # as the edge's worker: a busy centre (503) is tried again after Retry-After
                    started = time.perf_counter()
                    try:
                        ack = await client.send_events(store_id, chunk)
                    except CentralUnavailable as exc:
                        SHED.append(1)
                        await asyncio.sleep(exc.retry_after or 1.0)
                        continue
                    latencies.append(time.perf_counter() - started)
                    break
                assert len(ack.acked) == len(chunk), ack

    await asyncio.gather(*(one(sid, key) for sid, key in stores))
    return latencies + [-1.0] * len(SHED)  # a shed batch travels back as -1


def sender(args: tuple[str, list[tuple[str, str]], int, int]) -> list[float]:
    central_url, stores, per_store, batch = args
    return asyncio.run(_send_stores(central_url, stores, per_store, batch))


def raw_baselines(db_url: str, rows: int, batch: int) -> tuple[float, float]:
    """Rows per second of a batched INSERT … ON CONFLICT DO NOTHING and of COPY, into a scratch table shaped
    like the central store's events (one unique key, a JSON payload)."""
    payload = json.dumps({"room": "fr-1", "items": ["04012345000016"]})
    data = [
        (f"e{i}", f"store-{i % 200:03d}", TYPES[i % len(TYPES)], None, time.time(), time.time(), payload)
        for i in range(rows)
    ]
    ddl = (
        "CREATE TABLE raw_{n} (id bigserial PRIMARY KEY, event_id varchar(64), store_id varchar(64),"
        " type varchar(64), member_id varchar(128), created_at float8, received_at float8, payload json,"
        " UNIQUE (store_id, event_id))"
    )
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(ddl.format(n="insert"))
        conn.execute(ddl.format(n="copy"))
        started = time.perf_counter()
        with conn.cursor() as cur:
            for i in range(0, rows, batch):
                with conn.transaction():
                    cur.executemany(
                        "INSERT INTO raw_insert (event_id, store_id, type, member_id, created_at,"
                        " received_at, payload) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        data[i : i + batch],
                    )
        insert_rate = rows / (time.perf_counter() - started)
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY raw_copy (event_id, store_id, type, member_id, created_at, received_at, payload)"
                " FROM STDIN"
            ) as copy,
        ):
            for row in data:
                copy.write_row(row)
        copy_rate = rows / (time.perf_counter() - started)
    return insert_rate, copy_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--events-per-store", type=int, default=250)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="central store server processes")
    parser.add_argument("--senders", type=int, default=2, help="processes sending the stores' batches")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument(
        "--pg", default=os.environ.get("FITROOM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    total = args.stores * args.events_per_store
    name = f"fitroom_chain_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
    server: subprocess.Popen[bytes] | None = None
    try:
        engine = central_engine(db_url)
        migrate(engine)
        ids = [f"store-{n:03d}" for n in range(args.stores)]
        with Session(engine) as session:
            keys = {sid: create_store(session, store_id=sid, name=sid, now=time.time()) for sid in ids}
            session.commit()
        engine.dispose()
        server, central_url = start_central(db_url, args.workers, deadline)
        if server is None:
            return 1
        groups = [[(sid, keys[sid]) for sid in ids[n :: args.senders]] for n in range(args.senders)]
        work = [(central_url, g, args.events_per_store, args.batch_size) for g in groups if g]
        with multiprocessing.get_context("spawn").Pool(len(work)) as pool:
            started = time.perf_counter()
            answers = [x for part in pool.map(sender, work) for x in part]
            latencies, shed = [x for x in answers if x >= 0], sum(1 for x in answers if x < 0)
            elapsed = time.perf_counter() - started
        with psycopg.connect(db_url) as conn:
            stored, distinct = conn.execute(
                "SELECT count(*), count(DISTINCT (store_id, event_id)) FROM event"
            ).fetchone() or (0, 0)
        insert_rate, copy_rate = raw_baselines(db_url, 50_000, args.batch_size)
        lat = sorted(latencies)
        p50 = statistics.median(lat) if lat else float("nan")
        p99 = lat[max(0, int(len(lat) * 0.99) - 1)] if lat else float("nan")
        rate = total / elapsed
        print(
            f"chain sync: {total} events from {args.stores} stores in {elapsed:.2f} s = {rate:,.0f} events/s"
        )
        print(
            f"batches: {len(lat)}, latency p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
            f" (batch <= {args.batch_size}); {shed} answered 503 busy and sent again"
        )
        exact = stored == distinct == total
        print(f"stored {stored}, distinct {distinct}: {'no loss, no duplicate' if exact else 'MISMATCH'}")
        print(
            f"raw baseline (same run, same server): batched INSERT ON CONFLICT {insert_rate:,.0f} rows/s, "
            f"COPY {copy_rate:,.0f} rows/s; ours = {rate / insert_rate:.0%} of the INSERT baseline"
        )
        print(
            f"command: .venv/bin/python bench/chain_sync.py --stores {args.stores} --events-per-store "
            f"{args.events_per_store} --batch-size {args.batch_size} --workers {args.workers}"
            f" --senders {args.senders}"
        )
        return 0 if stored == distinct == total else 1
    finally:
        stop_central(server)
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
