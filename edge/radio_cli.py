"""``fitroom-edge radio [--json] [--forget] [--layout L] [--db-url URL]``: what presence learned of the
store's radio.

The edge keeps what its presence engine learned of the store's antennas in its database
(``edge.radio_memory``). This prints it for an installer: per room, how loud its antenna hears the
garments inside (mean peak RSSI of a second with a read, and the spread between garments) and from how
many sure seconds; then, per room, which other rooms hear its garments, how often (a share of the
garment's own room's read chance) and how much weaker. Rooms that hear each other's garments often are
neighbours, whatever the layout's order; a room that hears its neighbour's garments as loud as its own
has an antenna worth moving.

With the layout (``--layout`` or ``FITROOM_LAYOUT``), rooms its ``neighbours`` hint names are marked, and a
named pair whose rooms hardly hear each other's garments once both have been heard for a minute is
listed: the hint is probably wrong (presence outgrows it, but a wrong one slows entries at first).

``--json`` prints the stored snapshot as it is. ``--forget`` deletes it, for a store whose antennas or
rooms were rearranged: stop the edge first (a running edge writes what it knows back within five minutes
and at stop); started again, it learns the store's radio afresh.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from edge.config import SettingsError, load_settings
from edge.db_cli import add_db_url, edge_database, edge_db_url
from edge.layout import LayoutError, load_layout
from edge.presence.params import PresenceParams
from edge.presence.radio import StoreRadio
from edge.radio_memory import restore
from edge.storage.presence_radio import PresenceRadio

__all__ = ["add_arguments", "main"]

SHOWN_SHARE = 0.05  # rooms that hear fewer of a room's garments than this are left out of its line
KNOWN_S = 60.0  # sure seconds of a room's garments before its pairs are judged against the layout's hint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the stored snapshot as JSON")
    parser.add_argument("--forget", action="store_true", help="delete it (the edge stopped): learn afresh")
    parser.add_argument("--layout", help="store layout TOML (FITROOM_LAYOUT): check its neighbours hint")
    add_db_url(parser)


def main(args: argparse.Namespace) -> int:
    db_url = edge_db_url(args)
    if db_url is None:
        return 2
    try:
        layout_path = load_settings({"layout": args.layout}).layout
        layout = None if layout_path is None else load_layout(layout_path)
    except (SettingsError, LayoutError) as exc:
        print(f"fitroom-edge: {exc}", file=sys.stderr)
        return 2
    walls = frozenset[tuple[str, str]]() if layout is None else layout.walls
    try:
        with edge_database(db_url) as engine, Session(engine) as session:
            row = session.get(PresenceRadio, 1)
            if row is not None and args.forget:
                session.delete(row)
                session.commit()
    except SQLAlchemyError as exc:
        print(f"fitroom-edge radio: cannot use the edge database: {exc.code}", file=sys.stderr)
        return 1
    if row is None:
        print("nothing learned yet: the edge has not saved its radio (it does every 5 minutes and at stop)")
        return 0
    if args.forget:
        print("forgot what presence learned of the store's radio; started again, the edge learns it afresh")
        return 0
    try:
        data = json.loads(row.body)
        radio = StoreRadio(sorted(data["rooms"]), PresenceParams(), walls)
        restore(radio, data)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"fitroom-edge radio: the stored radio is unreadable ({exc})", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(_report(radio, row.saved_at, walls), end="")
    return 0


def _report(radio: StoreRadio, saved_at: float, walls: frozenset[tuple[str, str]]) -> str:
    when = dt.datetime.fromtimestamp(saved_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"what presence learned of the store's radio, saved {when}", ""]
    lines.append(f"{'room':<16}{'level dBm':>10}{'spread dB':>10}{'sure s':>9}")
    for name, room in radio.room.items():
        level = "-" if math.isnan(room.level) else f"{room.level:.1f}"
        lines.append(f"{name:<16}{level:>10}{math.sqrt(room.spread):>10.1f}{room.sure:>9.0f}")
    lines += [
        "",
        f"who hears each room's garments (in at least {SHOWN_SHARE:.0%} of the seconds its own does):",
    ]
    for home in radio.rooms:
        heard: list[tuple[float, str, Any]] = sorted(
            ((radio.shares[(home, o)], o, radio.pairs[(home, o)]) for o in radio.rooms if o != home),
            key=lambda x: (-x[0], x[1]),
        )
        named = {o for h, o in walls if h == home} | {h for h, o in walls if o == home}
        parts = [
            f"{o} {share:.0%}, {-pair.gap:.0f} dB weaker{' (named)' if o in named else ''}"
            for share, o, pair in heard
            if share >= SHOWN_SHARE
        ]
        lines.append(f"  {home}: {'; '.join(parts) if parts else 'no other room'}")
    unheard = sorted(
        {tuple(sorted(w)) for w in walls if w[0] in radio.room and w[1] in radio.room and _deaf(radio, *w)}
    )
    if unheard:
        lines += [
            "",
            "named neighbours in the layout that hardly hear each other's garments (check the hint):",
        ]
        lines += [f"  {a} and {b}" for a, b in unheard]
    return "\n".join(lines) + "\n"


def _deaf(radio: StoreRadio, a: str, b: str) -> bool:
    """Both rooms heard for long enough, and each hears under ``SHOWN_SHARE`` of the other's garments."""
    for home, other in ((a, b), (b, a)):
        pair = radio.pairs[(home, other)]
        seconds = radio.room[home].sure - pair.deaf
        if seconds < KNOWN_S or pair.heard / seconds >= SHOWN_SHARE:
            return False
    return True
