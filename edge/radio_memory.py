"""What presence learned of the store's radio, kept in the edge database across restarts.

The presence engine learns from the store's own traffic how loud each room hears the garments inside it
and how often and how loud every other room hears them (``edge.presence.radio``). Until it has, in the
first minutes of traffic, its placements are less sure; a restart would start that again. So the edge
writes what it learned every ``SAVE_EVERY_S`` and at stop, and takes it back at start, before the first
read: rooms the layout no longer has are dropped, rooms new to it start afresh. Nothing in it names a
garment or a shopper: per room and pair of rooms, levels in dBm, shares and counts of seconds.

An unreadable row is reported and left alone (the engine then learns afresh, and the next save replaces
it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from edge import clock
from edge.presence.radio import Pair, RoomRadio, StoreRadio
from edge.storage.presence_radio import PresenceRadio

__all__ = ["SAVE_EVERY_S", "VERSION", "RadioMemory", "restore", "snapshot"]

log = logging.getLogger(__name__)

SAVE_EVERY_S = 300.0  # at most five minutes of learning lost to a crash
VERSION = 1
_Learned = TypeVar("_Learned", RoomRadio, Pair)
_POSITIVE = frozenset({"spread", "noise", "gap_var"})  # variances, dB^2
_COUNTS = frozenset({"deviation", "seen", "sure", "heard", "deaf"})  # never negative


def snapshot(radio: StoreRadio) -> dict[str, Any]:
    """What ``radio`` has learned, JSON-ready (a level not learned yet is null)."""
    return {
        "version": VERSION,
        "rooms": {room: _plain(asdict(r)) for room, r in radio.room.items()},
        "pairs": [[home, other, _plain(asdict(p))] for (home, other), p in radio.pairs.items()],
        "corridor": _plain(asdict(radio.corridor)),
    }


def restore(radio: StoreRadio, data: Mapping[str, Any]) -> int:
    """Take back into ``radio`` what ``snapshot`` wrote, for the rooms it has; returns how many rooms were
    restored. Raises ``ValueError`` naming the first thing wrong, before changing anything."""
    if not isinstance(data, Mapping) or data.get("version") != VERSION:
        raise ValueError(f"version: expected {VERSION}")
    rooms_in = data.get("rooms")
    if not isinstance(rooms_in, Mapping):
        raise ValueError("rooms: expected an object")
    rooms = {r: _learned(RoomRadio, v, f"rooms.{r}") for r, v in rooms_in.items() if r in radio.room}
    pairs = _pairs(radio, data.get("pairs"))
    corridor = _learned(Pair, data.get("corridor"), "corridor")
    radio.room.update(rooms)
    radio.pairs.update(pairs)
    for (home, other), pair in radio.pairs.items():
        if home in rooms and (home, other) not in pairs:  # a room new to the layout heard none of those
            pair.deaf = rooms[home].sure  # seconds: its share of the room's garments is still to be learned
    radio.corridor = corridor
    radio.refresh(frozenset(radio.rooms))
    return len(rooms)


class RadioMemory:
    """Keeps one engine's ``StoreRadio`` in the edge database: ``recall`` at start, ``keep`` at stop,
    ``keep_forever`` between (each an async hook or task of ``EdgeService``)."""

    def __init__(self, db: Engine, radio: StoreRadio) -> None:
        self._db = db
        self._radio = radio

    async def recall(self) -> None:
        body = await asyncio.to_thread(self._read)
        if body is None:
            return
        try:
            rooms = restore(self._radio, json.loads(body))
        except ValueError as e:  # json.JSONDecodeError is one
            log.warning("presence: the stored radio is unreadable (%s); learning the store's radio afresh", e)
            return
        log.info("presence: took back what it had learned of %d rooms' radio", rooms)

    async def keep(self) -> None:
        body = json.dumps(snapshot(self._radio), allow_nan=False)  # on the loop: the engine's thread
        await asyncio.to_thread(self._write, body, clock.now())

    async def keep_forever(self) -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY_S)
            try:
                await self.keep()
            except SQLAlchemyError as e:  # a full disk, say: tried again next time, and at stop
                log.warning("presence: could not save the store's radio: %s", e.code)

    def _read(self) -> str | None:
        with Session(self._db) as session:
            row = session.get(PresenceRadio, 1)
            return None if row is None else row.body

    def _write(self, body: str, now: float) -> None:
        with Session(self._db) as session:
            row = session.get(PresenceRadio, 1) or PresenceRadio(id=1, body="", saved_at=0.0)
            row.body, row.saved_at = body, now
            session.add(row)
            session.commit()


def _pairs(radio: StoreRadio, value: object) -> dict[tuple[str, str], Pair]:
    """The snapshot's pairs of rooms ``radio`` has."""
    if not isinstance(value, list):
        raise ValueError("pairs: expected a list")
    pairs: dict[tuple[str, str], Pair] = {}
    for i, item in enumerate(value):
        if not (isinstance(item, list) and len(item) == 3 and all(isinstance(r, str) for r in item[:2])):
            raise ValueError(f"pairs[{i}]: expected [home, other, pair]")
        home, other, pair = item
        if (home, other) in radio.pairs:
            pairs[(home, other)] = _learned(Pair, pair, f"pairs[{i}]")
    return pairs


def _plain(values: dict[str, float]) -> dict[str, float | None]:
    return {k: None if math.isnan(v) else v for k, v in values.items()}


def _learned(kind: type[_Learned], value: object, where: str) -> _Learned:
    """A ``RoomRadio`` or ``Pair`` from its snapshot: every field a finite number (a level may be null)."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object")
    out: dict[str, float] = {}
    for f in fields(kind):
        x = value.get(f.name)
        if x is None and f.name == "level":
            out[f.name] = math.nan
        elif isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x):
            out[f.name] = float(x)
        else:
            raise ValueError(f"{where}.{f.name}: expected a number")
        if f.name in _POSITIVE and out[f.name] <= 0.0:
            raise ValueError(f"{where}.{f.name}: expected a variance (above 0)")
        if f.name in _COUNTS and out[f.name] < 0.0:
            raise ValueError(f"{where}.{f.name}: expected a count (0 or more)")
    return kind(**out)
