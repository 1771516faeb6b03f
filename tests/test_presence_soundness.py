"""Soundness on arbitrary input: one room per item, every leave follows an enter, deterministic."""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.presence import EventType, PresenceEngine, PresenceEvent
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, Observation, ReaderStatus, TagRead
from tests.presence_support import GTIN, antenna_of, epc, layout

ROOMS = [f"fr-{i}" for i in range(1, 7)]
TAGS = [epc(i) for i in range(1, 6)]
PHONES = [f"iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-{i}" for i in range(1, 4)]


def _tag_read(tag: str, room: str, rssi: float | None, reads: int) -> Observation:
    reader, port = antenna_of(room)
    return TagRead(reader, port, room, tag, GTIN, 1, rssi, reads)


def _antenna(room: str, up: bool) -> Observation:
    reader, port = antenna_of(room)
    return AntennaStatus(reader, port, room, up)


observation = st.one_of(
    st.builds(
        _tag_read,
        st.sampled_from(TAGS),
        st.sampled_from(ROOMS),
        st.one_of(st.none(), st.floats(-95, -30)),
        st.integers(1, 20),
    ),
    st.builds(_antenna, st.sampled_from(ROOMS), st.booleans()),
    st.builds(ReaderStatus, st.sampled_from(["impinj-a", "zebra-b", "nobody"]), st.booleans()),
    st.builds(
        lambda room, dev, rssi, d: BleSighting(room, room, dev, rssi, d),
        st.sampled_from(ROOMS),
        st.sampled_from(PHONES),
        st.one_of(st.none(), st.floats(-100, -40)),
        st.one_of(st.none(), st.floats(0.1, 12)),
    ),
    st.builds(lambda room, up: BleNodeStatus(room, room, up), st.sampled_from(ROOMS), st.booleans()),
)
# (gap to the previous observation in seconds, observation); long gaps let windows and holds expire.
timeline = st.lists(
    st.tuples(st.sampled_from([0.0, 0.05, 0.3, 1.0, 2.5, 7.0, 40.0, 200.0]), observation), max_size=250
)


def _replay(
    steps: list[tuple[float, Observation]],
) -> tuple[list[PresenceEvent], PresenceEngine, list[dict[str, str]]]:
    engine = PresenceEngine(layout())
    events: list[PresenceEvent] = []
    snapshots: list[dict[str, str]] = []
    t = 1000.0
    for gap, obs in steps:
        t += gap
        events += engine.tick(t)
        events += engine.observe(obs, t)
        snapshots.append(_where(engine))
    events += engine.tick(t + 1000)
    return events, engine, snapshots


def _where(engine: PresenceEngine) -> dict[str, str]:
    """Item -> room from the snapshot, failing if an item shows in two rooms."""
    where: dict[str, str] = {}
    for room_id, room in engine.snapshot().items():
        for item in room.items:
            assert item.epc not in where, f"{item.epc} in {where[item.epc]} and {room_id}"
            where[item.epc] = room_id
    return where


def _check_pairs(
    events: Iterable[PresenceEvent], enter: EventType, leave: EventType, key: str
) -> dict[str, str]:
    inside: dict[str, str] = {}
    for e in events:
        who = getattr(e, key)
        if e.type is enter:
            assert who not in inside, f"{who} entered {e.room} while in {inside.get(who)}"
            inside[who] = e.room
        elif e.type is leave:
            assert inside.pop(who, None) == e.room, f"{who} left {e.room} without having entered it"
    return inside


@settings(max_examples=150, deadline=None)
@given(timeline)
def test_items_are_in_one_room_at_most_and_every_leave_follows_an_enter(
    steps: list[tuple[float, Observation]],
) -> None:
    events, engine, _ = _replay(steps)
    times = [e.t for e in events]
    assert times == sorted(times)
    inside = _check_pairs(events, EventType.ITEM_ENTERED, EventType.ITEM_LEFT, "epc")
    _check_pairs(events, EventType.SHOPPER_ENTERED, EventType.SHOPPER_LEFT, "device")
    assert inside == _where(engine)  # the events and the snapshot tell the same story


@settings(max_examples=60, deadline=None)
@given(timeline)
def test_the_same_input_gives_the_same_events(steps: list[tuple[float, Observation]]) -> None:
    first, _, snaps_first = _replay(steps)
    second, _, snaps_second = _replay(steps)
    assert first == second
    assert snaps_first == snaps_second


def test_tags_that_are_not_merchandise_are_never_placed() -> None:
    engine = PresenceEngine(layout())
    badge = TagRead("impinj-a", 1, "fr-1", "E2801160600002040000ABCD", None, None, -50.0)
    events = [e for t in range(100) for e in engine.observe(badge, float(t)) + engine.tick(t + 0.5)]
    assert events == []
    assert all(not room.items for room in engine.snapshot().values())
