"""The simulator's family of stores (issue 14, "Evaluate so that it cannot be fitted").

Each phenomenon the family claims is checked in the traffic or the ground truth it produces, decoded by
the edge's own decoders where the radio is concerned; and the bench's tune and holdout splits are
checked for what makes them a split.
"""

from __future__ import annotations

import itertools
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edge.decoders import TopicRouter
from edge.layout import Layout, load_layout
from edge.reads import TagRead
from simulators.family import FAMILY, PRESETS, draw, preset_names
from simulators.messages import Message
from simulators.physics import Place, RadioParams
from simulators.store import SimConfig, Store
from simulators.trace import Simulation, write_trace

ROOT = Path(__file__).resolve().parent.parent
BENCH6 = ROOT / "deploy" / "layouts" / "bench6.toml"
GTINS = ["05061234100015", "05061234100022", "80614141123458"]


@pytest.fixture(scope="module")
def bench6() -> Layout:
    return load_layout(BENCH6)


def _store(layout: Layout, radio: RadioParams, *, seed: int = 3, shuffle: bool = False) -> Store:
    return Store(layout, replace(SimConfig(), seed=seed, radio=radio, shuffle_floor=shuffle))


def _run(store: Store, seconds: float) -> list[Message]:
    out: list[Message] = []
    end = store.now + seconds
    while store.now < end - 1e-9:
        out.extend(store.step())
    return out


def _reads(layout: Layout, messages: list[Message]) -> list[TagRead]:
    router = TopicRouter(layout)
    out: list[TagRead] = []
    for m in messages:
        result = router.route(m.topic).decode(m.payload.encode())
        assert not result.errors
        out.extend(o for o in result.observations if isinstance(o, TagRead))
    return out


def test_directional_shielding_keeps_a_worn_garment_loud_to_the_neighbour_behind(bench6: Layout) -> None:
    radio = draw("open_plan", 5).radio
    assert radio.worn_cross_factor is not None, "open_plan stores shield one side only"
    store = _store(bench6, radio)
    room = store.corridor.rooms[2]  # two neighbours
    epcs = [store.new_garment(GTINS[i % 3]) for i in range(12)]
    store.put(epcs, Place.in_room(room))
    for epc in epcs:
        store.wear(epc, True)
    reads = _reads(bench6, _run(store, 60))
    own = sum(1 for r in reads if r.room_id == room)
    behind = 0
    for epc in epcs:
        by_room = Counter(r.room_id for r in reads if r.epc == epc and r.room_id != room)
        behind += max(by_room.values(), default=0)
    assert behind > 3 * max(own, 1), (own, behind)

    # Without directional shielding the neighbours go as quiet as the own antenna.
    control = _store(bench6, replace(radio, worn_cross_factor=None))
    epcs = [control.new_garment(GTINS[i % 3]) for i in range(12)]
    control.put(epcs, Place.in_room(room))
    for epc in epcs:
        control.wear(epc, True)
    reads = _reads(bench6, _run(control, 60))
    assert sum(1 for r in reads if r.room_id != room) < behind / 3


def test_rooms_beyond_the_neighbours_read_now_and_then_and_weaker(bench6: Layout) -> None:
    radio = draw("reflective", 2).radio
    store = _store(bench6, radio)
    room = store.corridor.rooms[0]
    near = set(store.corridor.neighbours(room))
    epcs = [store.new_garment(GTINS[i % 3]) for i in range(20)]
    store.put(epcs, Place.in_room(room))
    reads = _reads(bench6, _run(store, 60))
    rssi: dict[str, list[float]] = defaultdict(list)
    for r in reads:
        assert r.rssi_dbm is not None
        kind = "own" if r.room_id == room else "near" if r.room_id in near else "far"
        rssi[kind].append(r.rssi_dbm)
    far_rooms = Counter(r.room_id for r in reads if r.room_id not in near | {room})
    assert len(far_rooms) >= 2, "reflections reach more than one room"
    assert max(far_rooms.values()) < 0.1 * len(rssi["own"]), "now and then: a few % of rounds"
    assert statistics.mean(rssi["far"]) < statistics.mean(rssi["near"]) - 3

    # The original store keeps "never" for rooms two doors away.
    plain = _store(bench6, RadioParams())
    epcs = [plain.new_garment(GTINS[i % 3]) for i in range(20)]
    plain.put(epcs, Place.in_room(room))
    assert {r.room_id for r in _reads(bench6, _run(plain, 30))} <= near | {room}


def test_the_floor_order_is_not_the_layout_order_and_neighbours_follow_the_floor(bench6: Layout) -> None:
    listed = [r.id for r in bench6.fitting_rooms]
    orders = [_store(bench6, RadioParams(), seed=s, shuffle=True).corridor.rooms for s in range(1, 6)]
    assert all(sorted(o) == sorted(listed) for o in orders)
    assert sum(o != listed for o in orders) >= 4
    store = next(
        _store(bench6, RadioParams(), seed=s, shuffle=True)
        for s in range(1, 20)
        if set(_store(bench6, RadioParams(), seed=s, shuffle=True).corridor.neighbours(listed[1]))
        != {listed[0], listed[2]}
    )
    room = listed[1]
    epcs = [store.new_garment(GTINS[i % 3]) for i in range(20)]
    store.put(epcs, Place.in_room(room))
    crossing = {r.room_id for r in _reads(bench6, _run(store, 60))} - {room}
    assert crossing and crossing <= set(store.corridor.neighbours(room))


def test_zebra_aggregates_carry_reads_and_dedup_reports_once_a_second(tmp_path: Path, bench6: Layout) -> None:
    env = draw("random", 11)
    write_trace(bench6, env.scenario(seed=11, duration_s=240, shoppers=5, dedup=True), tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    messages = [Message(m["t"], m["topic"], m["payload"], "x") for m in map(_json, lines)]
    timed = [(m.t, r) for m in messages for r in _reads(bench6, [m])]
    zebra = [r for _, r in timed if r.reader_id == "zebra-b"]
    impinj = [(t, r) for t, r in timed if r.reader_id != "zebra-b"]
    assert zebra and max(r.reads for r in zebra) >= 3
    assert impinj and all(r.reads == 1 for _, r in impinj)
    last: dict[tuple[str, int], float] = {}
    for t, r in impinj:
        key = (r.epc, r.antenna)
        assert t - last.get(key, -10.0) > 0.9, "one report per tag and antenna per second"
        last[key] = t


def _json(line: str) -> dict[str, Any]:
    import json

    doc: dict[str, Any] = json.loads(line)
    return doc


@pytest.fixture(scope="module")
def busy_truth(bench6: Layout) -> list[dict[str, Any]]:
    env = draw("busy", 4)
    sim = Simulation(bench6, env.scenario(seed=4, duration_s=1500, shoppers=22))
    # Only where people and garments go matters here: devices that stay silent keep the test fast.
    for reader in sim.store.readers.values():
        reader.online = False
    for node in sim.store.nodes.values():
        node.online = False
    for _ in sim.messages():
        pass
    return sim.truth()


def _stays(truth: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in truth if r["kind"] == kind]


def test_companions_share_a_room_and_more_than_two_garments_are_worn_there(
    busy_truth: list[dict[str, Any]], bench6: Layout
) -> None:
    fitting = {r.id for r in bench6.fitting_rooms}
    stays = [s for s in _stays(busy_truth, "shopper_stay") if s["room"] in fitting]
    shared = [
        (a, b)
        for a in stays
        for b in stays
        if b["shopper"] == a["shopper"] + "-companion"
        and a["room"] == b["room"]
        and a["enter"] < b["exit"]
        and b["enter"] < a["exit"]
    ]
    assert shared, "a parent and child share a fitting room"
    worn = _stays(busy_truth, "worn")
    at_once = max(
        sum(1 for o in worn if o["room"] == w["room"] and o["start"] <= w["start"] < o["end"]) for w in worn
    )
    assert at_once >= 3


def test_shoppers_walk_at_their_own_speeds_and_some_turn_back_at_a_door(
    busy_truth: list[dict[str, Any]], bench6: Layout
) -> None:
    fitting = {r.id for r in bench6.fitting_rooms}
    floor = next(r.id for r in bench6.rooms if r.kind.value == "sales_floor")
    by_shopper: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in _stays(busy_truth, "shopper_stay"):
        if not s["shopper"].startswith("associate") and not s["shopper"].endswith("companion"):
            by_shopper[s["shopper"]].append(s)
    transit = []
    turned_back = 0
    for stays in by_shopper.values():
        stays.sort(key=lambda s: s["enter"])
        for a, b in itertools.pairwise(stays):
            if a["room"] == floor and b["room"] in fitting:
                transit.append(b["enter"] - a["exit"])
            if a["room"] == floor and b["room"] == floor and b["enter"] - a["exit"] > 2:
                turned_back += 1  # left the floor for the corridor and came back without a room
    assert turned_back >= 1
    # Per room width walked, strollers take several times as long as brisk walkers.
    assert len(transit) >= 5 and max(transit) > 1.5 * min(transit)


def test_associates_bring_garments_and_take_one_handed_out(
    busy_truth: list[dict[str, Any]], bench6: Layout
) -> None:
    fitting = {r.id for r in bench6.fitting_rooms}
    people = [s for s in _stays(busy_truth, "shopper_stay") if s["room"] in fitting]
    errands = [s for s in people if s["shopper"].startswith("associate-errand-")]
    shoppers = [s for s in people if not s["shopper"].startswith("associate")]
    items = _stays(busy_truth, "item_stay")
    brought = [
        i for i in items for e in errands if i["room"] == e["room"] and e["enter"] <= i["enter"] <= e["exit"]
    ]
    assert brought, "an associate put garments down in an occupied room"
    handed_out = [
        i
        for i in items
        for s in shoppers
        if i["room"] == s["room"] and s["enter"] < i["exit"] < s["exit"] - 5
    ]
    assert handed_out, "a garment left the room while its shopper stayed on"


def test_go_backs_stay_in_an_empty_room_for_minutes(busy_truth: list[dict[str, Any]]) -> None:
    people = _stays(busy_truth, "shopper_stay")
    alone = []
    for i in _stays(busy_truth, "item_stay"):
        last_person = max(
            (
                s["exit"]
                for s in people
                if s["room"] == i["room"] and s["enter"] < i["exit"] and s["exit"] <= i["exit"]
            ),
            default=i["enter"],
        )
        alone.append(i["exit"] - last_person)
    assert max(alone) > 120


def test_environments_are_deterministic_per_seed_and_cover_the_wide_ranges() -> None:
    for name in preset_names():
        assert draw(name, 7) == draw(name, 7)
        assert draw(name, 7) != draw(name, 8)
    randoms = [draw("random", s) for s in range(40)]
    assert min(e.radio.p_min for e in randoms) < 0.06 and max(e.radio.p_max for e in randoms) > 0.85
    assert all(e.radio.p_min >= 0.05 and e.radio.p_max <= 0.9 for e in randoms)
    assert max(e.radio.cross_factor_max for e in randoms) > 0.9
    gaps = [e.radio.cross_attenuation_min_db for e in randoms] + [
        e.radio.cross_attenuation_max_db for e in randoms
    ]
    assert min(gaps) >= 8.0 and max(gaps) <= 18.0
    assert {e.radio.worn_cross_factor is None for e in randoms} == {True, False}
    assert all(e.radio.far_factor_max > 0 for e in randoms), "no room 'never' reads in the family"
    assert PRESETS["shielded"].directional_share == 0.0 and FAMILY.directional_share > 0
    with pytest.raises(ValueError, match="unknown environment"):
        draw("nowhere", 1)


def test_a_family_trace_is_byte_identical_per_seed(tmp_path: Path, bench6: Layout) -> None:
    scenario = draw("random", 3).scenario(seed=3, duration_s=120, shoppers=3, outages=True)
    a = write_trace(bench6, scenario, tmp_path / "a.jsonl")
    b = write_trace(bench6, scenario, tmp_path / "b.jsonl")
    assert a.trace.read_bytes() == b.trace.read_bytes()
    assert a.truth.read_bytes() == b.truth.read_bytes()
    c = write_trace(bench6, replace(scenario, seed=4), tmp_path / "c.jsonl")
    assert c.trace.read_bytes() != a.trace.read_bytes()


def test_tune_and_holdout_splits_are_disjoint_and_holdout_has_an_unseen_preset() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import presence_scenarios as ps
    finally:
        sys.path.remove(str(ROOT / "bench"))
    tune_seeds = {c.seed for c in ps.TUNE}
    holdout_seeds = {c.seed for c in ps.HOLDOUT}
    assert not tune_seeds & holdout_seeds
    assert all(c.seed in ps.seed_range("tune") for c in ps.TUNE)
    assert all(c.seed in ps.seed_range("holdout") for c in ps.HOLDOUT)
    assert not set(ps.seed_range("tune")) & set(ps.seed_range("holdout"))
    tune_envs = {c.env for c in ps.TUNE}
    assert ps.HOLDOUT_ONLY_PRESET not in tune_envs and tune_envs <= set(ps.TUNE_PRESETS)
    assert ps.HOLDOUT_ONLY_PRESET in {c.env for c in ps.HOLDOUT}
    for cases in (ps.TUNE, ps.HOLDOUT):
        assert {6, 10} <= {c.rooms for c in cases}
        assert {"impinj-raw", "impinj-dedup", "zebra"} <= {c.readers for c in cases}
        assert {True, False} == {c.faults for c in cases}
    for case in ps.HOLDOUT:
        load = load_layout_text(ps.layout_toml(case.rooms, case.readers), case.rooms)
        assert load


def load_layout_text(text: str, rooms: int) -> bool:
    import tomllib

    from edge.layout import parse_layout

    layout = parse_layout(tomllib.loads(text))
    covered = {room for r in layout.readers for room in r.antenna_rooms().values()}
    return len(layout.fitting_rooms) == rooms and covered == {r.id for r in layout.fitting_rooms}


def test_fitroom_sim_trace_writes_a_family_store(tmp_path: Path) -> None:
    from simulators.cli import main
    from simulators.truth import read_truth

    out = tmp_path / "t.jsonl"
    args = ["trace", "--layout", str(BENCH6), "--out", str(out), "--duration", "60", "--seed", "2"]
    assert main([*args, "--env", "reflective"]) == 0
    header = read_truth(tmp_path / "t.truth.jsonl")[0]
    assert header["environment"] == "reflective/2"
    assert main(args) == 0
    assert "environment" not in read_truth(tmp_path / "t.truth.jsonl")[0]
