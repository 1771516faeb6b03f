"""Ground truth: where each garment and each shopper really was, and when, plus the faults injected.

Written beside a trace as ``<trace>.truth.jsonl``, one JSON object per line, each with a ``kind``:

- ``{"kind": "trace", "version": 1, "store", "layout", "seed", "start", "end", "rooms", "covered_rooms",
  "dedup", "outages", "junk", "shoppers"}`` — first line; ``rooms`` are the fitting rooms in corridor
  order (their physical order, which a family store shuffles against the layout's), ``covered_rooms``
  every room some reader antenna covers; ``environment`` (``<preset>/<seed>``) for a family store.
- ``{"kind": "item", "epc", "gtin", "start", "end"}`` — a garment (merchandise only: badges and other
  non-SGTIN tags appear in no truth record) exists in the simulation from ``start``
  (picked off the shelf or placed) to ``end`` (the trace's end).
- ``{"kind": "item_stay", "epc", "gtin", "room", "enter", "exit"}`` — the garment was in ``room`` (a
  room some antenna covers) from ``enter`` to ``exit``. Any other time it is in no room (corridor, shop
  floor, shelves, bought). A stay still open at the trace's end has ``exit`` = the trace's end.
- ``{"kind": "worn", "epc", "room", "start", "end"}`` — the garment was being worn (nearly silent).
- ``{"kind": "shopper", "shopper", "device_id", "arrive", "leave"}`` — a person in the store (shoppers;
  associates too, with ids ``associate-…`` and no phone). ``device_id`` is the ESPresense id
  of the shopper's phone (``iBeacon:<uuid>-<major>-<minor>``) or null for a shopper without the app.
- ``{"kind": "shopper_stay", "shopper", "device_id", "room", "enter", "exit"}`` — any layout room
  (entrance, sales floor, fitting room); the corridor is no room.
- ``{"kind": "antenna_outage", "reader", "antenna", "room", "start", "end", "announced"}``.
- ``{"kind": "reader_outage", "reader", "start", "end", "will_at"}`` — ``will_at``: when the broker
  published the last will.
- ``{"kind": "node_outage", "node", "room", "start", "end", "will_at"}`` — a BLE node was down.
- ``{"kind": "junk", "t", "topic", "what"}`` — a message that is deliberately bad or foreign.

Times are Unix seconds on the trace's clock. Lines after the first are sorted by kind, then time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["GroundTruth", "read_truth", "write_truth"]

_KIND_ORDER = [
    "item",
    "item_stay",
    "worn",
    "shopper",
    "shopper_stay",
    "antenna_outage",
    "reader_outage",
    "node_outage",
    "junk",
]


def _item_stay(epc: str, gtin: str | None, room: str, enter: float, exit_: float) -> dict[str, Any]:
    return {"kind": "item_stay", "epc": epc, "gtin": gtin, "room": room, "enter": enter, "exit": exit_}


@dataclass(slots=True)
class _Open:
    room: str
    since: float


@dataclass
class GroundTruth:
    """Records stays as things move; ``records(end)`` closes what is still open."""

    covered_rooms: set[str]
    header: dict[str, Any] = field(default_factory=dict)
    _records: list[dict[str, Any]] = field(default_factory=list)
    _items: dict[str, tuple[str | None, float]] = field(default_factory=dict)
    _item_room: dict[str, _Open] = field(default_factory=dict)
    _worn: dict[str, _Open] = field(default_factory=dict)
    _shoppers: dict[str, tuple[str | None, float]] = field(default_factory=dict)
    _shopper_room: dict[str, _Open] = field(default_factory=dict)
    _shopper_left: dict[str, float] = field(default_factory=dict)

    def item_created(self, epc: str, gtin: str | None, t: float) -> None:
        """A garment enters the simulation; tags that are not merchandise (no GTIN) are not tracked."""
        if gtin is not None:
            self._items.setdefault(epc, (gtin, t))

    def item_in(self, epc: str, room: str | None, t: float) -> None:
        """The garment is now in ``room`` (None: no room). Rooms no antenna covers count as none."""
        if epc not in self._items:
            return
        if room is not None and room not in self.covered_rooms:
            room = None
        current = self._item_room.get(epc)
        if current is not None and current.room == room:
            return
        gtin = self._items.get(epc, (None, t))[0]
        if current is not None:
            self._add_item_stay(epc, gtin, current, t)
            del self._item_room[epc]
        if room is not None:
            self._item_room[epc] = _Open(room, t)

    def _add_item_stay(self, epc: str, gtin: str | None, stay: _Open, t: float) -> None:
        if t > stay.since:
            self._records.append(_item_stay(epc, gtin, stay.room, stay.since, t))

    def worn(self, epc: str, room: str | None, worn: bool, t: float) -> None:
        if epc not in self._items:
            return
        current = self._worn.pop(epc, None)
        if current is not None and t > current.since:
            self._records.append(
                {"kind": "worn", "epc": epc, "room": current.room or None, "start": current.since, "end": t}
            )
        if worn:
            self._worn[epc] = _Open(room or "", t)

    def shopper_arrived(self, shopper: str, device_id: str | None, t: float) -> None:
        self._shoppers.setdefault(shopper, (device_id, t))

    def shopper_in(self, shopper: str, room: str | None, t: float) -> None:
        current = self._shopper_room.get(shopper)
        if current is not None and current.room == room:
            return
        device_id = self._shoppers.get(shopper, (None, t))[0]
        if current is not None:
            if t > current.since:
                self._records.append(
                    {
                        "kind": "shopper_stay",
                        "shopper": shopper,
                        "device_id": device_id,
                        "room": current.room,
                        "enter": current.since,
                        "exit": t,
                    }
                )
            del self._shopper_room[shopper]
        if room is not None:
            self._shopper_room[shopper] = _Open(room, t)

    def shopper_left(self, shopper: str, t: float) -> None:
        self.shopper_in(shopper, None, t)
        self._shopper_left[shopper] = t

    def antenna_outage(
        self, reader: str, antenna: int, room: str, start: float, end: float, *, announced: bool
    ) -> None:
        self._records.append(
            {
                "kind": "antenna_outage",
                "reader": reader,
                "antenna": antenna,
                "room": room,
                "start": start,
                "end": end,
                "announced": announced,
            }
        )

    def reader_outage(self, reader: str, start: float, end: float, will_at: float) -> None:
        self._records.append(
            {"kind": "reader_outage", "reader": reader, "start": start, "end": end, "will_at": will_at}
        )

    def node_outage(self, node: str, room: str, start: float, end: float, will_at: float) -> None:
        self._records.append(
            {
                "kind": "node_outage",
                "node": node,
                "room": room,
                "start": start,
                "end": end,
                "will_at": will_at,
            }
        )

    def junk(self, t: float, topic: str, what: str) -> None:
        self._records.append({"kind": "junk", "t": t, "topic": topic, "what": what})

    def records(self, end: float) -> list[dict[str, Any]]:
        """All records, open stays closed at ``end``, header first; does not change the recorder."""
        out = list(self._records)
        for epc, (gtin, start) in self._items.items():
            out.append({"kind": "item", "epc": epc, "gtin": gtin, "start": start, "end": end})
        for epc, stay in self._item_room.items():
            if end > stay.since:
                gtin = self._items.get(epc, (None, end))[0]
                out.append(_item_stay(epc, gtin, stay.room, stay.since, end))
        for epc, w in self._worn.items():
            if end > w.since:
                out.append({"kind": "worn", "epc": epc, "room": w.room or None, "start": w.since, "end": end})
        for shopper, (device_id, arrive) in self._shoppers.items():
            leave = self._shopper_left.get(shopper, end)
            out.append(
                {
                    "kind": "shopper",
                    "shopper": shopper,
                    "device_id": device_id,
                    "arrive": arrive,
                    "leave": leave,
                }
            )
        for shopper, stay in self._shopper_room.items():
            if end > stay.since:
                out.append(
                    {
                        "kind": "shopper_stay",
                        "shopper": shopper,
                        "device_id": self._shoppers.get(shopper, (None, end))[0],
                        "room": stay.room,
                        "enter": stay.since,
                        "exit": end,
                    }
                )
        out = [_rounded(r) for r in out]
        out.sort(key=_sort_key)
        return [{"kind": "trace", "version": 1, **self.header, "end": end}, *out]


def _sort_key(record: dict[str, Any]) -> tuple[int, float, str]:
    kind = str(record["kind"])
    t = record.get("enter", record.get("start", record.get("arrive", record.get("t", 0.0))))
    ident = str(
        record.get(
            "epc", record.get("shopper", record.get("reader", record.get("node", record.get("topic", ""))))
        )
    )
    return (_KIND_ORDER.index(kind), float(t), ident)


def _rounded(record: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in record.items()}


def write_truth(records: Iterable[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")


def read_truth(path: str | Path) -> list[dict[str, Any]]:
    """Read a ``.truth.jsonl`` file back into its records (header first)."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
