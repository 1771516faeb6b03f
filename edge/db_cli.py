"""What ``fitroom-edge``'s database commands share: the ``--db-url`` option and the edge's settings
behind it, and the database opened and migrated for the length of a command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from edge.config import SettingsError, load_settings
from edge.storage.db import make_engine
from edge.storage.migrations import upgrade

__all__ = ["add_db_url", "edge_database", "edge_db_url"]


def add_db_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db-url", dest="db_url", help="edge database URL (FITROOM_DB_URL)")


def edge_db_url(args: argparse.Namespace) -> str | None:
    """The edge database ``--db-url`` names, else ``FITROOM_DB_URL``'s, else the edge's default; None,
    said on stderr, when the edge's settings are bad (the command then exits 2)."""
    try:
        return load_settings({"db_url": args.db_url}).db_url
    except SettingsError as exc:
        print(f"fitroom-edge: {exc}", file=sys.stderr)
        return None


@contextmanager
def edge_database(db_url: str) -> Iterator[Engine]:
    """The edge database at ``db_url``, migrated to this version first (one the edge never ran on then
    simply holds nothing yet), disposed of when the command is done with it."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
