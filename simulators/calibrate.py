"""``python -m simulators.calibrate``: measure the simulated radio the way the edge sees it.

Sets up controlled situations in a pure ``Store`` (garments hanging in one room, worn, carried along the
corridor, a phone standing still), decodes everything published with the edge's own decoders and prints
the figures that matter for presence, as JSON: read rates per tag, cross-read share (of the air reads
and of the reports: de-duplication hides own-room read counts, not the rare cross-reads) and RSSI gap,
worn-to-hanging read ratio, reports per tag and antenna per second with and without de-duplication,
how long a room reads a garment carried past it, and the BLE report interval of a still phone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from edge.decoders import DecodeError, TopicRouter
from edge.layout import Layout, load_layout
from edge.reads import BleSighting, Observation, TagRead
from simulators.messages import Message
from simulators.physics import Place
from simulators.readers import ReaderSettings
from simulators.store import SimConfig, Store

__all__ = ["main", "measure"]

_GTIN = "80614141123458"


def _run(store: Store, seconds: float) -> list[Message]:
    end = store.now + seconds
    out: list[Message] = []
    while store.now < end - 1e-9:
        out.extend(store.step())
    return out


def _decode(router: TopicRouter, messages: list[Message]) -> list[tuple[float, Observation]]:
    out: list[tuple[float, Observation]] = []
    for m in messages:
        try:
            out.extend((m.t, o) for o in router.route(m.topic).decode(m.payload.encode()).observations)
        except DecodeError:
            continue
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _calibration_room(layout: Layout) -> str:
    """A fitting room with neighbours on both sides, on an Impinj reader where there is one."""
    rooms = [r.id for r in layout.fitting_rooms]
    if len(rooms) < 3:
        raise ValueError("calibration needs at least three fitting rooms along the corridor")
    inner = rooms[1:-1]
    impinj = {room for r in layout.readers if r.format == "impinj_iot" for room in r.antenna_rooms().values()}
    return next((r for r in inner if r in impinj), inner[len(inner) // 2])


def _radio_figures(
    layout: Layout, router: TopicRouter, room: str, *, seed: int, garments: int, seconds: float, dedup: bool
) -> dict[str, Any]:
    readers = replace(ReaderSettings(), dedup=dedup)
    store = Store(layout, replace(SimConfig(), seed=seed, readers=readers))
    hanging = {store.new_garment(_GTIN) for _ in range(garments)}
    worn = {store.new_garment(_GTIN) for _ in range(garments)}
    store.put(sorted(hanging | worn), Place.in_room(room))
    for epc in sorted(worn):
        store.wear(epc, True)
    obs = [(t, o) for t, o in _decode(router, _run(store, seconds)) if isinstance(o, TagRead)]
    own = [o for _, o in obs if o.room_id == room and o.epc in hanging]
    cross = [o for _, o in obs if o.room_id != room and o.epc in hanging]
    reads_per_tag = Counter[str]()
    reports_per_tag = Counter[str]()
    for o in own:
        reads_per_tag[o.epc] += o.reads
        reports_per_tag[o.epc] += 1
    own_reads = sum(o.reads for o in own)
    cross_reads = sum(o.reads for o in cross)
    per_second = Counter((o.epc, o.reader_id, o.antenna, int(t)) for t, o in obs)
    return {
        "own_reads_per_tag_s_p10_p50_p90": [
            round(_pct([reads_per_tag[e] / seconds for e in hanging], q), 2) for q in (0.1, 0.5, 0.9)
        ],
        "own_reports_per_tag_s_mean": round(sum(reports_per_tag.values()) / len(hanging) / seconds, 2),
        "max_reports_per_tag_antenna_second": max(per_second.values(), default=0),
        "cross_share_of_air_reads": round(cross_reads / max(1, own_reads + cross_reads), 3),
        "cross_share_of_reports": round(len(cross) / max(1, len(own) + len(cross)), 3),
        "rssi_own_mean_dbm": round(statistics.mean(o.rssi_dbm or 0.0 for o in own), 1) if own else None,
        "rssi_cross_mean_dbm": round(statistics.mean(o.rssi_dbm or 0.0 for o in cross), 1) if cross else None,
        "worn_to_hanging_reads": round(sum(o.reads for _, o in obs if o.epc in worn) / max(1, own_reads), 4),
    }


def measure(layout: Layout, *, seed: int = 1, garments: int = 40, seconds: float = 120.0) -> dict[str, Any]:
    """The figures described in the module docstring."""
    router = TopicRouter(layout)
    rooms = [r.id for r in layout.fitting_rooms]
    room = _calibration_room(layout)
    out: dict[str, Any] = {"room": room, "seed": seed, "garments": garments, "seconds": seconds}
    for dedup in (False, True):
        out["dedup" if dedup else "raw"] = _radio_figures(
            layout, router, room, seed=seed, garments=garments, seconds=seconds, dedup=dedup
        )
    # A garment carried from the corridor's mouth to the far end: how long each passed room reads it.
    store = Store(layout, replace(SimConfig(), seed=seed))
    carried = [store.new_garment(_GTIN) for _ in range(garments)]
    store.add_person("walker", Place.away())
    store.pick_up("walker", carried)
    arrive = store.walk_to("walker", Place.in_room(rooms[-1]))
    seen: dict[str, list[float]] = defaultdict(list)
    for t, o in _decode(router, _run(store, arrive - store.now)):
        if isinstance(o, TagRead):
            seen[o.room_id].append(t)
    out["corridor_read_span_s"] = {r: round(max(ts) - min(ts), 2) for r, ts in seen.items() if r != rooms[-1]}
    # A phone standing still in the room: the interval between its own node's reports.
    store = Store(layout, replace(SimConfig(), seed=seed))
    store.add_person("still", Place.in_room(room), phone_minor=1)
    sightings = [(t, o) for t, o in _decode(router, _run(store, seconds)) if isinstance(o, BleSighting)]
    own_times = [t for t, o in sightings if o.room_id == room][2:]
    gaps = [b - a for a, b in itertools.pairwise(own_times)]
    out["ble_still_interval_s"] = round(statistics.mean(gaps), 2) if gaps else None
    out["ble_nodes_hearing_still_phone"] = sorted({o.node_id for _, o in sightings})
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simulators.calibrate", description=__doc__.split("\n")[0])
    bench6 = Path(__file__).resolve().parent.parent / "deploy" / "layouts" / "bench6.toml"
    p.add_argument("--layout", type=Path, default=bench6, help="store layout TOML (default: bench6)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--garments", type=int, default=40)
    p.add_argument("--seconds", type=float, default=120.0)
    args = p.parse_args(argv)
    result = measure(load_layout(args.layout), seed=args.seed, garments=args.garments, seconds=args.seconds)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
