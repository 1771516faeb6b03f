"""Drain rate of an edge outbox backlog into the central store on PostgreSQL, in events per second.

The central store runs for real (``fitroom-central serve`` in its own process, on a fresh PostgreSQL
database that is dropped afterwards); the edge's sync worker sends from a SQLite outbox holding the
backlog, batch by batch, exactly as in the store. Bounded: gives up after ``--timeout`` seconds.

    .venv/bin/python bench/sync.py [--events 50000] [--batch-size 500] [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cloud_sync import ledger  # noqa: E402
from cloud_sync.central.db import make_engine as central_engine  # noqa: E402
from cloud_sync.central.db import migrate  # noqa: E402
from cloud_sync.central.stores import create_store  # noqa: E402
from cloud_sync.client import CentralClient  # noqa: E402
from cloud_sync.worker import SyncConfig, SyncWorker  # noqa: E402
from edge.storage.db import make_engine as edge_engine  # noqa: E402
from edge.storage.migrations import upgrade  # noqa: E402
from edge.storage.outbox import add_outbox_event  # noqa: E402

STORE = "store-bench"
TYPES = ("session_ended", "purchase", "size_request", "go_back", "email_opt_in")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_central(db_url: str, workers: int, deadline: float) -> tuple[subprocess.Popen[bytes] | None, str]:
    """``fitroom-central serve`` on a free port over ``db_url`` (admin token ``bench``), once it answers
    ``/healthz``; (None, url) if it did not start before ``deadline``."""
    port = free_port()
    env = {**os.environ, "FITROOM_CENTRAL_DB_URL": db_url, "FITROOM_CENTRAL_ADMIN_TOKEN": "bench"}
    serve = ["serve", "--port", str(port), "--log-level", "warning", "--workers", str(workers)]
    server = subprocess.Popen([sys.executable, "-m", "cloud_sync.central.cli", *serve], env=env, cwd=ROOT)
    central_url = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{central_url}/healthz", timeout=1).status_code == 200:
                return server, central_url
        except httpx.HTTPError:
            time.sleep(0.1)
    print("central store did not start", file=sys.stderr)
    stop_central(server)
    return None, central_url


def stop_central(server: subprocess.Popen[bytes] | None) -> None:
    if server is not None and server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


def fill_outbox(url: str, count: int) -> None:
    """A realistic mix: every event type, one in five naming a loyalty member."""
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
                store_id=STORE,
                payload=payload,
                now=now + i * 0.01,
                member_id=f"member-{i % 997}" if i % 5 == 0 else None,
            )
        session.commit()
    engine.dispose()


async def drain(url: str, central_url: str, key: str, batch: int, deadline: float) -> tuple[int, float]:
    """Run the edge's sync worker as the edge does (``run()``: drain, pulls, erasure feed) until the
    backlog is empty; returns (events acknowledged, seconds)."""
    engine = edge_engine(url)
    worker = SyncWorker(
        engine,
        SyncConfig(central_url=central_url, store_key=key, store_id=STORE, batch_size=batch),
        client=CentralClient(central_url, key),
    )
    started = time.perf_counter()
    task = asyncio.create_task(worker.run())
    try:
        while time.monotonic() < deadline and not task.done():
            counts = await asyncio.to_thread(ledger.counts, engine)
            if counts.backlog == 0:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        sent = (await asyncio.to_thread(ledger.counts, engine)).sent_total
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await worker.client.aclose()
        engine.dispose()
    return sent, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--pg",
        default=os.environ.get("FITROOM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test"),
        help="an existing PostgreSQL database to create the bench database from",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    parser.add_argument("--workers", type=int, default=1, help="central store server processes")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout

    name = f"fitroom_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
    server: subprocess.Popen[bytes] | None = None
    try:
        engine = central_engine(db_url)
        migrate(engine)
        with Session(engine) as session:
            key = create_store(session, store_id=STORE, name="Bench", now=time.time())
            session.commit()
        engine.dispose()

        server, central_url = start_central(db_url, args.workers, deadline)
        if server is None:
            return 1

        with tempfile.TemporaryDirectory() as tmp:
            edge_url = f"sqlite:///{Path(tmp) / 'edge.db'}"
            fill_outbox(edge_url, args.events)
            sent, elapsed = asyncio.run(drain(edge_url, central_url, key, args.batch_size, deadline))
            check = edge_engine(edge_url)
            backlog = ledger.counts(check).backlog
            check.dispose()
        stats = httpx.get(
            f"{central_url}/v1/admin/stats", headers={"Authorization": "Bearer bench"}, timeout=30
        ).json()
        stored = sum(stats["events"].values())
        if backlog or stored != args.events:
            print(
                f"incomplete: sent {sent}, backlog {backlog}, stored centrally {stored} (timeout?)",
                file=sys.stderr,
            )
            return 1
        print(
            f"sync drain: {args.events} events in {elapsed:.2f} s = {args.events / elapsed:,.0f} events/s "
            f"(batch {args.batch_size}; edge SQLite outbox -> central ({args.workers} process(es)) on "
            f"PostgreSQL; stored once each: {stored})"
        )
        print(
            f"command: .venv/bin/python bench/sync.py --events {args.events} "
            f"--batch-size {args.batch_size} --workers {args.workers}"
        )
        return 0
    finally:
        stop_central(server)
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
