"""``fitroom-edge display-token --name NAME [--db-url URL]``: issue a device token for a store display —
the fitting-room entrance's queue screen — and print it (once: only its hash is stored). The screen's
address is then ``/queue?token=TOKEN``; the token opens that screen and nothing else."""

from __future__ import annotations

import argparse
import sys

from edge.credentials import issue_display_token
from edge.db_cli import add_db_url, edge_database, edge_db_url

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="the display, e.g. entrance")
    add_db_url(parser)


def main(args: argparse.Namespace) -> int:
    db_url = edge_db_url(args)
    if db_url is None:
        return 2
    try:
        with edge_database(db_url) as engine:
            token = issue_display_token(engine, args.name)
    except ValueError as exc:
        print(f"fitroom-edge display-token: {exc}", file=sys.stderr)
        return 2
    print(token)
    print(f"queue screen address: /queue?token={token}", file=sys.stderr)
    return 0
