"""Simulated shoppers' taps on the fitting-room mirrors, for the demo.

The store simulator moves shoppers and garments over the radio; this adds what shoppers do on the
mirror while they try things on: ask for another size, buy from the room, call an associate, leave an
email for their list. ``TapPlanner`` is the pure part: when a room's session is first seen it draws,
with a seeded generator, which of those this shopper will do and when. ``run_mirror_taps`` polls each
room's ``GET /api/mirror/{room}`` with that room's device token and carries the taps out over the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

__all__ = ["PlannedTap", "TapPlanner", "pick_other_size", "run_mirror_taps", "size_rank"]

log = logging.getLogger(__name__)

TapKind = Literal["request", "buy", "help", "email"]
# Share of fitting-room sessions in which the shopper does each, and when (seconds after we first see
# the session, before dividing by the demo speed).
TAP_ODDS: Mapping[TapKind, float] = {"request": 0.6, "buy": 0.35, "help": 0.1, "email": 0.2}
TAP_AFTER_S: Mapping[TapKind, tuple[float, float]] = {
    "request": (15.0, 90.0),
    "help": (20.0, 150.0),
    "buy": (120.0, 300.0),
    "email": (150.0, 320.0),
}


@dataclass(frozen=True, slots=True)
class PlannedTap:
    kind: TapKind
    at: float


@dataclass(slots=True)
class _RoomPlan:
    session_id: str
    taps: list[PlannedTap] = field(default_factory=list)


class TapPlanner:
    """Which taps each room's current session will make, and when. Pure: time passed in, seeded."""

    def __init__(self, rng: random.Random, *, speed: float = 1.0) -> None:
        self._rng = rng
        self._speed = speed
        self._plans: dict[str, _RoomPlan] = {}

    def due(self, room_id: str, view: Mapping[str, Any], now: float) -> list[TapKind]:
        """The taps due now for this room's RoomView; each is returned once per session."""
        session = view.get("session")
        if not session or not view.get("items"):
            self._plans.pop(room_id, None)
            return []
        sid = str(session.get("id"))
        plan = self._plans.get(room_id)
        if plan is None or plan.session_id != sid:
            plan = _RoomPlan(sid, self._draw(now))
            self._plans[room_id] = plan
        due = [t.kind for t in plan.taps if t.at <= now]
        plan.taps = [t for t in plan.taps if t.at > now]
        return due

    def _draw(self, now: float) -> list[PlannedTap]:
        taps = []
        for kind, odds in TAP_ODDS.items():
            if self._rng.random() < odds:
                low, high = TAP_AFTER_S[kind]
                taps.append(PlannedTap(kind, now + self._rng.uniform(low, high) / self._speed))
        return sorted(taps, key=lambda t: t.at)


_LETTER_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL")


def size_rank(size: str) -> float | None:
    """A number that sorts a size run: letter sizes, numeric sizes, "W30 L32"; None when unknown."""
    label = size.strip().upper()
    if label in _LETTER_SIZES:
        return float(_LETTER_SIZES.index(label))
    numbers = re.findall(r"\d+(?:[.,]\d+)?", label)
    if not numbers:
        return None
    values = [float(n.replace(",", ".")) for n in numbers[:2]]
    return values[0] * 1000 + (values[1] if len(values) > 1 else 0.0)


def pick_other_size(items: Sequence[Mapping[str, Any]], rng: random.Random) -> tuple[str, str] | None:
    """(gtin, epc) of the nearest other size, in the same colour, in stock here and not in the room, of a
    garment being tried — what a shopper asks for when something does not fit. None when there is none.
    (The edge lists a garment's other SKUs as its variants; the garment itself is not among them.)"""
    options: list[tuple[float, str, str]] = []
    for item in items:
        if not item.get("known") or not item.get("size"):
            continue
        own = size_rank(str(item["size"]))
        for v in item.get("variants") or ():
            if v.get("colour") != item.get("colour") or v.get("size") == item.get("size"):
                continue
            if v.get("availability") != "here" or v.get("in_room"):
                continue
            other = size_rank(str(v.get("size", "")))
            distance = abs(other - own) if own is not None and other is not None else 1e9
            options.append((distance, str(v["gtin"]), str(item["epc"])))
    if not options:
        return None
    nearest = min(d for d, _, _ in options)
    _, gtin, epc = rng.choice([o for o in options if o[0] == nearest])
    return gtin, epc


async def _tap(
    client: httpx.AsyncClient, room: str, kind: TapKind, view: Mapping[str, Any], rng: random.Random, n: int
) -> bool:
    api = f"/api/mirror/{room}"
    items = [i for i in view.get("items") or () if i.get("known")]
    bought = {it.get("epc") for p in view.get("purchases") or () for it in p.get("items") or ()}
    if kind == "request":
        choice = pick_other_size(items, rng)
        if choice is None:
            return False
        res = await client.post(f"{api}/requests", json={"gtin": choice[0], "epc": choice[1]})
    elif kind == "buy":
        left = [i for i in items if i.get("epc") not in bought]
        if not left:
            return False
        res = await client.post(f"{api}/purchases", json={"epcs": [rng.choice(left)["epc"]]})
    elif kind == "help":
        res = await client.post(f"{api}/help")
    else:
        # example.com is reserved for examples: nothing is ever delivered there.
        res = await client.post(
            f"{api}/email", json={"email": f"demo.shopper{n}@example.com", "consent": True}
        )
    if res.status_code >= 400:
        log.warning("mirror %s: %s tap refused: %s %s", room, kind, res.status_code, res.text[:200])
        return False
    return True


async def run_mirror_taps(
    base_url: str,
    tokens: Mapping[str, str],
    stop: asyncio.Event,
    *,
    speed: float = 1.0,
    seed: int = 0,
    poll_s: float = 3.0,
) -> dict[str, int]:
    """Tap the mirrors of ``tokens``' rooms until ``stop``; returns how many taps of each kind were made."""
    rng = random.Random(f"mirror-taps/{seed}")
    planner = TapPlanner(rng, speed=speed)
    loop = asyncio.get_running_loop()
    made: dict[str, int] = {}
    clients = {
        room: httpx.AsyncClient(base_url=base_url, timeout=10.0, headers={"Authorization": f"Bearer {token}"})
        for room, token in tokens.items()
    }
    try:
        while not stop.is_set():
            for room, client in clients.items():
                try:
                    res = await client.get(f"/api/mirror/{room}")
                    if res.status_code != 200:
                        continue
                    view = res.json()
                    for kind in planner.due(room, view, loop.time()):
                        if await _tap(client, room, kind, view, rng, sum(made.values()) + 1):
                            made[kind] = made.get(kind, 0) + 1
                except httpx.HTTPError as exc:
                    log.debug("mirror %s: edge unreachable (%s)", room, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_s)
    finally:
        for client in clients.values():
            await client.aclose()
    return made
