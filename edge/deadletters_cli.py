"""``fitroom-edge dead-letters [--kind K] [--limit N] [--db-url URL]``: what devices really sent.

Prints the newest dead-letter samples (rejected messages kept by the ingest pipeline) as JSON Lines on
stdout, newest first: ``t``, ``kind``, ``topic``, ``error``, ``payload_size`` and the (truncated) payload.
Counts of every rejected message, sampled or not, are in ``/metrics`` (``fitroom_decode_errors_total``).
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from edge.db_cli import add_db_url, edge_database, edge_db_url
from edge.decoders.errors import ErrorKind
from edge.ingest.deadletter import list_dead_letters

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", choices=[k.value for k in ErrorKind], help="only this error kind")
    parser.add_argument("--limit", type=int, default=50, help="at most this many samples (50)")
    add_db_url(parser)


def main(args: argparse.Namespace) -> int:
    db_url = edge_db_url(args)
    if db_url is None:
        return 2
    if args.limit < 1:
        print("fitroom-edge dead-letters: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        with edge_database(db_url) as engine, Session(engine) as session:
            letters = list_dead_letters(session=session, kind=args.kind, limit=args.limit)
    except SQLAlchemyError as exc:
        print(f"fitroom-edge dead-letters: cannot read the edge database: {exc.code}", file=sys.stderr)
        return 1
    out = sys.stdout
    for letter in letters:
        row = {
            "t": letter.t,
            "kind": letter.kind,
            "topic": letter.topic,
            "error": letter.error,
            "payload_size": letter.payload_size,
            "payload": letter.payload,
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    return 0
