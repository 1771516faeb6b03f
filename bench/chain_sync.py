"""A chain at once (issue 21): many stores' edges drain their outboxes concurrently into one central store
on PostgreSQL, through the real HTTP ingest. Prints events per second, batch latency p50/p99, and checks
that no event is lost or stored twice; beside it, in the same run and on the same server, the raw
baselines: a plain batched ``INSERT … ON CONFLICT DO NOTHING`` of comparable rows, and ``COPY``.

Each store is the edge's own sync worker (``SyncWorker.run()``: drain, pulls, erasure feed) over its own
SQLite outbox, all in this process on asyncio; the central store is ``fitroom-central serve`` in its own
processes (``--workers``). Bounded by ``--timeout``; the bench database is created and dropped.

    .venv/bin/python bench/chain_sync.py                       # 200 stores x 250 events
    .venv/bin/python bench/chain_sync.py --stores 20 --events-per-store 500 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sync import TYPES, free_port  # noqa: E402
from cloud_sync import ledger  # noqa: E402
from cloud_sync.central.db import make_engine as central_engine  # noqa: E402
from cloud_sync.central.db import migrate  # noqa: E402
from cloud_sync.central.stores import create_store  # noqa: E402
from cloud_sync.client import CentralClient  # noqa: E402
from cloud_sync.wire import IngestAck  # noqa: E402
from cloud_sync.worker import SyncConfig, SyncWorker  # noqa: E402
from edge.storage.db import make_engine as edge_engine  # noqa: E402
from edge.storage.migrations import upgrade  # noqa: E402
from edge.storage.outbox import add_outbox_event  # noqa: E402

LATENCIES: list[float] = []


class TimedClient(CentralClient):
    """The edge's client, timing each batch it sends (seconds, into ``LATENCIES``)."""

    async def send_events(self, store_id: str, events: Sequence[dict[str, Any]]) -> IngestAck:
        started = time.perf_counter()
        ack = await super().send_events(store_id, events)
        LATENCIES.append(time.perf_counter() - started)
        return ack


def fill(url: str, store_id: str, count: int) -> None:
    engine = edge_engine(url)
    upgrade(engine)
    now = time.time() - 3600
    with Session(engine) as session:
        for i in range(count):
            kind = TYPES[i % len(TYPES)]
            payload: dict[str, object] = {"room": f"fr-{i % 6 + 1}", "items": [f"0401234500{i % 9000:04d}"]}
            if kind == "email_opt_in":
                payload = {"email": f"s{i}@example.org", "consent": False}
            add_outbox_event(
                session=session,
                type=kind,
                store_id=store_id,
                payload=payload,
                now=now + i * 0.01,
                member_id=f"member-{i % 997}" if i % 5 == 0 else None,
            )
        session.commit()
    engine.dispose()


async def drain_all(
    stores: list[tuple[str, str, str]], central_url: str, batch: int, deadline: float
) -> float:
    """Every store's worker at once until every backlog is empty; returns the seconds it took."""
    engines = {sid: edge_engine(url) for sid, url, _ in stores}
    workers = [
        SyncWorker(
            engines[sid],
            SyncConfig(central_url=central_url, store_key=key, store_id=sid, batch_size=batch),
            client=TimedClient(central_url, key),
        )
        for sid, _, key in stores
    ]
    started = time.perf_counter()
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        while time.monotonic() < deadline:
            backlogs = await asyncio.to_thread(lambda: [ledger.counts(e).backlog for e in engines.values()])
            if not any(backlogs):
                break
            await asyncio.sleep(0.1)
        return time.perf_counter() - started
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for w in workers:
            await w.client.aclose()
        for e in engines.values():
            e.dispose()


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
        port = free_port()
        env = {**os.environ, "FITROOM_CENTRAL_DB_URL": db_url, "FITROOM_CENTRAL_ADMIN_TOKEN": "bench"}
        serve = ["serve", "--port", str(port), "--log-level", "warning", "--workers", str(args.workers)]
        server = subprocess.Popen([sys.executable, "-m", "cloud_sync.central.cli", *serve], env=env, cwd=ROOT)
        central_url = f"http://127.0.0.1:{port}"
        while True:
            if time.monotonic() > deadline or server.poll() is not None:
                print("central store did not start", file=sys.stderr)
                return 1
            try:
                if httpx.get(f"{central_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            stores = [(sid, f"sqlite:///{Path(tmp) / f'{sid}.db'}", keys[sid]) for sid in ids]
            started = time.perf_counter()
            for sid, url, _ in stores:
                fill(url, sid, args.events_per_store)
            filled = time.perf_counter() - started
            print(f"outboxes: {args.stores} stores x {args.events_per_store} events ({filled:.1f} s to fill)")
            elapsed = asyncio.run(drain_all(stores, central_url, args.batch_size, deadline))
        with psycopg.connect(db_url) as conn:
            stored, distinct = conn.execute(
                "SELECT count(*), count(DISTINCT (store_id, event_id)) FROM event"
            ).fetchone() or (0, 0)
        insert_rate, copy_rate = raw_baselines(db_url, 50_000, args.batch_size)
        lat = sorted(LATENCIES)
        p50 = statistics.median(lat) if lat else float("nan")
        p99 = lat[max(0, int(len(lat) * 0.99) - 1)] if lat else float("nan")
        rate = total / elapsed
        print(
            f"chain sync: {total} events from {args.stores} stores in {elapsed:.2f} s = {rate:,.0f} events/s"
        )
        print(
            f"batches: {len(lat)}, latency p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
            f" (batch <= {args.batch_size})"
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
        )
        return 0 if stored == distinct == total else 1
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
