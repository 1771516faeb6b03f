"""Reader configurations: every read, reader-side de-duplication, Zebra INVENTORY aggregates."""

from __future__ import annotations

import random

import pytest

from edge.presence import PresenceEngine
from edge.reads import Observation, TagRead
from tests.presence_support import GTIN, Mode, epc, layout, run, stays, tag_reads

# The adaptive window alone: no hold for a garment that goes quiet with nothing saying why (a
# try-on), which would otherwise decide when these silent tags leave.
_WINDOW_ONLY = layout({"unexplained_hold_s": 0})


def _visit(mode: Mode, seed: int) -> list[tuple[float, Observation]]:
    """Two garments in fr-2 with cross-reads next door, then carried to fr-5 (the Zebra's room)."""
    rng = random.Random(seed)
    obs: list[tuple[float, Observation]] = []
    for tag in (epc(1), epc(2)):
        obs += tag_reads(tag, "fr-2", 10, 300, p=0.4, rssi=-54, rng=rng, mode=mode)
        obs += tag_reads(tag, "fr-3", 10, 300, p=0.1, rssi=-67, rng=rng, mode=mode)
        obs += tag_reads(tag, "fr-5", 306, 700, p=0.4, rssi=-54, rng=rng, mode=mode)
        obs += tag_reads(tag, "fr-6", 306, 700, p=0.1, rssi=-67, rng=rng, mode=mode)
    return obs


@pytest.mark.parametrize("mode", ["raw", "dedup", "zebra"])
def test_every_reporting_style_gives_the_same_stays(mode: Mode) -> None:
    events = run(PresenceEngine(_WINDOW_ONLY), _visit(mode, seed=21), 800)
    for tag in (epc(1), epc(2)):
        got = stays(events, tag)
        assert [s.room for s in got] == ["fr-2", "fr-5"]
        assert got[0].start - 10 <= 5
        assert got[1].start - 306 <= 5
        assert got[1].end is not None and 700 < got[1].end <= 730


def test_de_duplicated_reports_are_not_mistaken_for_a_rarely_read_tag() -> None:
    # One report a second from a reader that de-duplicates is a tag seen every second: it leaves as
    # promptly as the same tag reported on every read.
    ends = {}
    modes: tuple[Mode, ...] = ("raw", "dedup")
    for mode in modes:
        rng = random.Random(22)
        obs = tag_reads(epc(1), "fr-2", 10, 300, p=0.6, rssi=-54, rng=rng, mode=mode)
        (stay,) = stays(run(PresenceEngine(_WINDOW_ONLY), obs, 400), epc(1))
        assert stay.end is not None
        ends[mode] = stay.end - 300
    assert ends["dedup"] <= 6
    assert abs(ends["dedup"] - ends["raw"]) <= 2


def test_a_zebra_read_count_does_not_outweigh_a_stronger_room() -> None:
    # fr-4 (Impinj, one report per second) reads the garment strongly; fr-5's Zebra aggregates many weak
    # reads a second. RSSI decides, not how many reads one vendor packs into one report.
    tag = epc(1)
    obs: list[tuple[float, Observation]] = []
    for k in range(600):
        t = 10.0 + k
        obs.append((t, TagRead("impinj-a", 4, "fr-4", tag, GTIN, 1, -55.0, 1)))
        obs.append((t + 0.5, TagRead("zebra-b", 1, "fr-5", tag, GTIN, 1, -66.0, 12)))
    events = run(PresenceEngine(layout()), obs, 700)
    assert [s.room for s in stays(events, tag)] == ["fr-4"]
