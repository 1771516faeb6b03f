"""``fitroom-edge devices [--revoke ID] [--db-url URL]``: the store's mirror and display device tokens.

Without ``--revoke`` it lists every device ever issued (id, kind, room or display, label, when issued,
whether revoked) — never a token: only their hashes are stored. ``--revoke ID`` revokes one (a mirror
tablet lost or replaced): its token opens nothing from then on, and a mirror or queue screen connected
with it is closed at its next update."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from sqlmodel import Session

from edge import clock
from edge.credentials import DISPLAY
from edge.db_cli import add_db_url, edge_database, edge_db_url
from edge.storage.access import list_devices, revoke_device
from edge.storage.models import MirrorDevice

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--revoke", type=int, metavar="ID", help="revoke the device with this id")
    add_db_url(parser)


def _when(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC")


def describe(device: MirrorDevice) -> str:
    if device.room_id.startswith(DISPLAY):
        kind, where = "display", device.room_id.removeprefix(DISPLAY)
    else:
        kind, where = "mirror", device.room_id
    state = "active" if device.revoked_at is None else f"revoked {_when(device.revoked_at)}"
    label = f" {device.label!r}" if device.label and device.label != where else ""
    return f"{device.id:>4}  {kind:<7} {where:<16} issued {_when(device.created_at)}  {state}{label}"


def main(args: argparse.Namespace) -> int:
    db_url = edge_db_url(args)
    if db_url is None:
        return 2
    with edge_database(db_url) as engine, Session(engine) as session:
        if args.revoke is None:
            devices = list_devices(session=session)
            for device in devices:
                print(describe(device))
            if not devices:
                print("no devices: issue one with `fitroom-edge mirror-token` or `display-token`")
            return 0
        row = revoke_device(session=session, device_id=args.revoke, now=clock.now())
        if row is None:
            print(f"fitroom-edge devices: no device with id {args.revoke}", file=sys.stderr)
            return 2
        session.commit()
        print(describe(row))
        return 0
