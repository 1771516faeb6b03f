"""The scenarios ``bench/presence.py`` runs: a ``tune`` split and a ``holdout`` split, and their layouts.

Every scenario is a store drawn from the simulator's family of radio environments
(``simulators.family``): a preset or ``random``, with a seed. The two splits never share a seed, and the
holdout split has a preset the tune split never uses (``HOLDOUT_ONLY_PRESET``), so a presence model tuned
on ``tune`` is judged on stores it has not seen. Readers vary too: Impinj raw or de-duplicated, Zebra
INVENTORY aggregates, or a mix of both vendors; and faults (antenna and reader outages, junk) or none.

Seeds: tune 1..999, holdout 1001..1999 (``seed_range``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "HOLDOUT",
    "HOLDOUT_ONLY_PRESET",
    "READERS",
    "TUNE",
    "TUNE_PRESETS",
    "Case",
    "layout_path",
    "layout_toml",
    "seed_range",
    "trace_path",
]

# Readers: which vendors' readers the store has, and how they report.
#   impinj-raw    Impinj IoT, every read a message
#   impinj-dedup  Impinj IoT, one report per tag and antenna per second
#   zebra         Zebra IoTC INVENTORY, one aggregate per tag, antenna and second with ``reads``
#   mixed-raw / mixed-dedup   Impinj readers for most rooms, a Zebra for the last two
READERS = ("impinj-raw", "impinj-dedup", "zebra", "mixed-raw", "mixed-dedup")

TUNE_PRESETS = ("shielded", "open_plan", "busy", "random")
HOLDOUT_ONLY_PRESET = "reflective"


def seed_range(split: str) -> range:
    """The seeds a split may use; the two never overlap."""
    if split == "tune":
        return range(1, 1000)
    if split == "holdout":
        return range(1001, 2000)
    raise ValueError(f"unknown split {split!r}")


@dataclass(frozen=True)
class Case:
    """One scenario: a split, a store of ``rooms`` fitting rooms, its environment and readers."""

    split: str
    rooms: int
    seed: int
    env: str  # a preset of simulators.family, or "random"
    readers: str  # one of READERS
    faults: bool
    duration_s: float = 1200.0
    busy: float = 1.0

    @property
    def dedup(self) -> bool:
        return self.readers.endswith("-dedup")

    @property
    def vendors(self) -> str:
        return self.readers.split("-")[0]

    @property
    def name(self) -> str:
        faults = "faults" if self.faults else "clean"
        return f"{self.rooms}r {self.env[:10]}/{self.seed} {self.readers} {faults}"

    @property
    def stem(self) -> str:
        faults = "f" if self.faults else "c"
        return f"{self.split}-r{self.rooms}-{self.env}-{self.seed}-{self.readers}-{faults}"

    def with_duration(self, duration_s: float, busy: float) -> Case:
        return Case(self.split, self.rooms, self.seed, self.env, self.readers, self.faults, duration_s, busy)


def _cases(split: str, rows: list[tuple[int, str, str, bool]]) -> list[Case]:
    seeds = seed_range(split)
    return [
        Case(split, rooms, seeds[i], env, readers, faults)
        for i, (rooms, env, readers, faults) in enumerate(rows)
    ]


# (rooms, environment, readers, faults). Every reader kind, both sizes and faults on and off appear in
# both splits; the holdout adds 8 and 12 rooms and the preset the tune split never sees.
TUNE = _cases(
    "tune",
    [
        (6, "shielded", "impinj-raw", False),
        (6, "open_plan", "zebra", True),
        (6, "busy", "impinj-dedup", True),
        (6, "random", "mixed-raw", False),
        (10, "open_plan", "impinj-raw", True),
        (10, "shielded", "impinj-dedup", False),
        (10, "busy", "zebra", False),
        (10, "random", "mixed-dedup", True),
        (10, "random", "impinj-raw", False),
        (6, "random", "zebra", True),
    ],
)

# The first two are the ablation's (``--ablation-scenarios``): small, and one of them unseen while tuning.
HOLDOUT = _cases(
    "holdout",
    [
        (6, "reflective", "impinj-dedup", True),
        (8, "random", "zebra", True),
        (10, "reflective", "impinj-raw", False),
        (6, "open_plan", "zebra", False),
        (10, "random", "impinj-raw", True),
        (12, "reflective", "mixed-raw", False),
        (6, "random", "impinj-dedup", True),
        (10, "busy", "mixed-dedup", False),
        (8, "shielded", "impinj-raw", True),
        (10, "reflective", "zebra", False),
        (6, "busy", "impinj-raw", True),
        (10, "random", "zebra", True),
    ],
)


def layout_toml(rooms: int, readers: str = "mixed-raw", floor: list[str] | None = None) -> str:
    """A store with ``rooms`` fitting rooms: 4-port readers of the vendors ``readers`` names (a mixed
    store has Impinj readers and a 2-port Zebra for the last two rooms), a BLE node per room. ``floor``:
    the rooms in the order they stand along the corridor, written as each room's ``neighbours`` hint."""
    vendors = readers.split("-")[0]
    if vendors not in ("impinj", "zebra", "mixed"):
        raise ValueError(f"unknown readers {readers!r}")
    parts = ['[store]\nid = "store-bench"\nname = "Bench"\n']
    parts.append('[[rooms]]\nid = "entrance"\nname = "Entrance"\nkind = "entrance"\n')
    parts.append('[[rooms]]\nid = "floor"\nname = "Sales floor"\nkind = "sales_floor"\n')
    for i in range(1, rooms + 1):
        parts.append(f'[[rooms]]\nid = "fr-{i}"\nname = "Fitting room {i}"\nkind = "fitting_room"\n')
        if floor is not None and (k := floor.index(f"fr-{i}")) + 1 < len(floor):
            parts[-1] += f'neighbours = ["{floor[k + 1]}"]\n'  # the next one along (either side may say it)
    zebra_rooms = {"impinj": 0, "zebra": rooms, "mixed": 2}[vendors]
    impinj_rooms = rooms - zebra_rooms
    for r in range(math.ceil(impinj_rooms / 4)):
        ports = range(r * 4 + 1, min(r * 4 + 4, impinj_rooms) + 1)
        rid = f"impinj-{chr(ord('a') + r)}"
        parts.append(
            f'[[readers]]\nid = "{rid}"\nformat = "impinj_iot"\ntopic = "stores/store-bench/rfid/{rid}"'
        )
        parts.append("[readers.antennas]\n" + "".join(f'"{p - r * 4}" = "fr-{p}"\n' for p in ports))
    for r in range(math.ceil(zebra_rooms / 4)):
        first = impinj_rooms + r * 4
        ports = range(first + 1, min(first + 4, rooms) + 1)
        rid = f"zebra-{chr(ord('z') - r)}"
        parts.append(
            f'[[readers]]\nid = "{rid}"\nformat = "zebra_iotc"\ntopic = "stores/store-bench/rfid/{rid}"'
        )
        parts.append("[readers.antennas]\n" + "".join(f'"{p - first}" = "fr-{p}"\n' for p in ports))
    for i in range(1, rooms + 1):
        parts.append(f'[[ble_nodes]]\nid = "fr-{i}"\nformat = "espresense"\nroom = "fr-{i}"\n')
    parts.append('[[ble_nodes]]\nid = "omg-entrance"\nformat = "openmqttgateway"\nroom = "entrance"\n')
    return "\n".join(parts)


def layout_path(work: Path, case: Case) -> Path:
    """Where a bench run keeps the layout of a case's store (one per size and vendors)."""
    return work / f"layout-{case.rooms}-{case.vendors}.toml"


def trace_path(work: Path, case: Case) -> Path:
    """Where a bench run keeps a case's trace (its truth beside it)."""
    return work / f"{case.stem}.jsonl"
