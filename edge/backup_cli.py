"""``fitroom-edge backup --out FILE [--db-url URL] [--force]``: a consistent copy of the edge database.

Safe while the edge runs (SQLite's online backup; see ``edge.storage.backup``). Prints one JSON line:
the file, its size, schema revision and rows per table. Exit 1 when the backup fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from edge.config import EdgeSettings
from edge.storage.backup import BackupError, back_up, sqlite_path

__all__ = ["add_arguments", "db_url_of", "main"]


def db_url_of(args: argparse.Namespace) -> str:
    """The edge database: ``--db-url``, else ``FITROOM_DB_URL``, else the edge's default."""
    default = str(EdgeSettings.model_fields["db_url"].default)
    return str(args.db_url or os.environ.get("FITROOM_DB_URL") or default)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="the backup file to write")
    parser.add_argument("--db-url", dest="db_url", help="edge database URL (FITROOM_DB_URL)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")


def main(args: argparse.Namespace) -> int:
    try:
        db = sqlite_path(db_url_of(args))
    except BackupError as exc:
        print(f"fitroom-edge backup: {exc}", file=sys.stderr)
        return 2
    try:
        info = back_up(db, args.out, overwrite=args.force)
    except BackupError as exc:
        print(f"fitroom-edge backup: {exc}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {"backup": str(info.path), "bytes": info.size, "revision": info.revision, "rows": info.rows}
        )
    )
    return 0
