"""Synthetic RF for the presence tests: tags read per inventory round with a given probability.

Deliberately simple and independent of the simulator: what a reader would report for a tag sitting in
view of one antenna with a given per-round read probability and RSSI, in the three reporting styles a
store meets (every read, de-duplicated to one report per second, Zebra INVENTORY aggregates).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from edge.layout import Layout, parse_layout
from edge.presence import EventType, PresenceEngine, PresenceEvent
from edge.reads import BleSighting, Observation, TagRead

Mode = Literal["raw", "dedup", "zebra"]
Hint = dict[str, list[str]]  # room -> the rooms a layout's ``neighbours`` names

ROUNDS_PER_S = 4
GTIN = "80614141123458"

# Six fitting rooms along a corridor: fr-1..fr-4 on an Impinj reader, fr-5..fr-6 on a Zebra.
_LAYOUT = {
    "store": {"id": "s1", "name": "Test store"},
    "rooms": [{"id": "floor", "name": "Floor", "kind": "sales_floor"}]
    + [{"id": f"fr-{i}", "name": f"Room {i}", "kind": "fitting_room"} for i in range(1, 7)],
    "readers": [
        {
            "id": "impinj-a",
            "format": "impinj_iot",
            "topic": "stores/s1/rfid/impinj-a",
            "antennas": {str(i): f"fr-{i}" for i in range(1, 5)},
        },
        {
            "id": "zebra-b",
            "format": "zebra_iotc",
            "topic": "stores/s1/rfid/zebra-b",
            "antennas": {"1": "fr-5", "2": "fr-6"},
        },
    ],
    "ble_nodes": [{"id": f"fr-{i}", "format": "espresense", "room": f"fr-{i}"} for i in range(1, 7)],
}


def layout(presence: dict[str, object] | None = None, neighbours: Hint | None = None) -> Layout:
    """The six-room store; ``neighbours``: the rooms each room's ``neighbours`` hint names."""
    data: dict[str, object] = dict(_LAYOUT)
    if presence:
        data["presence"] = presence
    if neighbours:
        rooms: list[dict[str, object]] = _LAYOUT["rooms"]  # type: ignore[assignment]
        data["rooms"] = [r | {"neighbours": neighbours.get(str(r["id"]), [])} for r in rooms]
    return parse_layout(data)


def antenna_of(room: str) -> tuple[str, int]:
    n = int(room.removeprefix("fr-"))
    return ("impinj-a", n) if n <= 4 else ("zebra-b", n - 4)


def epc(n: int) -> str:
    return f"30742{n:019X}"


def tag_reads(
    tag: str,
    room: str,
    t0: float,
    t1: float,
    *,
    p: float,
    rssi: float,
    rng: random.Random,
    mode: Mode = "raw",
    rssi_sd: float = 2.0,
) -> list[tuple[float, Observation]]:
    """What ``room``'s antenna reports of ``tag`` between t0 and t1 (read with probability p per round)."""
    reader, antenna = antenna_of(room)
    by_second: dict[int, list[tuple[float, float]]] = {}
    k = 0
    while (t := t0 + k / ROUNDS_PER_S) < t1:
        k += 1
        if rng.random() < p:
            by_second.setdefault(int(t - t0), []).append((t, round(rng.gauss(rssi, rssi_sd), 1)))
    out: list[tuple[float, Observation]] = []
    for sec, hits in by_second.items():
        if mode == "raw":
            out += [(t, _read(tag, reader, antenna, room, r, 1)) for t, r in hits]
        elif mode == "dedup":
            out.append((hits[0][0], _read(tag, reader, antenna, room, max(r for _, r in hits), 1)))
        else:
            end = min(t0 + sec + 1.0, t1)
            out.append((end, _read(tag, reader, antenna, room, max(r for _, r in hits), len(hits))))
    return out


def one_read(tag: str, room: str, t: float, rssi: float) -> tuple[float, Observation]:
    """A single report of ``tag`` by ``room``'s antenna at ``t``."""
    reader, antenna = antenna_of(room)
    return (t, _read(tag, reader, antenna, room, rssi, 1))


def _read(tag: str, reader: str, antenna: int, room: str, rssi: float, reads: int) -> TagRead:
    return TagRead(reader, antenna, room, tag, GTIN, 1, rssi, reads)


def run(
    engine: PresenceEngine,
    observations: Iterable[tuple[float, Observation]],
    until: float,
    *,
    start: float = 0.0,
    tick_s: float = 0.5,
) -> list[PresenceEvent]:
    """Feed observations in time order with a tick every ``tick_s``; returns every event."""
    events: list[PresenceEvent] = []
    next_tick = start
    for t, obs in sorted(observations, key=lambda o: o[0]):
        while next_tick <= t:
            events += engine.tick(next_tick)
            next_tick += tick_s
        events += engine.observe(obs, t)
    while next_tick <= until:
        events += engine.tick(next_tick)
        next_tick += tick_s
    return events


@dataclass(frozen=True)
class Stay:
    room: str
    start: float
    end: float | None


def stays(events: Iterable[PresenceEvent], tag: str) -> list[Stay]:
    """The item's stays in rooms, from its entered/left events (end None while still there)."""
    out: list[Stay] = []
    open_room: str | None = None
    start = 0.0
    for e in events:
        if e.epc != tag:
            continue
        if e.type is EventType.ITEM_ENTERED:
            assert open_room is None, f"{tag} entered {e.room} while in {open_room}"
            open_room, start = e.room, e.t
        elif e.type is EventType.ITEM_LEFT:
            assert open_room == e.room, f"{tag} left {e.room} while in {open_room}"
            out.append(Stay(e.room, start, e.t))
            open_room = None
    if open_room is not None:
        out.append(Stay(open_room, start, None))
    return out


def phone(
    device: str,
    room: str,
    t0: float,
    t1: float,
    *,
    rssi: float = -64.0,
    distance: float = 1.4,
    every: float = 5.0,
) -> list[tuple[float, Observation]]:
    """ESPresense reports of a still phone in ``room``'s node range every ``every`` seconds."""
    out: list[tuple[float, Observation]] = []
    t = t0
    while t < t1:
        out.append((t, BleSighting(room, room, device, rssi, distance)))
        t += every
    return out


def events_of(events: Iterable[PresenceEvent], kind: EventType) -> list[PresenceEvent]:
    return [e for e in events if e.type is kind]


def neighbourly_rooms(
    seed: int, blind: str | None = None, after: float = 600.0
) -> list[tuple[float, Observation]]:
    """Garments in fr-1..fr-4, cross-read by the rooms next door, long enough for each room to learn how
    it reads its own garments and its neighbours' (nothing is read by ``blind``'s antenna ``after``)."""
    rng = random.Random(seed)
    obs: list[tuple[float, Observation]] = []
    for i in range(1, 5):
        tag = epc(100 + i)
        obs += tag_reads(tag, f"fr-{i}", 0, 900, p=0.6, rssi=-53, rng=rng)
        for n in (i - 1, i + 1):
            if 1 <= n <= 4:
                obs += tag_reads(tag, f"fr-{n}", 0, 900, p=0.15, rssi=-67, rng=rng)
    return [o for o in obs if not (isinstance(o[1], TagRead) and o[1].room_id == blind and o[0] >= after)]


def carried_out(
    tag: str,
    home: str,
    t0: float,
    t1: float,
    doors: list[tuple[str, float, float, float]],
    *,
    p: float,
    rng: random.Random,
) -> tuple[float, list[tuple[float, Observation]]]:
    """``tag`` read in ``home`` from ``t0`` to ``t1`` (probability ``p`` per round), then carried past
    ``doors``: (room, from, to, RSSI), times in seconds after its last read at home. Returns that last
    read's time and every report."""
    obs = tag_reads(tag, home, t0, t1, p=p, rssi=-54, rng=rng, rssi_sd=0.5)
    last = max(t for t, _ in obs)
    for room, a, b, rssi in doors:
        obs += tag_reads(tag, room, last + a, last + b, p=0.8, rssi=rssi, rng=rng)
    return last, obs


# -- A store around the garment under test ---------------------------------------------------------
# A garment hanging in every room, cross-read by the rooms next door, for the whole run: the store's own
# traffic the model learns its radio from, as in a store that has been open for a while.
STORE_END = 1500.0


def background(seed: int) -> list[tuple[float, Observation]]:
    """Six garments, one per room, read by their own room and cross-read by the rooms next door."""
    rng = random.Random(seed + 1000)
    obs: list[tuple[float, Observation]] = []
    for i in range(1, 7):
        tag = epc(100 + i)
        obs += tag_reads(tag, f"fr-{i}", 0, STORE_END, p=0.5, rssi=-53, rng=rng)
        for n in (i - 1, i + 1):
            if 1 <= n <= 6:
                obs += tag_reads(tag, f"fr-{n}", 0, STORE_END, p=0.1, rssi=-66, rng=rng)
    return obs


def in_store(
    seed: int,
    *obs: list[tuple[float, Observation]],
    unheard: tuple[str, ...] = (),
    during: tuple[float, float] = (0, 0),
    neighbours: Hint | None = None,
) -> list[PresenceEvent]:
    """Run ``obs`` in the store; the ``unheard`` rooms' antennas read nothing ``during`` (from, to);
    ``neighbours``: the layout's hint of which rooms share a wall."""

    def heard(o: tuple[float, Observation]) -> bool:
        read = o[1]
        return not (isinstance(read, TagRead) and read.room_id in unheard and during[0] <= o[0] < during[1])

    every = [o for group in obs for o in group] + background(seed)
    return run(PresenceEngine(layout(neighbours=neighbours)), [o for o in every if heard(o)], STORE_END)


def rooms_of(s: list[Stay]) -> list[str]:
    return [x.room for x in s]


def one_stay(events: list[PresenceEvent], tag: str, room: str) -> Stay:
    """The garment's only stay, which must be in ``room``."""
    got = stays(events, tag)
    assert rooms_of(got) == [room], tag
    return got[0]
