"""The simulated radio behaves like real fitting rooms, statistically (issue 4, "What real fitting rooms do").

Each test drives the pure ``Store`` directly, decodes what it publishes with the edge's own decoders and
checks one phenomenon over many garments, so chance cannot make it pass or fail.
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from edge.decoders import DecodeError, TopicRouter
from edge.layout import Layout, load_layout
from edge.reads import AntennaStatus, BleSighting, Observation, TagRead
from simulators.calibrate import measure
from simulators.messages import Message
from simulators.physics import Place, RadioParams, TagRadio
from simulators.readers import ReaderSettings
from simulators.store import SimConfig, Store

BENCH6 = Path(__file__).resolve().parent.parent / "deploy" / "layouts" / "bench6.toml"
GTINS = ["05061234100015", "05061234100022", "80614141123458"]


@pytest.fixture(scope="module")
def bench6() -> Layout:
    return load_layout(BENCH6)


SEED = int(os.environ.get("FITROOM_SIM_TEST_SEED", "1"))


def _store(layout: Layout, *, seed: int = SEED, dedup: bool = False, impinj_rounds: float = 3.0) -> Store:
    readers = replace(ReaderSettings(), dedup=dedup, impinj_rounds_per_s=impinj_rounds)
    return Store(layout, replace(SimConfig(), seed=seed, readers=readers))


def _garments(store: Store, n: int) -> list[str]:
    return [store.new_garment(GTINS[i % len(GTINS)]) for i in range(n)]


def _run(store: Store, seconds: float) -> list[Message]:
    """Advance ``seconds`` from now."""
    out: list[Message] = []
    end = store.now + seconds
    while store.now < end - 1e-9:
        out.extend(store.step())
    return out


def _observations(layout: Layout, messages: list[Message]) -> list[tuple[Message, Observation]]:
    router = TopicRouter(layout)
    out: list[tuple[Message, Observation]] = []
    for m in messages:
        try:
            result = router.route(m.topic).decode(m.payload.encode())
        except DecodeError as exc:  # the simulator's clean traffic must always decode
            raise AssertionError(f"{m.topic}: {m.payload}: {exc}") from exc
        assert not result.errors
        out.extend((m, o) for o in result.observations)
    return out


def _reads(layout: Layout, messages: list[Message]) -> list[TagRead]:
    return [o for _, o in _observations(layout, messages) if isinstance(o, TagRead)]


def test_cross_reads_by_neighbouring_rooms_are_rarer_and_weaker(bench6: Layout) -> None:
    store = _store(bench6)
    epcs = _garments(store, 40)
    store.put(epcs, Place.in_room("fr-2"))
    reads = _reads(bench6, _run(store, 120))
    by_room = Counter(r.room_id for r in reads)
    rssi = defaultdict(list)
    for r in reads:
        assert r.rssi_dbm is not None
        rssi[r.room_id].append(r.rssi_dbm)
    assert set(by_room) <= {"fr-1", "fr-2", "fr-3"}, "only the adjacent rooms cross-read"
    assert by_room["fr-1"] > 0 and by_room["fr-3"] > 0
    assert by_room["fr-1"] + by_room["fr-3"] < 0.4 * by_room["fr-2"]
    own = statistics.mean(rssi["fr-2"])
    assert statistics.mean(rssi["fr-1"]) < own - 6
    assert statistics.mean(rssi["fr-3"]) < own - 6


def test_read_probability_ranges_from_rare_to_almost_every_round(bench6: Layout) -> None:
    store = _store(bench6)
    epcs = _garments(store, 60)
    store.put(epcs, Place.in_room("fr-1"))
    reads = _reads(bench6, _run(store, 100))
    rounds = 100 * store.config.readers.impinj_rounds_per_s
    share = [sum(1 for r in reads if r.epc == e and r.room_id == "fr-1") / rounds for e in epcs]
    assert min(share) < 0.2
    assert max(share) > 0.75
    assert all(s <= 0.95 for s in share)


def test_moving_a_garment_changes_how_well_it_reads(bench6: Layout) -> None:
    store = _store(bench6)
    epcs = _garments(store, 30)
    store.put(epcs, Place.in_room("fr-1"))
    before = {e: store.garments[e].radio.p_own for e in epcs}
    store.put(epcs, Place.in_room("fr-4"))
    after = {e: store.garments[e].radio.p_own for e in epcs}
    assert sum(1 for e in epcs if abs(before[e] - after[e]) > 0.05) >= 20


def test_worn_garments_are_nearly_silent(bench6: Layout) -> None:
    store = _store(bench6)
    hanging, worn = _garments(store, 30), _garments(store, 30)
    store.put(hanging, Place.in_room("fr-5"))
    store.put(worn, Place.in_room("fr-5"))
    for epc in worn:
        store.wear(epc, True)
    reads = _reads(bench6, _run(store, 90))
    n_hanging = sum(1 for r in reads if r.epc in set(hanging))
    n_worn = sum(1 for r in reads if r.epc in set(worn))
    assert n_hanging > 200
    assert n_worn < 0.05 * n_hanging


def test_impinj_dedup_reports_each_tag_about_once_a_second(bench6: Layout) -> None:
    store = _store(bench6, dedup=True, impinj_rounds=8.0)
    epcs = _garments(store, 20)
    store.put(epcs, Place.in_room("fr-1"))  # fr-1 is on the Impinj reader
    pairs = _observations(bench6, _run(store, 60))
    times: dict[tuple[str, int], list[float]] = defaultdict(list)
    for msg, obs in pairs:
        if isinstance(obs, TagRead):
            times[(obs.epc, obs.antenna)].append(msg.t)
    for ts in times.values():
        gaps = [b - a for a, b in itertools.pairwise(ts)]
        assert all(g > 0.9 for g in gaps), "never more than one report per tag and antenna per second"
    own_rates = [len(times[(e, 1)]) / 60 for e in epcs if store.garments[e].radio.p_own > 0.4]
    assert own_rates and statistics.mean(own_rates) > 0.85


def test_zebra_aggregates_one_event_per_tag_and_antenna_per_second(bench6: Layout) -> None:
    store = _store(bench6)
    epcs = _garments(store, 20)
    store.put(epcs, Place.in_room("fr-5"))  # fr-5 is on the Zebra reader
    pairs = _observations(bench6, _run(store, 40))
    per_second: Counter[tuple[str, int, int]] = Counter()
    total_reads = 0
    for msg, obs in pairs:
        if isinstance(obs, TagRead) and obs.reader_id == "zebra-b":
            per_second[(obs.epc, obs.antenna, int(msg.t))] += 1
            total_reads += obs.reads
    assert per_second and max(per_second.values()) == 1
    assert total_reads > sum(per_second.values()), "events carry several reads each"


def test_a_garment_carried_along_the_corridor_is_read_briefly_by_each_room_it_passes(bench6: Layout) -> None:
    store = _store(bench6)
    epcs = _garments(store, 30)
    store.add_person("walker", Place.in_room("floor"))
    store.pick_up("walker", epcs)
    arrive = store.walk_to("walker", Place.in_room("fr-6"))
    messages = _run(store, 60)
    pairs = _observations(bench6, messages)
    walk_reads = [(m.t, o) for m, o in pairs if isinstance(o, TagRead) and m.t < arrive]
    assert {o.room_id for _, o in walk_reads} >= {"fr-1", "fr-2", "fr-3", "fr-4", "fr-5"}
    late_fr1 = [o for m, o in pairs if isinstance(o, TagRead) and o.room_id == "fr-1" and m.t > arrive + 1]
    assert not late_fr1, "a room the garments only passed stops reading them"
    for room in ("fr-1", "fr-2", "fr-3"):
        seen = [t for t, o in walk_reads if o.room_id == room]
        assert max(seen) - min(seen) < 3.0, f"{room} reads the passing garments only briefly"


def test_antenna_outage_is_announced_and_silences_the_port(bench6: Layout) -> None:
    store = _store(bench6)
    store.put(_garments(store, 10), Place.in_room("fr-2"))
    messages = _run(store, 10)
    store.antenna_down("impinj-a", 2)
    down_at = store.now
    messages += _run(store, 40)
    store.antenna_up("impinj-a", 2)
    up_at = store.now
    messages += _run(store, 50)
    pairs = _observations(bench6, messages)
    statuses = [o for _, o in pairs if isinstance(o, AntennaStatus)]
    assert [(o.room_id, o.connected) for o in statuses] == [("fr-2", False), ("fr-2", True)]
    port2 = [m.t for m, o in pairs if isinstance(o, TagRead) and o.reader_id == "impinj-a" and o.antenna == 2]
    assert not [t for t in port2 if down_at + 0.1 < t < up_at]
    assert [t for t in port2 if t > up_at] and [t for t in port2 if t < down_at]


def test_reader_dropout_goes_quiet_then_its_will_then_online(bench6: Layout) -> None:
    store = _store(bench6)
    store.put(_garments(store, 10), Place.in_room("fr-5"))
    _run(store, 5)
    will_at = store.reader_down("zebra-b", 8.0)
    dropped = store.now
    quiet = _run(store, 30)
    store.reader_up("zebra-b")
    back = _run(store, 45)
    zebra_topic = next(r for r in bench6.readers if r.id == "zebra-b").topic
    assert not [m for m in quiet if m.topic == zebra_topic and m.t > dropped + 0.1]
    wills = [m for m in quiet if m.will]
    assert len(wills) == 1 and wills[0].payload == "offline" and wills[0].retain
    assert wills[0].t == pytest.approx(will_at)
    assert back[0].payload == "online" or any(m.payload == "online" for m in back)
    assert [m for m in back if m.topic == zebra_topic]


def test_ble_node_throttles_a_stationary_phone_to_about_every_five_seconds(bench6: Layout) -> None:
    store = _store(bench6)
    store.add_person("shopper", Place.in_room("fr-3"), phone_minor=42)
    pairs = _observations(bench6, _run(store, 120))
    settled = store.config.start + 10
    own = [m.t for m, o in pairs if isinstance(o, BleSighting) and o.node_id == "fr-3" and m.t > settled]
    gaps = [b - a for a, b in itertools.pairwise(own)]
    assert len(gaps) > 10
    assert 4.0 < statistics.mean(gaps) < 6.0
    sightings = [o for _, o in pairs if isinstance(o, BleSighting)]
    assert {o.device_id for o in sightings} == {"iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42"}
    nearest = statistics.mean(o.rssi for o in sightings if o.node_id == "fr-3" and o.rssi is not None)
    through_wall = [o.rssi for o in sightings if o.node_id in {"fr-2", "fr-4"} and o.rssi is not None]
    assert not through_wall or statistics.mean(through_wall) < nearest


def test_bunched_garments_shadow_each_other() -> None:
    params = RadioParams()
    rng = random.Random(7)
    radio = TagRadio()

    def mean_p(crowd: int) -> float:
        draws = []
        for _ in range(3000):
            radio.reorient(rng, params, crowd=crowd)
            draws.append(radio.p_own)
        return statistics.mean(draws)

    alone, bunched = mean_p(1), mean_p(8)
    assert bunched < alone - 0.08
    radio.reorient(rng, params, crowd=30)
    assert radio.p_own >= params.p_min * 0.6


def test_ble_node_outage_goes_quiet_then_will_then_online(bench6: Layout) -> None:
    store = _store(bench6)
    store.add_person("shopper", Place.in_room("fr-2"), phone_minor=7)
    _run(store, 10)
    will_at = store.node_down("fr-2", 5.0)
    down_at = store.now
    quiet = _run(store, 40)
    store.node_up("fr-2")
    back = _run(store, 60)
    node_topic = "espresense/devices/iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-7/fr-2"
    assert not [m for m in quiet if m.topic == node_topic and m.t > down_at]
    wills = [m for m in quiet if m.will]
    status = "espresense/rooms/fr-2/status"
    assert [(w.topic, w.payload, w.t) for w in wills] == [(status, "offline", will_at)]
    assert any(m.topic == "espresense/rooms/fr-2/status" and m.payload == "online" for m in back)
    assert any(m.topic == node_topic for m in back)


def test_calibration_figures_describe_real_fitting_rooms(bench6: Layout) -> None:
    figures = measure(bench6, seed=SEED, garments=20, seconds=60)
    raw, dedup = figures["raw"], figures["dedup"]
    assert figures["room"] == "fr-2"  # an inner room on the Impinj reader
    low, _, high = raw["own_reads_per_tag_s_p10_p50_p90"]
    assert low < 1.5 and high > 4.0, "some tags are read rarely, others almost every round"
    assert raw["cross_share_of_air_reads"] < 0.4
    assert raw["rssi_cross_mean_dbm"] < raw["rssi_own_mean_dbm"] - 6
    assert raw["worn_to_hanging_reads"] < 0.05
    assert dedup["max_reports_per_tag_antenna_second"] == 1 < raw["max_reports_per_tag_antenna_second"]
    assert set(figures["corridor_read_span_s"]) >= {"fr-1", "fr-2", "fr-3", "fr-4", "fr-5"}
    assert all(span < 3.0 for span in figures["corridor_read_span_s"].values())
    assert 4.0 < figures["ble_still_interval_s"] < 6.0


def test_people_in_a_room_absorb_its_garments_reads(bench6: Layout) -> None:
    store = _store(bench6)
    epcs = _garments(store, 40)
    store.put(epcs, Place.in_room("fr-2"))
    empty = [r for r in _reads(bench6, _run(store, 60)) if r.room_id == "fr-2"]
    store.add_person("shopper", Place.in_room("fr-2"))
    occupied = [r for r in _reads(bench6, _run(store, 60)) if r.room_id == "fr-2"]
    assert len(occupied) < 0.92 * len(empty)
    assert len(occupied) > 0.5 * len(empty)
