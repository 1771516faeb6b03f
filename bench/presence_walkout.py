"""How long presence takes to see garments carried out of a fitting room, in the scripted store of
``tests/test_manager_figures_live.py``, with the garments it picks: shopper a, who carries the store's app (a
phone fr-1 hears), brings two garments (x, y) into fr-1, shopper b one (z) into fr-3; after a while a walks
out with x, leaving y (a go-back), and b walks out with z.

The scripted store's traffic is generated offline (no broker, no real time) and replayed through the
engine as ``fitroom-edge replay`` does; for each seed and wait it prints the seconds from the walk-out to
each garment's last ``item_left`` (None: never placed, or never seen leaving). The scripted store's clock
starts at the wall clock, so where seconds begin differs between runs, and so do the figures, a little,
as they do between runs of the live test. A session machine that ends a room without a phone
``session_abandoned_s`` after its last change must wait longer than this, or a garment carried out is
taken for a go-back.

    .venv/bin/python bench/presence_walkout.py                 # seeds 5-8, waits 20 and 35 s
    .venv/bin/python bench/presence_walkout.py --seeds 1 2 3 --waits 60
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG
from edge.layout import load_layout
from edge.replay import replay_trace
from simulators.script import ScriptedStore, try_on_garments

LAYOUT = Path(__file__).resolve().parent.parent / "deploy" / "layouts" / "demo.toml"
PHONE = 4711  # fr-1's shopper carries the store's app, as in the test
AFTER_S = 400.0  # store time simulated after the walk-out


def walkout(seed: int, wait_s: float, garments: tuple[str, str, str]) -> dict[str, float | None]:
    """Seconds from the walk-out to each garment's last ``item_left`` (x and z carried out, y left);
    ``garments``: the GTINs of x, y and z."""
    store = ScriptedStore(LAYOUT, "mqtt://127.0.0.1:1", seed=seed)  # never started: nothing is published
    lines: list[str] = []

    def run_until(t: float) -> None:
        while store.now < t:
            lines.extend(json.dumps(m.trace_line(), separators=(",", ":")) for m in store.store.step())

    x, y, z = garments
    a = store.walk_in("fr-1", [x, y], shopper=PHONE)
    b = store.walk_in("fr-3", [z])
    run_until(store.now + wait_s)
    store.walk_out(a, leave=a.epcs[1:])
    store.walk_out(b)
    out_at = store.now
    run_until(out_at + AFTER_S)
    events: list[dict[str, Any]] = []
    replay_trace(load_layout(LAYOUT), lines, emit=lambda e: events.append(e.to_json()), drain_s=5.0)
    names = {a.epcs[0]: "x", a.epcs[1]: "y", b.epcs[0]: "z"}
    left: dict[str, float | None] = dict.fromkeys(names.values())
    for e in events:
        name = names.get(e.get("epc", ""))
        if name is not None and e["type"] == "item_left":
            left[name] = round(float(e["t"]) - out_at, 1)
    return left


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[5, 6, 7, 8])
    ap.add_argument("--waits", type=float, nargs="+", default=[20.0, 35.0], help="seconds before walking out")
    args = ap.parse_args(argv)
    print(f"$ {' '.join(['.venv/bin/python', *sys.argv])}")
    logging.disable(logging.CRITICAL)
    x, _, y, z, _ = try_on_garments(load_catalog(DEMO_CATALOG))  # the garments the test picks
    carried: list[float] = []
    never = 0
    for seed in args.seeds:
        for wait in args.waits:
            left = walkout(seed, wait, (x.gtin, y.gtin, z.gtin))
            print(f"seed {seed} wait {wait:g} s: seconds to item_left {left}")
            for name in ("x", "z"):
                value = left[name]
                if value is None:
                    never += 1
                else:
                    carried.append(value)
    carried.sort()
    if carried:
        print(
            f"carried out (x, z): {len(carried)} seen leaving, median {carried[len(carried) // 2]:.1f} s, "
            f"max {carried[-1]:.1f} s, over 90 s {sum(v > 90 for v in carried)}; never placed or seen "
            f"leaving {never}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
