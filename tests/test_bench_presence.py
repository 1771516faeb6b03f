"""The presence bench's own parts: the EdgeX baseline, the physical floors and the ablation's variants."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from edge.presence.params import PresenceParams
from edge.reads import TagRead

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from presence_ablation import variants
from presence_baselines import EdgexMobility
from presence_scoring import floors

EPC = "3034257BF400B7800004CB2F"


def _read(room: str, rssi: float, reads: int = 1) -> TagRead:
    return TagRead("r", 1, room, EPC, "05061234100015", 1, rssi, reads)


def _moves(rule: EdgexMobility, t: float, room: str, rssi: float, reads: int = 1) -> list[tuple[str, str]]:
    return [(str(e.type), e.room) for e in rule.observe(_read(room, rssi, reads), t)]


def test_edgex_arrives_on_the_first_read_and_moves_only_on_two_reads_and_a_6_db_better_mean() -> None:
    rule = EdgexMobility()
    assert _moves(rule, 0.0, "fr-1", -60) == [("item_entered", "fr-1")]
    assert _moves(rule, 0.1, "fr-2", -50) == []  # one read is not enough, however strong
    assert _moves(rule, 0.2, "fr-2", -55) == [("item_left", "fr-1"), ("item_entered", "fr-2")]
    rule = EdgexMobility()
    _moves(rule, 0.0, "fr-1", -60)
    _moves(rule, 0.1, "fr-2", -56)
    assert _moves(rule, 0.2, "fr-2", -56) == []  # 4 dB: not past 6 dB
    # -48 brings the mean to -53.3, past -60 + 6
    assert _moves(rule, 0.3, "fr-2", -48) == [("item_left", "fr-1"), ("item_entered", "fr-2")]


def test_edgex_offset_falls_after_the_holdoff_so_a_silent_room_loses_to_a_weaker_margin() -> None:
    rule = EdgexMobility()
    assert rule.offset(0) == 6.0 and rule.offset(500) == 6.0
    assert rule.offset(1500) == pytest.approx(6.0 - 0.008 * 1000)
    _moves(rule, 0.0, "fr-1", -60)
    _moves(rule, 0.5, "fr-2", -58)
    assert _moves(rule, 0.6, "fr-2", -58) == []  # fr-1 read it 0.6 s ago: 2 dB is not 6 - 0.8
    assert _moves(rule, 2.0, "fr-2", -58) == [("item_left", "fr-1"), ("item_entered", "fr-2")]


def test_edgex_departs_after_600_s_unread_and_counts_aggregated_reads() -> None:
    rule = EdgexMobility()
    _moves(rule, 0.0, "fr-1", -60)
    assert _moves(rule, 1.0, "fr-2", -40, reads=3) == [("item_left", "fr-1"), ("item_entered", "fr-2")]
    assert rule.tick(500.0) == []
    assert [(str(e.type), e.room) for e in rule.tick(601.5)] == [("item_left", "fr-2")]


def _truth(enter: float, exit_: float, end: float) -> list[dict[str, object]]:
    return [
        {"kind": "trace", "end": end},
        {"kind": "item", "epc": EPC, "gtin": "x", "start": 0.0, "end": end},
        {"kind": "item_stay", "epc": EPC, "gtin": "x", "room": "fr-1", "enter": enter, "exit": exit_},
    ]


def test_the_entry_floor_is_the_rooms_second_read_and_the_exit_floor_its_last_at_the_door() -> None:
    reads = {
        EPC: [
            (9.0, "fr-2", 1),
            (10.5, "fr-1", 1),
            (11.0, "fr-2", 1),
            (13.0, "fr-1", 1),
            (200.2, "fr-1", 1),
            (201.0, "fr-2", 1),
            (215.0, "fr-1", 1),
        ]
    }
    f = floors(_truth(10.0, 200.0, 400.0), reads)
    assert f.entry == [3.0]
    assert f.exit == [pytest.approx(0.2)]
    aggregated = {EPC: [(11.0, "fr-1", 2)]}  # one Zebra event standing for two reads
    assert floors(_truth(10.0, 200.0, 400.0), aggregated).entry == [1.0]
    assert floors(_truth(10.0, 200.0, 400.0), {EPC: [(11.0, "fr-1", 1)]}).entry == [float("inf")]


def test_the_ablation_varies_every_numeric_parameter_by_half_and_half_again() -> None:
    defaults = PresenceParams()
    numeric = {
        name
        for name in type(defaults).model_fields
        if isinstance(getattr(defaults, name), int | float) and not isinstance(getattr(defaults, name), bool)
    }
    seen = list(variants())
    assert {v.field for v in seen} == numeric
    for v in seen:
        assert v.factor in (0.5, 1.5)
        default = getattr(defaults, v.field or "")
        expected = round(default * v.factor) if isinstance(default, int) else default * v.factor
        assert v.value == pytest.approx(expected)
        if v.error is None:
            PresenceParams(**{v.field or "": v.value})


def test_the_research_model_places_every_garment_in_one_room_at_a_time_and_the_same_way_twice(
    tmp_path: Path,
) -> None:
    """The presence v2 research model (bench/presence_model) on a simulated store with outages and junk:
    sound events, and the same events from the same trace."""
    from presence_baselines import replay_many
    from presence_model.engine import ModelEngine
    from presence_scenarios import layout_toml

    from edge.layout import load_layout
    from simulators.family import draw
    from simulators.trace import read_trace, write_trace

    layout_file = tmp_path / "layout.toml"
    layout_file.write_text(layout_toml(6, "mixed-raw"), encoding="utf-8")
    layout = load_layout(layout_file)
    scenario = draw("open_plan", 5).scenario(seed=5, duration_s=400, shoppers=6, outages=True, junk=True)
    trace = tmp_path / "trace.jsonl"
    write_trace(layout, scenario, trace)
    lines = read_trace(trace)
    first, again = replay_many(layout, [ModelEngine(layout), ModelEngine(layout)], lines)
    assert first == again
    items = [e for e in first if e["type"] in ("item_entered", "item_left")]
    assert any(e["type"] == "item_entered" for e in items)
    where: dict[object, object] = {}
    for e in items:
        if e["type"] == "item_entered":
            assert e["epc"] not in where, e  # never in two rooms at once
            where[e["epc"]] = e["room"]
        else:
            assert where.pop(e["epc"]) == e["room"], e  # every leave follows an entry into that room


def test_the_research_models_ablation_varies_each_of_its_parameters_within_what_it_allows() -> None:
    from presence_model.params import ModelParams
    from presence_model_ablation import variants

    seen = variants()
    assert seen[0] == (None, 1.0, None)
    fields = {v[0] for v in seen[1:]}
    defaults = ModelParams()
    for name in type(defaults).model_fields:
        allowed = []
        for factor in (0.5, 1.5):
            try:
                ModelParams(**{name: getattr(defaults, name) * factor})
                allowed.append(factor)
            except ValueError:
                pass
        assert (name in fields) == bool(allowed), name
        assert sorted(f for n, f, _ in seen[1:] if n == name) == allowed
