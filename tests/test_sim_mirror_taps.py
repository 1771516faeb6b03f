"""The demo's simulated mirror taps (pure parts): which size a shopper asks for, and when taps happen."""

from __future__ import annotations

import random
from typing import Any

from simulators.mirror_taps import TapPlanner, pick_other_size, size_rank


def variant(
    gtin: str, size: str, colour: str = "Navy", availability: str = "here", in_room: bool = False
) -> Any:
    return {"gtin": gtin, "size": size, "colour": colour, "availability": availability, "in_room": in_room}


def item(size: str, variants: list[Any], colour: str = "Navy") -> dict[str, Any]:
    return {"epc": "E1", "known": True, "size": size, "colour": colour, "variants": variants}


def test_sizes_sort_as_a_run() -> None:
    for run in (["S", "M", "XL"], ["38", "40"], ["W30 L30", "W30 L32", "W32 L30"]):
        ranks = [size_rank(size) for size in run]
        assert None not in ranks
        assert ranks == sorted(ranks, key=float)
    assert size_rank("One size") is None


def test_the_shopper_asks_for_the_nearest_size_in_the_same_colour_that_is_here() -> None:
    tried = item(
        "M",
        [
            variant("XS", "XS"),
            variant("L", "L"),
            variant("L-red", "L", colour="Red"),
            variant("XL", "XL"),
        ],
    )
    assert pick_other_size([tried], random.Random(1)) == ("L", "E1")


def test_sizes_online_only_or_already_in_the_room_are_never_asked_for() -> None:
    tried = item("M", [variant("S", "S", in_room=True), variant("L", "L", availability="online")])
    assert pick_other_size([tried], random.Random(1)) is None


def test_each_planned_tap_happens_once_per_session_and_a_new_session_draws_again() -> None:
    planner = TapPlanner(random.Random(4), speed=1.0)
    view = {"session": {"id": "s1"}, "items": [item("M", [])]}
    assert planner.due("fr-1", view, now=0.0) == []
    first = planner.due("fr-1", view, now=1000.0)
    assert planner.due("fr-1", view, now=2000.0) == []
    assert len(first) == len(set(first))
    planner.due("fr-1", {"session": {"id": "s2"}, "items": [item("M", [])]}, now=3000.0)
    assert planner.due("fr-1", {"session": None, "items": []}, now=9000.0) == []
