"""``fitroom-edge mirror-token --room ROOM [--layout L] [--label TEXT]``: issue a device token for one
fitting room's mirror and print it (once: only its hash is stored). The mirror's address is then
``/mirror/ROOM?token=TOKEN``; the token works for that room only."""

from __future__ import annotations

import argparse
import sys

from edge.config import SettingsError, load_settings
from edge.credentials import issue_mirror_token
from edge.db_cli import edge_database
from edge.layout import RoomKind, load_layout

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--room", required=True, help="fitting room id, as in the layout")
    parser.add_argument("--layout", help="store layout TOML (FITROOM_LAYOUT); checks the room exists")
    parser.add_argument("--label", default="", help="a note to recognise the device later")
    parser.add_argument("--db-url", dest="db_url", help="edge database URL (FITROOM_DB_URL)")


def main(args: argparse.Namespace) -> int:
    try:
        settings = load_settings({"db_url": args.db_url, "layout": args.layout})
    except SettingsError as exc:
        print(f"fitroom-edge: {exc}", file=sys.stderr)
        return 2
    if settings.layout is not None:
        room = load_layout(settings.layout).room(args.room)
        if room is None or room.kind is not RoomKind.FITTING_ROOM:
            print(
                f"fitroom-edge mirror-token: {args.room!r} is not a fitting room of the layout",
                file=sys.stderr,
            )
            return 2
    with edge_database(settings.db_url) as engine:
        token = issue_mirror_token(engine, args.room, label=args.label)
    print(token)
    print(f"mirror address: /mirror/{args.room}?token={token}", file=sys.stderr)
    return 0
