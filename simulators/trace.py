"""Scenarios run offline as fast as possible: a trace (docs/formats.md §8) and its ground truth beside it.

Trace: JSON Lines, one message per line in receive order, ``{"t", "topic", "payload"}`` where ``t`` is the
receive time (Unix seconds) and ``payload`` the payload exactly as published (a string).

Ground truth: ``<trace stem>.truth.jsonl`` beside the trace (``run.jsonl`` -> ``run.truth.jsonl``; a trace
not ending in ``.jsonl`` gets ``.truth.jsonl`` appended). Its records are described in
``simulators.truth``: a ``trace`` header line, then ``item``, ``item_stay`` {"epc","room","enter","exit"},
``worn``, ``shopper``, ``shopper_stay``, ``antenna_outage``, ``reader_outage`` and ``junk`` records.

The same scenario and seed always give byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from edge.layout import Layout
from simulators.faults import Junk, Outages
from simulators.messages import Message
from simulators.physics import RadioParams
from simulators.readers import ReaderSettings
from simulators.shoppers import Behaviour, populate
from simulators.store import DEFAULT_START, SimConfig, Store, derive_rng
from simulators.truth import write_truth

__all__ = [
    "Scenario",
    "Simulation",
    "TraceSummary",
    "read_trace",
    "truth_path_for",
    "write_trace",
]


@dataclass(frozen=True, slots=True)
class Scenario:
    """What to simulate. ``dedup``: Impinj reader-side de-duplication (1 s reporting interval).

    The fields after ``radio`` describe the store beyond its radio (``simulators.family`` draws them all
    for one environment of the family); their defaults are the simulator's original store.
    """

    seed: int = 0
    duration_s: float = 600.0
    shoppers: int = 8
    dedup: bool = False
    outages: bool = False
    junk: bool = False
    zebra_batching: bool = False
    associates: int = 1
    opt_in_share: float = 0.6
    start: float = DEFAULT_START
    radio: RadioParams = field(default_factory=RadioParams)
    behaviour: Behaviour = field(default_factory=Behaviour)
    shuffle_floor: bool = False  # rooms stand on the corridor in an order drawn from the seed
    rounds_per_s: float = 8.0  # inventory rounds per antenna and second
    antenna_outage_every_s: float = 600.0  # with ``outages``: mean time between an Impinj reader's
    reader_outage_every_s: float = 1500.0  # antenna outages, and between a reader's drop-outs
    environment: str = "default"  # the name of the environment (a family preset, "random", ...)

    def sim_config(self) -> SimConfig:
        base = SimConfig()
        readers = replace(
            ReaderSettings(),
            dedup=self.dedup,
            zebra_batching=self.zebra_batching,
            impinj_rounds_per_s=self.rounds_per_s,
            zebra_rounds_per_s=self.rounds_per_s,
        )
        return replace(
            base,
            seed=self.seed,
            start=self.start,
            readers=readers,
            radio=self.radio,
            shuffle_floor=self.shuffle_floor,
        )


class Simulation:
    """A store populated for a scenario. Iterate ``messages()`` once; then ``truth()`` is complete."""

    def __init__(self, layout: Layout, scenario: Scenario, *, catalog_path: Path | None = None) -> None:
        self.layout = layout
        self.scenario = scenario
        self.store = Store(layout, scenario.sim_config())
        populate(
            self.store,
            shoppers=scenario.shoppers,
            duration_s=scenario.duration_s,
            opt_in_share=scenario.opt_in_share,
            associates=scenario.associates,
            catalog_path=catalog_path,
            behaviour=scenario.behaviour,
        )
        if scenario.outages:
            self.store.actors.append(
                Outages(
                    self.store,
                    derive_rng(scenario.seed, "outages"),
                    antenna_every_s=scenario.antenna_outage_every_s,
                    reader_every_s=scenario.reader_outage_every_s,
                )
            )
        if scenario.junk:
            self.store.actors.append(Junk(self.store, derive_rng(scenario.seed, "junk")))
        self.end = scenario.start + scenario.duration_s

    def messages(self, *, opening: bool = True) -> Iterator[Message]:
        """Every message received during the scenario, in receive order; stops at its end.

        ``opening=False`` leaves out the devices' initial ``online`` status (live clients say it on connect).
        """
        if opening:
            yield from self.store.opening_messages()
        while self.store.now < self.end - 1e-9:
            for msg in self.store.step():
                if msg.t < self.end:
                    yield msg

    def truth(self) -> list[dict[str, Any]]:
        s = self.scenario
        self.store.truth.header = {
            "store": self.layout.store.id,
            "seed": s.seed,
            "start": s.start,
            "rooms": list(self.store.corridor.rooms),
            "covered_rooms": sorted(self.store.truth.covered_rooms),
            "dedup": s.dedup,
            "outages": s.outages,
            "junk": s.junk,
            "zebra_batching": s.zebra_batching,
            "shoppers": s.shoppers,
        }
        if s.environment != "default":
            self.store.truth.header["environment"] = s.environment
        return self.store.truth.records(min(self.store.now, self.end))


@dataclass(frozen=True, slots=True)
class TraceSummary:
    trace: Path
    truth: Path
    messages: int
    items: int
    item_stays: int


def truth_path_for(trace: str | Path) -> Path:
    """Where the ground truth of a trace lives: ``run.jsonl`` -> ``run.truth.jsonl``."""
    p = Path(trace)
    if p.name.endswith(".jsonl"):
        return p.with_name(p.name[: -len(".jsonl")] + ".truth.jsonl")
    return p.with_name(p.name + ".truth.jsonl")


def write_trace(
    layout: Layout, scenario: Scenario, out: str | Path, *, catalog_path: Path | None = None
) -> TraceSummary:
    """Run ``scenario`` offline and write the trace to ``out`` and its truth beside it."""
    out = Path(out)
    sim = Simulation(layout, scenario, catalog_path=catalog_path)
    count = 0
    with out.open("w", encoding="utf-8") as fh:
        for msg in sim.messages():
            fh.write(json.dumps(msg.trace_line(), separators=(",", ":"), ensure_ascii=False) + "\n")
            count += 1
    records = sim.truth()
    truth = truth_path_for(out)
    write_truth(records, truth)
    return TraceSummary(
        trace=out,
        truth=truth,
        messages=count,
        items=sum(1 for r in records if r["kind"] == "item"),
        item_stays=sum(1 for r in records if r["kind"] == "item_stay"),
    )


def read_trace(path: str | Path) -> list[dict[str, Any]]:
    """A trace's lines as dicts (``t``, ``topic``, ``payload``)."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
