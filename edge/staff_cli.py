"""``fitroom-edge add-associate --id ID --first-name NAME [--pin PIN] [--photo FILE]``: create or update a
store associate who signs in to the console with a PIN. Only a salted scrypt hash of the PIN is stored.
Without ``--pin`` the PIN is asked for on the terminal (kept out of shell history). ``--photo``: a PNG or
JPEG (at most 512 KiB, 2048 px a side, checked by ``edge.photos``) the mirrors show with the associate's
replies; without it they show the initials."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlmodel import Session

from edge import clock
from edge.credentials import add_associate, set_role
from edge.db_cli import add_db_url, edge_database, edge_db_url
from edge.photos import MAX_BYTES, PhotoRejected, check_photo
from edge.storage.replies import set_photo

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", dest="associate_id", required=True, help="associate id used to sign in")
    parser.add_argument(
        "--first-name", required=True, help="first name shown on mirrors ('on its way — Ana')"
    )
    parser.add_argument("--pin", help="4-12 digit PIN; asked for when omitted")
    parser.add_argument(
        "--role", default="associate", choices=("associate", "manager"), help="manager: sees /manager"
    )
    parser.add_argument(
        "--photo", type=Path, help="PNG or JPEG shown on mirrors with the associate's replies (<= 512 KiB)"
    )
    add_db_url(parser)


def main(args: argparse.Namespace) -> int:
    db_url = edge_db_url(args)
    if db_url is None:
        return 2
    try:
        photo = check_photo(_read_photo(args.photo)) if args.photo is not None else None
    except (OSError, PhotoRejected) as exc:
        print(f"fitroom-edge add-associate: --photo: {exc}", file=sys.stderr)
        return 2
    pin = args.pin if args.pin is not None else getpass.getpass("PIN: ")
    try:
        with edge_database(db_url) as engine:
            add_associate(engine, associate_id=args.associate_id, first_name=args.first_name, pin=pin)
            set_role(engine, args.associate_id, args.role)
            if photo is not None:
                with Session(engine) as session:
                    set_photo(
                        session=session,
                        associate_id=args.associate_id,
                        content_type=photo.content_type,
                        data=photo.data,
                        sha256=photo.sha256,
                        now=clock.now(),
                    )
                    session.commit()
    except ValueError as exc:
        print(f"fitroom-edge add-associate: {exc}", file=sys.stderr)
        return 2
    shown = " (with a photo for the mirrors)" if photo is not None else ""
    print(f"associate {args.associate_id} ({args.first_name.strip()}) can sign in at /associate{shown}")
    return 0


def _read_photo(path: Path) -> bytes:
    """At most one byte over the limit is read: a huge file is refused without loading it."""
    with path.open("rb") as f:
        return f.read(MAX_BYTES + 1)
