"""Phones in fitting rooms: which of presence's placements of a shopper's phone were passers-by, and how
soon a shopper who really stays is counted (``shopper_stayed``: only then does the phone open or join the
room's session, and the mirror greet its shopper).

Reads a directory written by ``bench/presence.py --keep DIR`` (traces, their truth and the layouts),
replays each trace through the engine in this process and pairs every placement of a phone in a fitting
room (``shopper_entered`` to ``shopper_left``) with the ground truth:

- ``placed``: placements; ``in room``: those during which the phone's shopper truly was in that room at
  some moment; ``passing``: the others (the phone was carried past the door, or heard through a wall);
- ``stayed``: placements that reached ``shopper_stayed``, of those in the room and of those passing;
- per true visit to a room with a phone (truth's ``shopper_stay``): whether presence said it stayed there,
  and the seconds from walking in to ``shopper_stayed``, for visits of at least ``--visit`` seconds;
- what the session machine (``edge/sessions``, 300 s idle, 1800 s abandoned) makes of the events:
  sessions opened, those a passing phone opened, those that never held a garment, and phones that
  joined a session during a passing placement; beside the baseline that counts every placement as a
  stay at once (``at once``: the machine as it was before ``shopper_stayed``).

    .venv/bin/python bench/presence.py --split holdout --keep /tmp/holdout
    .venv/bin/python bench/presence_shoppers.py /tmp/holdout
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence_ablation import replay_in_process
from presence_kept import table, trace_of

from edge.presence.events import EventType, PresenceEvent
from edge.sessions import FittingRooms, ItemAdded, SessionChange, SessionOpened, ShopperJoined
from simulators.truth import read_truth


@dataclass(frozen=True)
class Placement:
    device: str
    room: str
    start: float
    end: float
    stayed_at: float | None


def placements(events: list[dict[str, Any]], end: float) -> list[Placement]:
    """Every placement of a phone in a room, in the order they began (open ones closed at ``end``)."""
    open_: dict[tuple[str, str], tuple[float, float | None]] = {}
    out: list[Placement] = []
    for e in events:
        device, kind = e.get("device"), e["type"]
        if device is None:
            continue
        key = (device, e["room"])
        if kind == "shopper_entered":
            open_[key] = (e["t"], None)
        elif kind == "shopper_stayed" and key in open_:
            open_[key] = (open_[key][0], e["t"])
        elif kind == "shopper_left" and key in open_:
            start, stayed = open_.pop(key)
            out.append(Placement(device, key[1], start, e["t"], stayed))
    out += [Placement(d, r, s, end, st) for (d, r), (s, st) in open_.items()]
    return sorted(out, key=lambda p: (p.start, p.device))


def _visits(truth: list[dict[str, Any]], rooms: set[str]) -> list[dict[str, Any]]:
    return [
        r
        for r in truth
        if r["kind"] == "shopper_stay"
        and r.get("device_id")
        and r["room"] in rooms
        and r["exit"] > r["enter"]
    ]


def judge(
    truth: list[dict[str, Any]], events: list[dict[str, Any]], rooms: set[str], visit_s: float
) -> Counter[str]:
    """The counts of one trace (see the module's docstring) in the fitting ``rooms``; latencies are kept
    as ``lat:<seconds>``."""
    end = max((float(e["t"]) for e in events), default=0.0)
    visits = _visits(truth, rooms)
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for v in visits:
        by_key.setdefault((v["device_id"], v["room"]), []).append(v)
    found = [p for p in placements(events, end) if p.room in rooms]
    count: Counter[str] = Counter()
    passing: list[Placement] = []
    for p in found:
        real = any(v["enter"] <= p.end and v["exit"] >= p.start for v in by_key.get((p.device, p.room), []))
        kind = "in room" if real else "passing"
        count["placed"] += 1
        count[kind] += 1
        if not real:
            passing.append(p)
        if p.stayed_at is not None:
            count[f"stayed, {kind}"] += 1
    for at_once in (True, False):
        suffix = " (at once)" if at_once else ""
        count.update({k + suffix: n for k, n in sessions(events, rooms, passing, at_once=at_once).items()})
    for v in visits:
        if v["exit"] - v["enter"] < visit_s:
            continue
        count["visits"] += 1
        said = [
            p.stayed_at
            for p in found
            if p.device == v["device_id"] and p.room == v["room"] and p.stayed_at is not None
            if v["enter"] - 5.0 <= p.stayed_at <= v["exit"] + 30.0
        ]
        if said:
            count["visits counted"] += 1
            count[f"lat:{min(said) - v['enter']:.1f}"] += 1
    return count


def sessions(
    events: list[dict[str, Any]], rooms: set[str], passing: list[Placement], *, at_once: bool
) -> Counter[str]:
    """Sessions the machine opens on ``events``, those a phone opened during one of the ``passing``
    placements, those that never held a garment, and every join by a phone during a passing placement.
    ``at_once``: every ``shopper_entered`` counts as a stay."""
    machine = FittingRooms(sorted(rooms), idle_timeout_s=300.0, abandoned_after_s=1800.0)
    count: Counter[str] = Counter()
    opened: list[str] = []
    with_garment: set[str] = set()

    def apply(changes: list[SessionChange]) -> None:
        by_phone: set[str] = set()  # sessions these changes opened on a phone
        for c in changes:
            if isinstance(c, SessionOpened):
                opened.append(c.session_id)
                if c.cause == "shopper_entered":
                    by_phone.add(c.session_id)
            elif isinstance(c, ItemAdded):
                with_garment.add(c.session_id)
            elif isinstance(c, ShopperJoined) and any(
                p.device == c.device and p.room == c.room_id and p.start <= c.t <= p.end for p in passing
            ):
                count["passer-by joins"] += 1
                count["opened by a passer-by"] += c.session_id in by_phone

    second = min((float(e["t"]) for e in events), default=0.0)
    for e in events:
        t, kind = float(e["t"]), EventType(e["type"])
        while second <= t:
            apply(machine.tick(second))
            second += 1.0
        if at_once and kind is EventType.SHOPPER_STAYED:
            continue
        event = PresenceEvent(
            t, kind, e["room"], epc=e.get("epc"), gtin=e.get("gtin"), device=e.get("device")
        )
        apply(machine.on_presence(event))
        if at_once and kind is EventType.SHOPPER_ENTERED:
            apply(machine.on_presence(replace(event, type=EventType.SHOPPER_STAYED)))
    count["sessions"] = len(opened)
    count["without a garment"] = sum(s not in with_garment for s in opened)
    return count


def _scenario(truth_path: Path, visit_s: float) -> Counter[str]:
    trace, layout = trace_of(truth_path)
    rooms = {r.id for r in layout.fitting_rooms}
    return judge(read_truth(truth_path), replay_in_process(layout, trace), rooms, visit_s)


_COLUMNS = ("placed", "in room", "passing", "stayed, in room", "stayed, passing", "visits", "visits counted")


def _latencies(count: Counter[str]) -> list[float]:
    return sorted(float(k[4:]) for k, n in count.items() if k.startswith("lat:") for _ in range(n))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("keep", type=Path, help="a directory bench/presence.py --keep wrote")
    ap.add_argument(
        "--visit", type=float, default=60.0, help="true visits at least this long are judged (60)"
    )
    args = ap.parse_args(argv)
    print(f"$ {' '.join(['.venv/bin/python', *sys.argv])}")
    logging.disable(logging.CRITICAL)
    total = table(args.keep, _COLUMNS, lambda path: _scenario(path, args.visit), width=17)
    if total is None:
        return 2
    print("\nsessions (idle 300 s, abandoned 1800 s): every placement a stay at once / after shopper_stayed")
    for c in ("sessions", "opened by a passer-by", "without a garment", "passer-by joins"):
        print(f"  {c:<22}{total[c + ' (at once)']:>8} / {total[c]}")
    lat = _latencies(total)
    if lat:
        p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
        print(
            f"walking in to shopper_stayed, visits of {args.visit:g} s or more: median "
            f"{statistics.median(lat):.1f} s, p95 {p95:.1f} s, longest {lat[-1]:.1f} s ({len(lat)} visits)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
