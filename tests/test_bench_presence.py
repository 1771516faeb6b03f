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
from presence_exits import Exit, doubted, exits, slow_reasons
from presence_flicker import counts, gaps
from presence_scoring import Stay, floors, mistakes
from presence_shoppers import judge

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
        if v.complement:  # a risk level near 1: its complement is what is halved and grown by half
            assert v.error is None and 0 < default < 1
            assert 1 - v.value == pytest.approx((1 - default) * v.factor)
        else:
            expected = round(default * v.factor) if isinstance(default, int) else default * v.factor
            assert v.value == pytest.approx(expected)
        if v.error is None:
            PresenceParams(**{v.field or "": v.value})
    # The decision threshold cannot be halved (a probability above 0.5): its risk is varied instead.
    risk = 1 - defaults.decide_at
    decide = sorted(v.value or 0 for v in seen if v.field == "decide_at")
    assert decide == pytest.approx([1 - 1.5 * risk, 1 - 0.5 * risk])


def test_a_seed_offset_draws_fresh_seeds_within_the_split_and_refuses_to_leave_it() -> None:
    from presence import parser, select_cases

    fresh = select_cases(parser().parse_args(["--seed-offset", "100"]))
    assert [c.seed for c in fresh] == list(range(1101, 1113))
    assert {(c.split, c.env, c.rooms) for c in fresh} == {
        (c.split, c.env, c.rooms) for c in select_cases(parser().parse_args([]))
    }
    with pytest.raises(SystemExit, match="outside the holdout split's seeds"):
        select_cases(parser().parse_args(["--seed-offset", "-1000"]))  # the tune split's seeds


def test_a_hinted_bench_layout_names_each_rooms_neighbours_along_the_corridor() -> None:
    import tomllib

    from presence_scenarios import layout_toml

    from edge.layout import parse_layout

    layout = parse_layout(tomllib.loads(layout_toml(4, "impinj-raw", ["fr-3", "fr-1", "fr-4", "fr-2"])))
    named = {(r.id, n) for r in layout.rooms for n in r.neighbours}
    assert named == {("fr-3", "fr-1"), ("fr-1", "fr-4"), ("fr-4", "fr-2")}
    assert all(not r.neighbours for r in parse_layout(tomllib.loads(layout_toml(4, "impinj-raw"))).rooms)


def test_slow_exits_are_counted_by_partner_wear_and_a_reader_gone_quiet() -> None:
    def stay(epc: str, room: str, enter: float, exit: float) -> dict[str, object]:
        return {"kind": "item_stay", "epc": epc, "room": room, "enter": enter, "exit": exit}

    truth = [
        {"kind": "trace", "start": 0.0, "end": 1000.0},
        stay("A", "fr-1", 10.0, 100.0),  # left with B; seen at once
        stay("B", "fr-1", 10.0, 101.0),  # worn, then left with A; seen late
        {"kind": "worn", "epc": "B", "room": "fr-1", "start": 20.0, "end": 60.0},
        stay("C", "fr-2", 10.0, 300.0),  # alone, never seen to leave, its reader quiet after
        stay("D", "fr-2", 500.0, 998.0),  # left in the trace's last seconds: not judged
        stay("C", "fr-2", 400.0, 998.0),  # C back in fr-2: the leave at 999 is this stay's
    ]
    events = [
        {"t": 105.0, "type": "item_left", "room": "fr-1", "epc": "A"},
        {"t": 160.0, "type": "item_left", "room": "fr-1", "epc": "B"},
        {"t": 161.0, "type": "item_left", "room": "fr-3", "epc": "C"},  # another room: not its exit
        {"t": 999.0, "type": "item_left", "room": "fr-2", "epc": "C"},
    ]
    reports = {"r1": [float(t) for t in range(0, 1000, 2)], "r2": [250.0, 299.0, 330.0]}
    found = exits(truth, events, reports, {"fr-1": "r1", "fr-2": "r2"})
    assert [(x.epc, x.latency, x.worn, x.reader_quiet) for x in found] == [
        ("A", 5.0, False, False),
        ("B", 59.0, True, False),
        ("C", None, False, True),
    ]
    counts = slow_reasons(found, 30.0)
    assert counts == {"exits": 3, "slow": 2, "together": 1, "partner fast": 1, "worn": 1, "reader quiet": 1}


def test_doubt_is_timed_from_the_true_exit_to_the_rooms_posterior_falling_and_never_past_item_left() -> None:
    found = [
        Exit("A", "fr-1", 100.0, 20.0, worn=False, reader_quiet=False),
        Exit("B", "fr-1", 100.0, 9.0, worn=False, reader_quiet=False),
        Exit("C", "fr-2", 100.0, None, worn=False, reader_quiet=False),  # never seen to leave: not timed
    ]
    sure = {
        # A: 0.3 before it left does not count; under 0.5 at 104, under 0.1 only at 112
        ("A", "fr-1"): [(90.0, 0.3), (100.0, 0.99), (102.0, 0.6), (104.0, 0.4), (112.0, 0.05)],
        ("B", "fr-1"): [(101.0, 0.7)],  # never doubted before its item_left: its latency
        ("C", "fr-2"): [(101.0, 0.01)],
    }
    assert doubted(found, sure) == {0.5: [4.0, 9.0], 0.1: [12.0, 9.0]}


def test_flicker_gaps_are_told_apart_by_what_the_garment_was_doing_in_its_room() -> None:
    def stay(epc: str, room: str, enter: float, exit: float) -> dict[str, object]:
        return {"kind": "item_stay", "epc": epc, "room": room, "enter": enter, "exit": exit}

    def ev(t: float, kind: str, room: str, epc: str) -> dict[str, object]:
        return {"t": t, "type": kind, "room": room, "epc": epc}

    truth = [
        {"kind": "trace", "start": 0.0, "end": 1000.0},
        stay("A", "fr-1", 10.0, 500.0),
        {"kind": "worn", "epc": "A", "room": "fr-1", "start": 100.0, "end": 190.0},
        stay("B", "fr-2", 10.0, 500.0),
        stay("C", "fr-3", 10.0, 500.0),
    ]
    events = [
        ev(15.0, "item_entered", "fr-1", "A"),
        ev(160.0, "item_left", "fr-1", "A"),  # 60 s into the try-on
        ev(170.0, "item_entered", "fr-4", "A"),  # taken for one hung next door meanwhile
        ev(190.0, "item_left", "fr-4", "A"),
        ev(195.0, "item_entered", "fr-1", "A"),
        ev(15.0, "item_entered", "fr-2", "B"),
        ev(200.0, "item_left", "fr-2", "B"),  # its room's antenna down
        ev(230.0, "item_entered", "fr-2", "B"),
        ev(15.0, "item_entered", "fr-3", "C"),
        ev(300.0, "item_left", "fr-3", "C"),  # hung, lost
        ev(304.0, "item_entered", "fr-3", "C"),
    ]
    blind = {"fr-2": [Stay("fr-2", 190.0, 220.0)]}
    found = sorted(gaps(truth, sorted(events, key=lambda e: float(str(e["t"]))), blind), key=lambda g: g.epc)
    assert [(g.epc, g.kind, g.elsewhere, g.into_wear, g.end - g.start) for g in found] == [
        ("A", "worn", True, 60.0, 35.0),
        ("B", "blind", False, None, 30.0),
        ("C", "hung", False, None, 4.0),
    ]
    assert counts(found) == {"gaps": 3, "worn": 1, "blind": 1, "hung": 1, "elsewhere": 1}


def test_phone_placements_are_judged_against_where_their_shoppers_truly_were() -> None:
    def visit(device: str, room: str, enter: float, exit: float) -> dict[str, object]:
        return {
            "kind": "shopper_stay",
            "shopper": device,
            "device_id": device,
            "room": room,
            "enter": enter,
            "exit": exit,
        }

    def ev(t: float, kind: str, room: str, device: str) -> dict[str, object]:
        return {"t": t, "type": kind, "room": room, "device": device}

    truth = [
        visit("p", "fr-1", 100.0, 400.0),  # stays: counted 40 s after walking in
        visit("q", "fr-2", 100.0, 130.0),  # too short a visit to judge
        visit("q", "floor", 130.0, 200.0),  # not a room with a node
    ]
    events = [
        ev(103.0, "shopper_entered", "fr-1", "p"),
        ev(140.0, "shopper_stayed", "fr-1", "p"),
        ev(120.0, "shopper_entered", "fr-3", "q"),  # q carried past fr-3's door
        ev(135.0, "shopper_left", "fr-3", "q"),
        ev(410.0, "shopper_left", "fr-1", "p"),
        ev(90.0, "shopper_entered", "entrance", "p"),  # not a fitting room: not judged
    ]
    counts = judge(truth, sorted(events, key=lambda e: float(e["t"])), {"fr-1", "fr-2", "fr-3"}, 60.0)
    assert counts == {
        "placed": 2,
        "in room": 1,
        "passing": 1,
        "stayed, in room": 1,
        "visits": 1,
        "visits counted": 1,
        "lat:40.0": 1,
        # The session machine: counting q at once opens a session for it in fr-3 as it walks by.
        "sessions (at once)": 2,
        "without a garment (at once)": 2,
        "passer-by joins (at once)": 1,
        "opened by a passer-by (at once)": 1,
        "sessions": 1,
        "without a garment": 1,
    }


def test_misjudged_samples_are_told_apart_by_what_the_engine_got_wrong() -> None:
    def stay(epc: str, room: str, enter: float, exit: float) -> dict[str, object]:
        return {"kind": "item_stay", "epc": epc, "room": room, "enter": enter, "exit": exit}

    def item(epc: str) -> dict[str, object]:
        return {"kind": "item", "epc": epc, "start": 0.0, "end": 200.0}

    def event(t: float, kind: str, room: str, epc: str) -> dict[str, object]:
        return {"t": t, "type": f"item_{kind}", "room": room, "epc": epc}

    truth = [{"kind": "trace", "start": 0.0, "end": 200.0}, item("A"), item("B"), item("C")]
    truth += [stay("A", "fr-1", 50.0, 100.0), stay("B", "fr-1", 50.0, 150.0), stay("C", "fr-2", 50.0, 100.0)]
    events = [
        event(40.0, "entered", "fr-1", "A"),  # 40-50 s placed before it came in
        event(110.0, "left", "fr-1", "A"),  # 105-110 s placed after it left (100-105 s is grace)
        event(60.0, "entered", "fr-1", "B"),  # 55-60 s late (50-55 s is grace)
        event(120.0, "left", "fr-1", "B"),  # 120-150 s let go early
        event(170.0, "entered", "fr-3", "B"),  # 170-200 s in a room it never went to again
        event(55.0, "entered", "fr-3", "C"),  # 55-100 s in the wrong room, then 100-105 s grace,
        event(103.0, "left", "fr-3", "C"),  # and out with it (correct) from 103 s
    ]
    counts = mistakes(truth, events)  # samples every 0.5 s; 3 x 200 s, less 5 s after each true change
    assert counts == {
        "samples": 3 * 400 - 6 * 10,
        "early entry": 20,  # A 40-50 s
        "late exit": 10,  # A 105-110 s
        "late entry": 10,  # B 55-60 s
        "early exit": 60,  # B 120-150 s
        "phantom": 60,  # B 170-200 s
        "wrong room": 90,  # C 55-100 s
    }
    # fr-3 blind 160-180 s (and the 5 s grace after): B's phantom there is not one accuracy judges.
    blind = {"fr-3": [Stay("fr-3", 160.0, 180.0)]}
    seen = mistakes(truth, events, blind=blind, seen=True)
    assert seen["samples"] == counts["samples"] - 30 and seen["phantom"] == 30  # B 185-200 s
    assert seen["wrong room"] == 90 and seen["early exit"] == 60
    assert mistakes(truth, events, blind=blind, seen=False) == {"samples": 30, "phantom": 30}  # B 170-185 s
