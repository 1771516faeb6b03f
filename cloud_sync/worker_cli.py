"""The sync worker as a process of its own: ``python -m cloud_sync.worker_cli`` (or ``fitroom-edge sync``).

The edge normally runs the worker inside its own process; this entry point drains an edge database's
outbox without the rest of the edge (operations, recovery, tests that kill it mid-sync). Configured by
``FITROOM_CENTRAL_URL``, ``FITROOM_STORE_KEY`` and ``FITROOM_DB_URL``, each overridable by a flag.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence

from cloud_sync.worker import SyncConfig, SyncWorker
from edge.config import central_url_problem
from edge.layout import LayoutError, load_layout
from edge.storage.db import make_engine
from edge.storage.migrations import upgrade

__all__ = ["add_arguments", "main", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db-url", default=None, help="edge database URL (FITROOM_DB_URL)")
    parser.add_argument("--central-url", default=None, help="central store URL (FITROOM_CENTRAL_URL)")
    parser.add_argument("--store-id", default=None, help="this store's id (or give --layout)")
    parser.add_argument("--layout", default=None, help="store layout TOML, for the store id (FITROOM_LAYOUT)")
    parser.add_argument("--batch-size", type=int, default=500, help="events per request (default 500)")
    parser.add_argument("--pull-interval", type=float, default=30.0, help="seconds between catalog pulls")


async def run(worker: SyncWorker) -> None:
    """Run until SIGINT/SIGTERM."""
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(worker.run())
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db_url = args.db_url or os.environ.get("FITROOM_DB_URL", "sqlite:///fitroom-edge.db")
    central = args.central_url or os.environ.get("FITROOM_CENTRAL_URL")
    key = os.environ.get("FITROOM_STORE_KEY")
    store_id = args.store_id
    layout = args.layout or os.environ.get("FITROOM_LAYOUT")
    if store_id is None and layout:
        try:
            store_id = load_layout(layout).store.id
        except (LayoutError, OSError) as err:
            print(f"fitroom sync: {err}", file=sys.stderr)
            return 2
    missing = [
        name
        for name, value in (
            ("FITROOM_CENTRAL_URL (--central-url)", central),
            ("FITROOM_STORE_KEY", key),
            ("--store-id or --layout", store_id),
        )
        if not value
    ]
    if missing:
        print(f"fitroom sync: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    assert central is not None and key is not None and store_id is not None
    problem = central_url_problem(central, os.environ.get("FITROOM_ENVIRONMENT", "production"))
    if problem:
        print(f"fitroom sync: FITROOM_CENTRAL_URL (--central-url): {problem}", file=sys.stderr)
        return 2
    config = SyncConfig(
        central_url=central,
        store_key=key,
        store_id=store_id,
        batch_size=max(1, args.batch_size),
        pull_interval_s=args.pull_interval,
    )
    engine = make_engine(db_url)
    upgrade(engine)  # the worker may start before the edge ever ran on this database
    asyncio.run(run(SyncWorker(engine, config)))
    return 0


def _cli(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fitroom-sync", description="Drain an edge outbox to the central store"
    )
    add_arguments(parser)
    return main(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(_cli())
