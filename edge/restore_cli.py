"""``fitroom-edge restore FILE [--db-url URL]``: put a backup in place of the edge database.

Refuses while the edge runs (stop it first); keeps the database it replaces beside it as
``<name>.before-restore-<UTC time>``. The edge migrates an older backup forward when it next starts.
Exit 1 when the restore is refused or fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from edge.backup_cli import db_url_of
from edge.storage.backup import BackupError, restore, sqlite_path
from edge.storage.db import make_engine
from edge.storage.migrations import alembic_config

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("backup", type=Path, help="a file written by fitroom-edge backup")
    parser.add_argument("--db-url", dest="db_url", help="edge database URL (FITROOM_DB_URL)")


def known_revisions(db_url: str) -> set[str]:
    """Every schema revision this version's migrations know."""
    engine = make_engine(db_url)
    try:
        scripts = ScriptDirectory.from_config(alembic_config(engine))
        return {rev.revision for rev in scripts.walk_revisions()}
    finally:
        engine.dispose()


def main(args: argparse.Namespace) -> int:
    url = db_url_of(args)
    try:
        db = sqlite_path(url)
    except BackupError as exc:
        print(f"fitroom-edge restore: {exc}", file=sys.stderr)
        return 2
    try:
        kept = restore(args.backup, db, known_revisions=known_revisions(url))
    except BackupError as exc:
        print(f"fitroom-edge restore: {exc}", file=sys.stderr)
        return 1
    if kept is not None:
        print(f"the previous database is kept as {kept}", file=sys.stderr)
    print(f"restored {args.backup} to {db}; start the edge (it migrates an older backup forward)")
    return 0
