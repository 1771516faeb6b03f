"""A directory ``bench/presence.py --keep DIR`` wrote (traces, their truth and the layouts), read back:
each trace with its layout, and a table of counts per trace with their total."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from edge.layout import Layout, load_layout


def trace_of(truth_path: Path) -> tuple[Path, Layout]:
    """The trace a truth file belongs to, and the layout it was simulated on."""
    trace = truth_path.with_name(truth_path.name.replace(".truth.jsonl", ".jsonl"))
    parts = trace.stem.split("-")  # {split}-r{rooms}-{env}-{seed}-{vendor}[-raw|-dedup]-{c|f}
    return trace, load_layout(trace.with_name(f"layout-{parts[1][1:]}-{parts[4]}.toml"))


def table(
    keep: Path,
    columns: Sequence[str],
    count: Callable[[Path], Counter[str]],
    *,
    legend: str = "",
    width: int = 14,
) -> Counter[str] | None:
    """Print ``columns`` of ``count`` (given a truth file) for every kept trace, then their total, which is
    returned; None, said on stderr, when ``keep`` holds no traces."""
    found = sorted(keep.glob("*.truth.jsonl"))
    if not found:
        print(f"{keep}: no traces (run bench/presence.py --keep {keep} first)", file=sys.stderr)
        return None
    if legend:
        print(legend)
    print(f"{'scenario':<44}" + "".join(f"{c:>{width}}" for c in columns))
    total: Counter[str] = Counter()
    for path in found:
        row = count(path)
        total += row
        print(
            f"{path.name.removesuffix('.truth.jsonl'):<44}" + "".join(f"{row[c]:>{width}}" for c in columns)
        )
    print(f"{'total':<44}" + "".join(f"{total[c]:>{width}}" for c in columns))
    return total
