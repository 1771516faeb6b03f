"""Cross-reads from neighbouring rooms and corridor pass-bys must not create stays or flicker."""

from __future__ import annotations

import random

from edge.presence import EventType, PresenceEngine, PresenceEvent, PresenceParams
from edge.reads import Observation
from tests.presence_support import (
    carried_out,
    epc,
    layout,
    neighbourly_rooms,
    one_read,
    phone,
    run,
    stays,
    tag_reads,
)

_DEVICE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-7"


def test_neighbours_cross_reads_never_take_an_item_from_its_room() -> None:
    rng = random.Random(11)
    tag = epc(1)
    obs = tag_reads(tag, "fr-3", 10, 1800, p=0.3, rssi=-55, rng=rng)
    obs += tag_reads(tag, "fr-2", 10, 1800, p=0.1, rssi=-67, rng=rng)
    obs += tag_reads(tag, "fr-4", 10, 1800, p=0.1, rssi=-69, rng=rng)
    events = run(PresenceEngine(layout()), obs, 1800)
    assert [(s.room, s.end) for s in stays(events, tag)] == [("fr-3", None)]


def test_a_strong_burst_of_cross_reads_is_not_enough_to_move_an_item() -> None:
    rng = random.Random(12)
    tag = epc(1)
    obs = tag_reads(tag, "fr-3", 10, 600, p=0.4, rssi=-55, rng=rng)
    obs += tag_reads(tag, "fr-4", 300, 304, p=0.9, rssi=-62, rng=rng)  # a neighbour's door swings open
    events = run(PresenceEngine(layout()), obs, 600)
    assert [s.room for s in stays(events, tag)] == ["fr-3"]


def test_an_item_carried_to_another_room_moves_there_within_seconds() -> None:
    rng = random.Random(13)
    tag = epc(1)
    obs = tag_reads(tag, "fr-2", 10, 300, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(tag, "fr-3", 300.5, 302, p=0.5, rssi=-62, rng=rng)  # past fr-3's door
    obs += tag_reads(tag, "fr-4", 302, 600, p=0.5, rssi=-54, rng=rng)
    events = run(PresenceEngine(layout()), obs, 600)
    got = stays(events, tag)
    assert [s.room for s in got] == ["fr-2", "fr-4"]
    assert got[1].start - 302 <= 5


def _residents(rng: random.Random) -> list[tuple[float, Observation]]:
    """Garments hanging in every room long enough for each room to learn its in-room RSSI."""
    obs: list[tuple[float, Observation]] = []
    for i in range(1, 7):
        for k in range(3):
            obs += tag_reads(epc(100 + 10 * i + k), f"fr-{i}", 0, 900, p=0.5, rssi=-53, rng=rng)
    return obs


def _walk(tag: str, rooms: list[str], t0: float, rng: random.Random) -> list[tuple[float, Observation]]:
    """Carried along the corridor past each room's door at walking pace, read weakly through the door."""
    obs: list[tuple[float, Observation]] = []
    for k, room in enumerate(rooms):
        start = t0 + 1.25 * k
        obs += tag_reads(tag, room, start, start + 1.75, p=0.6, rssi=-63, rng=rng)
    return obs


def _came_in_with(events: list[PresenceEvent], tag: str, anchor: str, room: str) -> None:
    """``tag`` made one stay, in ``room``, entering at the moment ``anchor`` (one stay) did."""
    (with_it,) = stays(events, tag)
    (first,) = stays(events, anchor)
    assert with_it.room == room and with_it.start == first.start


def test_garments_carried_along_the_corridor_make_no_stay_in_the_rooms_they_pass() -> None:
    rng = random.Random(14)
    bundle = [epc(1), epc(2), epc(3)]
    obs = _residents(rng)
    for tag in bundle:
        obs += _walk(tag, [f"fr-{i}" for i in range(1, 7)], 600, rng)
    events = run(PresenceEngine(layout()), obs, 900)
    for tag in bundle:
        assert stays(events, tag) == []


def test_a_pass_by_that_ends_in_a_room_is_one_stay_in_that_room() -> None:
    rng = random.Random(15)
    bundle = [epc(1), epc(2), epc(3)]
    obs = _residents(rng)
    for tag in bundle:
        obs += _walk(tag, ["fr-1", "fr-2", "fr-3", "fr-4"], 600, rng)
        obs += tag_reads(tag, "fr-5", 605, 900, p=0.5, rssi=-53, rng=rng)
    events = run(PresenceEngine(layout()), obs, 900)
    for tag in bundle:
        got = stays(events, tag)
        assert [s.room for s in got] == ["fr-5"]
        assert got[0].start - 605 <= 5


def test_a_garment_read_far_stronger_than_on_its_way_in_enters_on_its_first_reads() -> None:
    rng = random.Random(14)
    tag = epc(1)
    # Carried along the corridor: each door it passes reads it briefly and weakly; then its room, far
    # stronger, though rarely (a badly oriented tag: persistence alone would take seconds).
    obs = tag_reads(tag, "fr-1", 100, 101.5, p=0.6, rssi=-63, rng=rng)
    obs += tag_reads(tag, "fr-2", 101.5, 103, p=0.6, rssi=-63, rng=rng)
    inside = tag_reads(tag, "fr-3", 103, 400, p=0.1, rssi=-53, rng=rng)
    events = run(PresenceEngine(layout()), obs + inside, 400)
    got = stays(events, tag)
    assert [s.room for s in got] == ["fr-3"]
    # The first read that stands out decides, once it has had a moment to be read further on.
    assert got[0].start - inside[0][0] <= PresenceParams().entry_dwell_s + 0.5


def test_a_garment_standing_out_as_a_shopper_comes_into_the_room_enters_on_that_read() -> None:
    # As above; a known shopper's phone is heard into fr-3 about when the garment is. Someone stopped at
    # that room: the garment is not walking on, so its first standout read need not wait.
    def entered(phone_from: float | None) -> tuple[float, float]:
        rng = random.Random(14)
        tag = epc(1)
        obs = tag_reads(tag, "fr-1", 100, 101.5, p=0.6, rssi=-63, rng=rng)
        obs += tag_reads(tag, "fr-2", 101.5, 103, p=0.6, rssi=-63, rng=rng)
        inside = tag_reads(tag, "fr-3", 103, 400, p=0.1, rssi=-53, rng=rng)
        if phone_from is not None:
            obs += phone(_DEVICE, "fr-3", phone_from, 400, every=1.0)
        (got,) = stays(run(PresenceEngine(layout()), obs + inside, 400), tag)
        assert got.room == "fr-3"
        return got.start, inside[0][0]

    dwell = PresenceParams().entry_dwell_s
    start, first = entered(phone_from=102.0)
    assert start == first
    # Without a phone, or with one in the room since long before (its shopper was not bringing this
    # garment), the read waits for a door further on.
    for phone_from in (None, 60.0):
        start, first = entered(phone_from)
        assert start >= first + dwell


def test_passing_doors_at_a_like_strength_does_not_make_a_stay() -> None:
    rng = random.Random(15)
    tag = epc(1)
    obs: list[tuple[float, Observation]] = []
    for i, room in enumerate(("fr-1", "fr-2", "fr-3", "fr-4")):
        obs += tag_reads(tag, room, 100 + 1.2 * i, 101.5 + 1.2 * i, p=0.7, rssi=-62 + i, rng=rng)
    assert stays(run(PresenceEngine(layout()), obs, 300), tag) == []


def test_a_garment_read_weaker_in_its_room_than_passing_the_doors_enters_once_they_are_behind_it() -> None:
    rng = random.Random(16)
    tag = epc(1)
    # Strong reads passing two doors, then its room reads it steadily but weaker (hung facing away).
    obs = tag_reads(tag, "fr-1", 100, 101.5, p=0.8, rssi=-56, rng=rng, rssi_sd=0.5)
    obs += tag_reads(tag, "fr-2", 101.5, 103, p=0.8, rssi=-56, rng=rng, rssi_sd=0.5)
    obs += tag_reads(tag, "fr-3", 103, 400, p=0.4, rssi=-64, rng=rng, rssi_sd=0.5)
    got = stays(run(PresenceEngine(layout()), obs, 400), tag)
    assert [s.room for s in got] == ["fr-3"]
    assert got[0].start - 103 <= 5


def test_a_garment_that_only_passed_through_a_room_moves_on_as_soon_as_its_room_reads_it() -> None:
    rng = random.Random(17)
    tag = epc(1)
    # Lingering at fr-2's door long enough to be taken as in fr-2, then into fr-3, read there weaker.
    obs = tag_reads(tag, "fr-2", 100, 103, p=0.9, rssi=-50, rng=rng, rssi_sd=0.5)
    obs += tag_reads(tag, "fr-3", 103.5, 400, p=0.4, rssi=-62, rng=rng, rssi_sd=0.5)
    got = stays(run(PresenceEngine(layout()), obs, 400), tag)
    assert got[-1].room == "fr-3" and got[-1].end is None
    assert got[-1].start - 103.5 <= 5


def test_a_strong_read_at_the_first_door_waits_for_the_next_door_before_entering() -> None:
    rng = random.Random(18)
    tag = epc(1)
    obs = _residents(rng)
    # A garment lying well for the antennas, coming in from the shop floor: the first door reads it as
    # strongly as garments inside that room are read; so do the next doors, a moment later.
    for k, room in enumerate(("fr-1", "fr-2", "fr-3")):
        obs += tag_reads(tag, room, 600 + 1.25 * k, 601.75 + 1.25 * k, p=0.8, rssi=-51, rng=rng)
    obs += tag_reads(tag, "fr-4", 603.5, 900, p=0.5, rssi=-52, rng=rng)
    got = stays(run(PresenceEngine(layout()), obs, 900), tag)
    assert [s.room for s in got] == ["fr-4"]


def test_garments_carried_in_with_one_that_entered_enter_with_it_before_their_room_reads_them() -> None:
    rng = random.Random(19)
    anchor, slow = epc(1), epc(2)
    obs = _residents(rng)
    for tag in (anchor, slow):
        obs += _walk(tag, ["fr-1", "fr-2", "fr-3"], 600, rng)
    obs += tag_reads(anchor, "fr-4", 603.75, 900, p=0.6, rssi=-52, rng=rng)
    # Hung facing away: its room does not read it for half a minute.
    obs += tag_reads(slow, "fr-4", 635, 900, p=0.3, rssi=-56, rng=rng)
    events = run(PresenceEngine(layout()), obs, 900)
    (with_it,) = stays(events, slow)
    (first,) = stays(events, anchor)
    assert with_it.room == "fr-4" and with_it.start == first.start and with_it.end is None
    entered = [e for e in events if e.epc == slow and e.type is EventType.ITEM_ENTERED]
    assert entered[0].reason == "convoy"


def test_garments_that_came_into_a_room_with_one_only_passing_its_door_go_on_with_it() -> None:
    # The shopper dawdles at fr-2's door: fr-2 reads one garment over two seconds and takes it, the other
    # with it (convoy). Both go on into fr-3, which reads the other just once, no stronger than the
    # doors did: on its own it would stay in fr-2 until fr-3 had read it for seconds.
    rng = random.Random(30)
    anchor, mate = epc(1), epc(2)
    obs = _residents(rng)
    obs += _walk(anchor, ["fr-1"], 600, rng)
    obs += tag_reads(anchor, "fr-2", 601.25, 604.0, p=0.8, rssi=-60, rng=rng)
    obs += tag_reads(anchor, "fr-3", 604.0, 900, p=0.6, rssi=-52, rng=rng)
    obs += [one_read(mate, "fr-1", 600.3, -63.0), one_read(mate, "fr-3", 604.3, -60.0)]
    obs += [one_read(mate, "fr-2", t, -60.0) for t in (601.4, 602.1, 602.9)]
    obs += tag_reads(mate, "fr-3", 615, 900, p=0.3, rssi=-56, rng=rng)
    events = run(PresenceEngine(layout()), obs, 900)
    assert stays(events, mate) == stays(events, anchor)
    assert [s.room for s in stays(events, anchor)] == ["fr-2", "fr-3"]


def test_a_garment_read_once_at_each_door_as_another_passes_it_follows_that_one_in() -> None:
    # Carried together: each door reads the anchor all the while it passes, but the other garment only
    # once, as it comes by. Their last reads at a door are a second or more apart, yet each door read
    # both at once: they came along together.
    rng = random.Random(22)
    anchor, slow = epc(1), epc(2)
    obs = _residents(rng)
    obs += _walk(anchor, ["fr-1", "fr-2", "fr-3"], 600, rng)
    obs += tag_reads(anchor, "fr-4", 603.75, 900, p=0.6, rssi=-52, rng=rng)
    for t, room in ((600.1, "fr-1"), (601.3, "fr-2"), (602.55, "fr-3")):
        obs.append(one_read(slow, room, t, -63.0))
    obs += tag_reads(slow, "fr-4", 625, 900, p=0.3, rssi=-56, rng=rng)
    events = run(PresenceEngine(layout()), obs, 900)
    _came_in_with(events, slow, anchor, "fr-4")


def test_a_garment_carried_out_of_a_room_past_a_newcomer_does_not_follow_it_in() -> None:
    # A garment is carried out of fr-3 towards the shop floor while another is carried in to fr-4:
    # they cross between fr-1's and fr-2's doors, each read by both doors at about the same moments.
    rng = random.Random(24)
    anchor, leaving = epc(1), epc(2)
    obs = _residents(rng)
    obs += tag_reads(leaving, "fr-3", 300, 597, p=0.6, rssi=-53, rng=rng)
    obs += tag_reads(leaving, "fr-2", 600.0, 600.5, p=1.0, rssi=-63, rng=rng)
    obs += tag_reads(leaving, "fr-1", 601.0, 601.5, p=1.0, rssi=-63, rng=rng)
    obs += tag_reads(anchor, "fr-1", 600.2, 601.7, p=1.0, rssi=-63, rng=rng)
    obs += tag_reads(anchor, "fr-2", 601.0, 602.7, p=1.0, rssi=-63, rng=rng)
    obs += tag_reads(anchor, "fr-3", 602.3, 603.9, p=1.0, rssi=-63, rng=rng)
    obs += tag_reads(anchor, "fr-4", 603.9, 900, p=0.6, rssi=-52, rng=rng)
    events = run(PresenceEngine(layout()), obs, 900)
    assert [s.room for s in stays(events, anchor)] == ["fr-4"]
    assert [s.room for s in stays(events, leaving)] == ["fr-3"]


def test_a_garment_walking_the_other_way_is_not_taken_for_one_carried_in_with_a_newcomer() -> None:
    # A go-back is walked from the back of the corridor to the shop floor as a shopper walks in to fr-4:
    # near the entrance the two are read by fr-1 and fr-2 at the same moments, but fr-3 read the go-back
    # seconds before the shopper got there: it was going the other way.
    rng = random.Random(31)
    anchor, passing = epc(1), epc(2)
    obs = _residents(rng)
    way_in = [("fr-1", 600.0), ("fr-2", 600.1), ("fr-1", 600.5), ("fr-2", 601.0), ("fr-2", 601.8)]
    way_in += [("fr-3", 602.5), ("fr-3", 603.2), ("fr-3", 604.0)]
    obs += [one_read(anchor, room, t, -63.0) for room, t in way_in]
    obs += tag_reads(anchor, "fr-4", 603.75, 900, p=0.6, rssi=-52, rng=rng)
    way_out = [("fr-4", 596.0), ("fr-4", 596.8), ("fr-3", 597.0), ("fr-3", 597.6)]
    way_out += [("fr-2", 599.5), ("fr-2", 600.1), ("fr-1", 600.6), ("fr-1", 601.2)]
    obs += [one_read(passing, room, t, -63.0) for room, t in way_out]
    events = run(PresenceEngine(layout()), obs, 900)
    assert [s.room for s in stays(events, anchor)] == ["fr-4"]
    assert stays(events, passing) == []


def test_a_garment_carried_out_makes_no_stay_at_a_door_it_lingers_by_on_its_way() -> None:
    # Carried out of fr-4 towards the shop floor, it stops a moment at fr-1's door (read there over two
    # seconds, as a garment inside would be), then goes on, silent. fr-1 is busy with a try-on, whose
    # session would hold a silent garment as worn: only reads since it left fr-4 count for fr-1.
    rng = random.Random(14)
    carried, go_back, other = epc(1), epc(2), epc(3)
    obs = neighbourly_rooms(15)
    obs += tag_reads(go_back, "fr-4", 610, 900, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(other, "fr-1", 610, 900, p=0.5, rssi=-54, rng=rng)
    doors = [("fr-3", 1.0, 2.5, -58.0), ("fr-2", 2.3, 3.8, -58.0), ("fr-1", 3.6, 6.0, -60.0)]
    _, way = carried_out(carried, "fr-4", 610, 700, doors, p=0.5, rng=rng)
    events = run(PresenceEngine(layout()), obs + way, 900)
    assert [s.room for s in stays(events, carried)] == ["fr-4"]


def test_a_garment_read_with_another_at_one_door_only_does_not_follow_it_in() -> None:
    rng = random.Random(20)
    anchor, stranger = epc(1), epc(2)
    obs = _residents(rng)
    obs += _walk(anchor, ["fr-1", "fr-2", "fr-3"], 600, rng)
    obs += tag_reads(anchor, "fr-4", 603.75, 900, p=0.6, rssi=-52, rng=rng)
    # Another shopper's garment, read at one of those doors at the same moment, then never again.
    obs += tag_reads(stranger, "fr-2", 601.25, 602.5, p=0.8, rssi=-63, rng=rng)
    events = run(PresenceEngine(layout()), obs, 900)
    assert stays(events, stranger) == []


def test_garments_brought_from_the_floor_into_the_first_room_come_in_together() -> None:
    rng = random.Random(21)
    anchor, slow = epc(1), epc(2)
    obs = _residents(rng)
    # Straight from the shop floor into fr-1: no door before it; both are read at its door as they come
    # in, then only the one hung facing the antenna is read inside for a while.
    for tag in (anchor, slow):
        obs += tag_reads(tag, "fr-1", 600, 600.5, p=1.0, rssi=-62, rng=rng, rssi_sd=0.5)
    obs += tag_reads(anchor, "fr-1", 601, 900, p=0.6, rssi=-52, rng=rng)
    obs += tag_reads(slow, "fr-1", 640, 900, p=0.3, rssi=-56, rng=rng)
    events = run(PresenceEngine(layout()), obs, 900)
    _came_in_with(events, slow, anchor, "fr-1")


def test_a_door_that_read_a_garment_loud_then_faintly_as_the_next_room_took_over_does_not_take_it() -> None:
    # Carried past fr-1's door (loud, within a second) into fr-2, whose antenna reads it about as loud
    # at first, then steadily a little weaker; fr-1 still picks it up faintly now and then. It went on.
    rng = random.Random(23)
    tag = epc(1)
    obs = _residents(rng)
    obs += tag_reads(tag, "fr-1", 699.5, 700.6, p=1.0, rssi=-53, rng=rng, rssi_sd=1.0)
    obs += tag_reads(tag, "fr-2", 701.1, 701.2, p=1.0, rssi=-56, rng=rng, rssi_sd=0.1)
    obs += tag_reads(tag, "fr-2", 701.8, 900, p=0.5, rssi=-62, rng=rng, rssi_sd=1.5)
    obs += tag_reads(tag, "fr-1", 701.9, 703.0, p=0.5, rssi=-80, rng=rng, rssi_sd=1.0)
    events = run(PresenceEngine(layout()), obs, 900)
    got = stays(events, tag)
    assert [s.room for s in got] == ["fr-2"]
    assert got[0].start - 701 <= 5
