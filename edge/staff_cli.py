"""``fitroom-edge add-associate --id ID --first-name NAME [--pin PIN]``: create or update a store
associate who signs in to the console with a PIN. Only a salted scrypt hash of the PIN is stored.
Without ``--pin`` the PIN is asked for on the terminal (kept out of shell history)."""

from __future__ import annotations

import argparse
import getpass
import sys

from edge.config import SettingsError, load_settings
from edge.credentials import add_associate, set_role
from edge.storage.db import make_engine
from edge.storage.migrations import upgrade

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
    parser.add_argument("--db-url", dest="db_url", help="edge database URL (FITROOM_DB_URL)")


def main(args: argparse.Namespace) -> int:
    try:
        settings = load_settings({"db_url": args.db_url})
    except SettingsError as exc:
        print(f"fitroom-edge: {exc}", file=sys.stderr)
        return 2
    pin = args.pin if args.pin is not None else getpass.getpass("PIN: ")
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
        add_associate(engine, associate_id=args.associate_id, first_name=args.first_name, pin=pin)
        set_role(engine, args.associate_id, args.role)
    except ValueError as exc:
        print(f"fitroom-edge add-associate: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"associate {args.associate_id} ({args.first_name.strip()}) can sign in at /associate")
    return 0
