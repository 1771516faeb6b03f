"""What ``make demo`` prints: the banner with every address (the mirrors, one in Arabic, the queue screen,
the console, the manager's and head office's pages) and the closing line of what each worker did."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from edge.layout import Layout
from simulators.associates import AssociateProfile

if TYPE_CHECKING:
    from cloud_sync.demo import DemoCentral
    from simulators.demo_broker import DemoBroker

__all__ = ["print_banner", "summary"]


def summary(result: object) -> str:
    """One line on what a worker did: the associates' tasks, or the shoppers' mirror taps."""
    if isinstance(result, list) and result:
        counts = ("claimed", "completed", "replied")
        claimed, done, replied = (sum(getattr(a, k, 0) for a in result) for k in counts)
        return f"simulated associates claimed {claimed}, completed {done} and replied to {replied} tasks"
    if isinstance(result, dict):
        taps = ", ".join(f"{kind} {n}" for kind, n in sorted(result.items())) or "none"
        return f"simulated mirror taps: {taps}"
    return ""


def print_banner(
    layout: Layout,
    broker: DemoBroker,
    central: DemoCentral | None,
    base: str,
    tokens: dict[str, str],
    crew: tuple[AssociateProfile, ...],
    args: argparse.Namespace,
    data: Path,
    *,
    queue_token: str,
    console: AssociateProfile,
    manager: AssociateProfile,
    pin: str,
) -> None:
    names = {room.id: room.name for room in layout.rooms}
    width = max(len(n) for n in names.values())
    lines = [
        "",
        f"fitroom demo · {layout.store.name} (store {layout.store.id})",
        f"  broker   {broker.describe()}",
        f"  edge     {base}   (data in {data})",
        f"  central  {central.url} (demo member profiles for opted-in shoppers)"
        if central
        else "  central  off (shoppers stay anonymous)",
        "",
        "  mirrors (open one per screen or tab; each URL carries its room's device token)",
    ]
    if central:  # head office's figures of what this store syncs (issue 19)
        lines[5:5] = [
            f"  head office  {central.url}/admin   (sign in with the admin token {central.admin_token})"
        ]
    lines += [
        f"    {names[room].ljust(width)}  {base}/mirror/{room}?token={token}"
        for room, token in tokens.items()
    ]
    first = next(iter(tokens))  # six languages on every mirror; this one in Arabic, right to left
    lines += [
        f"    {'Arabic'.ljust(width)}  {base}/mirror/{first}?token={tokens[first]}&lang=ar\n",
        f"  queue    {base}/queue?token={queue_token}   (the entrance's queue screen)",
        "",
        f"  console  {base}/associate?associate={console.associate_id}",
        f"           sign in as associate ID '{console.associate_id}' with the demo PIN {pin}",
        f"           in Spanish: {base}/associate?associate={console.associate_id}&lang=es"
        "   (or pick Español on the console)",
        f"  manager  {base}/manager   (sign in on the console as '{manager.associate_id}', PIN {pin})",
        "",
        f"  simulated: ~{args.shoppers_per_hour:g} shoppers an hour, associates "
        f"{', '.join(p.first_name for p in crew) or 'none'}, at {args.speed:g}x speed",
        "  Ship-to-home orders and offers: the e-commerce system's and member app's webhooks print here.",
        "  Ship-to-home is paid at the bag desk"
        if args.pay_at_bag_desk
        else "  Ship-to-home is paid on a phone: the mirror shows the demo payment provider's page as a QR"
        " code (open its address to pay); what the provider tells the edge prints here.",
        "  The first shoppers are heading for the fitting rooms now; mirrors update live.",
        "  Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)
