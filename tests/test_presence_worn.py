"""Worn garments go almost silent: session context decides between worn and gone."""

from __future__ import annotations

import random

from edge.presence import EventType, PresenceEngine, PresenceEvent
from edge.reads import AntennaStatus, Observation
from tests.presence_support import (
    carried_out,
    epc,
    events_of,
    layout,
    neighbourly_rooms,
    phone,
    run,
    stays,
    tag_reads,
)


def _room_with(
    tags: list[str], room: str, t0: float, t1: float, rng: random.Random
) -> list[tuple[float, Observation]]:
    obs: list[tuple[float, Observation]] = []
    for tag in tags:
        obs += tag_reads(tag, room, t0, t1, p=0.5, rssi=-54, rng=rng)
    return obs


def _taken_and_left(
    room: str, until: float, rng: random.Random
) -> tuple[str, str, list[tuple[float, Observation]]]:
    """Two garments in ``room``: one read steadily until ``until`` (then carried out, or put on), one
    left behind and read to the end (600 s)."""
    carried, go_back = epc(1), epc(2)
    obs = tag_reads(go_back, room, 10, 600, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(carried, room, 10, until, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    return carried, go_back, obs


def _why_left(events: list[PresenceEvent], tag: str) -> list[str | None]:
    return [e.reason for e in events if e.epc == tag and e.type is EventType.ITEM_LEFT]


def _left_soon(
    events: list[PresenceEvent],
    gone: str,
    stayed: str,
    silent_at: float,
    within: float,
    why: str | None = None,
) -> None:
    """``gone`` had one stay, which ended within ``within`` s of ``silent_at`` (for ``why``, when given;
    not the 150 s a worn garment is given); ``stayed`` is still in its room."""
    (stay,) = stays(events, gone)
    assert stay.end is not None and stay.end - silent_at < within
    if why is not None:
        assert _why_left(events, gone) == [why]
    assert stays(events, stayed)[0].end is None


def test_a_silent_item_is_held_while_the_others_in_its_room_are_still_read() -> None:
    rng = random.Random(1)
    worn, a, b = epc(1), epc(2), epc(3)
    obs = _room_with([a, b], "fr-3", 10, 600, rng)
    obs += tag_reads(worn, "fr-3", 10, 300, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(worn, "fr-3", 300, 410, p=0.5 * 0.015, rssi=-66, rng=rng)  # on the body
    obs += tag_reads(worn, "fr-3", 410, 600, p=0.5, rssi=-54, rng=rng)
    events = run(PresenceEngine(layout()), obs, 600)
    assert [(s.room, s.end) for s in stays(events, worn)] == [("fr-3", None)]


def test_items_falling_silent_together_with_the_whole_room_leave_promptly() -> None:
    rng = random.Random(2)
    tags = [epc(1), epc(2), epc(3)]
    obs = _room_with(tags, "fr-3", 10, 300, rng)
    obs += _room_with([epc(9)], "fr-1", 10, 400, rng)  # the same reader goes on reading next door
    events = run(PresenceEngine(layout()), obs, 400)
    for tag in tags:
        (stay,) = stays(events, tag)
        assert stay.end is not None and 300 < stay.end <= 312


def test_a_pile_falling_silent_with_its_reader_is_not_taken_as_carried_out_before_its_will() -> None:
    # Nothing else on that reader is read either: the reader may have died (its last will comes once
    # the broker's keep-alive lapses), so the pile is kept while the will is awaited.
    rng = random.Random(2)
    tags = [epc(1), epc(2), epc(3)]
    events = run(PresenceEngine(layout()), _room_with(tags, "fr-3", 10, 300, rng), 400)
    hold = layout().presence.reader_stall_hold_s
    for tag in tags:
        (stay,) = stays(events, tag)
        assert stay.end is not None and 300 + hold - 2 <= stay.end <= 300 + hold + 12


def test_a_shopper_seen_in_the_room_keeps_a_lone_silent_item() -> None:
    rng = random.Random(3)
    worn = epc(1)
    obs = tag_reads(worn, "fr-3", 10, 200, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(worn, "fr-3", 335, 500, p=0.5, rssi=-54, rng=rng)  # silent longer than the lone hold
    with_phone = obs + phone("iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-1", "fr-3", 5, 500)
    assert [s.room for s in stays(run(PresenceEngine(layout()), with_phone, 500), worn)] == ["fr-3"]
    # Without anyone seen there, a silent lone item is taken to have gone (and comes back later).
    assert len(stays(run(PresenceEngine(layout()), obs, 500), worn)) == 2


def test_an_item_read_elsewhere_while_silent_at_home_leaves_without_the_worn_hold() -> None:
    rng = random.Random(4)
    carried, stays_behind = epc(1), epc(2)
    obs = tag_reads(stays_behind, "fr-4", 10, 600, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(carried, "fr-4", 10, 300, p=0.5, rssi=-54, rng=rng)
    # Carried out along the corridor: the neighbours' antennas read it in passing.
    obs += tag_reads(carried, "fr-3", 301.2, 302.7, p=0.8, rssi=-60, rng=rng)
    obs += tag_reads(carried, "fr-2", 302.5, 304.0, p=0.8, rssi=-60, rng=rng)
    events = run(PresenceEngine(layout()), obs, 600)
    (stay,) = stays(events, carried)
    assert stay.room == "fr-4" and stay.end is not None and stay.end - 300 < 40
    assert stays(events, stays_behind)[0].end is None


def test_items_silent_when_their_shopper_walks_out_leave_with_them() -> None:
    rng = random.Random(5)
    taken, go_back = epc(1), epc(2)
    device = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-2"
    obs = tag_reads(go_back, "fr-4", 10, 800, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(taken, "fr-4", 10, 400, p=0.5, rssi=-54, rng=rng)
    obs += phone(device, "fr-4", 5, 400)
    events = run(PresenceEngine(layout()), obs, 800)
    left = [e for e in events_of(events, EventType.SHOPPER_LEFT) if e.device == device]
    assert left and left[0].t < 440
    _left_soon(events, taken, go_back, 400, 60)


def test_a_garment_read_ever_weaker_then_silent_was_carried_out_not_put_on() -> None:
    carried, go_back, obs = _taken_and_left("fr-1", 300, random.Random(6))
    rng = random.Random(60)
    # Through the door on its way out (no other room's antenna on the way): far weaker, then nothing.
    obs += tag_reads(carried, "fr-1", 300, 300.9, p=0.9, rssi=-64, rng=rng, rssi_sd=0.5)
    events = run(PresenceEngine(layout()), obs, 600)
    _left_soon(events, carried, go_back, 301, 30)


def test_a_lone_garment_that_goes_quiet_abruptly_is_held_as_if_tried_on() -> None:
    rng = random.Random(7)
    worn = epc(1)
    obs = tag_reads(worn, "fr-3", 10, 200, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += tag_reads(worn, "fr-3", 245, 400, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)  # taken off again
    events = run(PresenceEngine(layout()), obs, 400)
    assert [(s.room, s.end) for s in stays(events, worn)] == [("fr-3", None)]
    # With the hold switched off, the same silence is a departure and a return: two stays.
    no_hold = PresenceEngine(layout({"unexplained_hold_s": 0}))
    assert len(stays(run(no_hold, obs, 400), worn)) == 2


def test_a_worn_garments_faint_cross_reads_do_not_count_as_alive_elsewhere() -> None:
    rng = random.Random(8)
    worn, other = epc(1), epc(2)
    obs = _room_with([other], "fr-3", 10, 600, rng)
    obs += tag_reads(worn, "fr-3", 10, 300, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    # On the body: home reads it now and then, far weaker; so does a neighbour, weaker still. Compared
    # with its usual RSSI at home (not with the faint worn reads) those are no unshielded reads.
    obs += [(t, o) for t, o in tag_reads(worn, "fr-3", 300, 410, p=0.02, rssi=-66, rng=rng) if t > 330]
    obs += tag_reads(worn, "fr-4", 330, 410, p=0.03, rssi=-76, rng=rng)
    obs += tag_reads(worn, "fr-3", 410, 600, p=0.5, rssi=-54, rng=rng)
    events = run(PresenceEngine(layout()), obs, 600)
    assert [(s.room, s.end) for s in stays(events, worn)] == [("fr-3", None)]


def test_a_garment_fading_out_with_a_second_unread_then_read_next_door_was_carried_out() -> None:
    carried, go_back, obs = _taken_and_left("fr-4", 299.9, random.Random(9))
    rng = random.Random(90)
    # One second unread (de-duplicating readers report a second late or not at all), then one far
    # weaker read at the door, then the next room along the corridor reads it in passing.
    obs += tag_reads(carried, "fr-4", 301.2, 301.5, p=1.0, rssi=-66, rng=rng, rssi_sd=0.1)
    obs += tag_reads(carried, "fr-3", 302.6, 302.9, p=1.0, rssi=-60, rng=rng, rssi_sd=0.1)
    events = run(PresenceEngine(layout()), obs, 600)
    _left_soon(events, carried, go_back, 302, 30)


def test_a_garment_whose_last_report_tails_off_within_a_second_was_carried_out() -> None:
    # Every air read reported (no de-duplication): in its last second home reads it at full strength,
    # then once far weaker through the door, then never again. A per-second peak would hide the fade.
    carried, go_back, obs = _taken_and_left("fr-1", 300, random.Random(10))
    rng = random.Random(100)
    obs += tag_reads(carried, "fr-1", 300, 300.5, p=1.0, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += tag_reads(carried, "fr-1", 300.6, 300.8, p=1.0, rssi=-63, rng=rng, rssi_sd=0.1)
    events = run(PresenceEngine(layout()), obs, 600)
    _left_soon(events, carried, go_back, 301, 30, "faded")


def test_a_garment_read_in_turn_by_two_rooms_that_never_read_it_at_home_was_carried_along() -> None:
    carried, go_back, obs = _taken_and_left("fr-5", 300, random.Random(11))
    rng = random.Random(110)
    # Rooms further along the corridor read it once each, weakly (as a worn garment's cross-reads would
    # be): they never read it while it hung in fr-5, so it is on the move.
    obs += tag_reads(carried, "fr-3", 301.6, 301.8, p=1.0, rssi=-72, rng=rng, rssi_sd=0.1)
    obs += tag_reads(carried, "fr-2", 302.9, 303.1, p=1.0, rssi=-72, rng=rng, rssi_sd=0.1)
    events = run(PresenceEngine(layout()), obs, 600)
    _left_soon(events, carried, go_back, 300, 30, "trail")


def test_a_shopper_leaving_long_after_a_garment_went_quiet_does_not_take_it_along() -> None:
    # The garment went on at 300 and is still being worn when the shopper's phone, in the room all
    # along, walks out at 360 (another shopper of the same session stays with the garment).
    rng = random.Random(12)
    worn, other = epc(1), epc(2)
    leaving = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-3"
    staying = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-4"
    obs = tag_reads(other, "fr-4", 10, 600, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(worn, "fr-4", 10, 300, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += tag_reads(worn, "fr-4", 410, 600, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += phone(leaving, "fr-4", 5, 360) + phone(staying, "fr-4", 6, 600)
    events = run(PresenceEngine(layout()), obs, 600)
    assert [(s.room, s.end) for s in stays(events, worn)] == [("fr-4", None)]


def test_several_garments_falling_silent_at_once_leave_together_though_others_stay() -> None:
    rng = random.Random(13)
    carried = [epc(1), epc(2), epc(3)]
    go_back = epc(4)
    obs = tag_reads(go_back, "fr-3", 10, 600, p=0.5, rssi=-54, rng=rng)
    for tag in carried:
        obs += tag_reads(tag, "fr-3", 10, 300, p=0.7, rssi=-54, rng=rng, rssi_sd=0.5)
    events = run(PresenceEngine(layout()), obs, 600)
    for tag in carried:
        (stay,) = stays(events, tag)
        assert stay.end is not None and stay.end - 300 < 30  # a body shields one outfit, not a pile
    assert stays(events, go_back)[0].end is None


def test_a_garment_read_once_by_a_room_that_never_reads_its_rooms_garments_has_left() -> None:
    # fr-1 reads fr-2's garments, never fr-4's. Silent in fr-4, the garment is read once by fr-1, as
    # loud as at home (unshielded): it is on its way out past the first door, not worn in fr-4.
    rng = random.Random(14)
    carried, go_back = epc(1), epc(2)
    obs = neighbourly_rooms(15)
    obs += tag_reads(go_back, "fr-4", 610, 900, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(carried, "fr-4", 610, 700, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += tag_reads(carried, "fr-1", 706.0, 706.2, p=1.0, rssi=-55, rng=rng, rssi_sd=0.1)
    events = run(PresenceEngine(layout()), obs, 900)
    assert stays(events, carried)[0].room == "fr-4"
    _left_soon(events, carried, go_back, 700, 40, "beyond")


def test_a_garment_read_loud_beyond_its_rooms_neighbours_leaves_at_once_whatever_its_window() -> None:
    # A tag read rarely at home has a long window; carried out, it is read as loud as at home by fr-3,
    # fr-2, then fr-1, which never reads fr-4's garments: alive and past its neighbours, it has gone.
    rng = random.Random(14)
    carried, go_back = epc(1), epc(2)
    obs = neighbourly_rooms(15)
    obs += tag_reads(go_back, "fr-4", 610, 900, p=0.5, rssi=-54, rng=rng)
    doors = [("fr-3", 1.0, 2.5, -58.0), ("fr-2", 2.3, 3.8, -58.0), ("fr-1", 3.6, 5.1, -58.0)]
    last, way = carried_out(carried, "fr-4", 610, 700, doors, p=0.15, rng=rng)
    events = run(PresenceEngine(layout()), obs + way, 900)
    _left_soon(events, carried, go_back, last, 6.0, "beyond")


def test_a_garment_silent_as_its_shopper_walks_out_leaves_though_the_phone_lingers_near_the_door() -> None:
    # The phone is heard loud in fr-1 until 400, then from the floor just outside the door: quieter,
    # but within the node's reach for another 40 s. The shopper left at 400, with the garment.
    rng = random.Random(16)
    taken, go_back = epc(1), epc(2)
    device = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-5"
    obs = tag_reads(go_back, "fr-1", 10, 800, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(taken, "fr-1", 10, 400, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += phone(device, "fr-1", 5, 400, rssi=-63, distance=1.3, every=2.0)
    obs += phone(device, "fr-1", 401, 441, rssi=-75, distance=2.6, every=2.0)
    events = run(PresenceEngine(layout()), obs, 800)
    _left_soon(events, taken, go_back, 400, 60, "with_shopper")


def test_a_garment_read_weaker_then_silent_while_its_shopper_stays_was_put_on() -> None:
    # The same fade as a garment carried out, but the shopper's phone, there since before, stays in the
    # room: the garment went onto the body (its last reads on the way), and is taken off at 420.
    carried, _, obs = _taken_and_left("fr-1", 300, random.Random(6))
    rng = random.Random(60)
    obs += tag_reads(carried, "fr-1", 300, 300.9, p=0.9, rssi=-64, rng=rng, rssi_sd=0.5)
    obs += tag_reads(carried, "fr-1", 420, 600, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += phone("iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-6", "fr-1", 5, 600)
    events = run(PresenceEngine(layout()), obs, 600)
    assert [(s.room, s.end) for s in stays(events, carried)] == [("fr-1", None)]


def _next_shopper(
    silent_at: float, arrive: float, garments: int, rng: random.Random
) -> tuple[str, str, list[str], list[tuple[float, Observation]]]:
    """fr-3: a garment read until ``silent_at`` and a go-back read to the end (600 s); then ``garments``
    more brought in from the floor at ``arrive`` and read to the end."""
    carried, go_back, obs = _taken_and_left("fr-3", silent_at, rng)
    brought = [epc(10 + i) for i in range(garments)]
    obs += _room_with(brought, "fr-3", arrive, 600, rng)
    return carried, go_back, brought, obs


def test_a_silent_garment_leaves_once_the_next_shoppers_garments_are_brought_in() -> None:
    # The shopper walked out at 300 with a garment, leaving a go-back that is still read; at 330 the
    # next shopper brings two garments in. One shopper at a time: the first one's garment went with them.
    carried, go_back, brought, obs = _next_shopper(300, 330, 2, random.Random(21))
    events = run(PresenceEngine(layout()), obs, 600)
    _left_soon(events, carried, go_back, 300, 60, "next_shopper")
    for tag in brought:
        assert [(s.room, s.end) for s in stays(events, tag)] == [("fr-3", None)]


def test_a_garment_brought_to_a_shopper_wearing_another_does_not_end_the_try_on() -> None:
    # One garment brought in (an associate with another size) while the silent one is on the body; it
    # is taken off at 420.
    carried, _, _, obs = _next_shopper(300, 330, 1, random.Random(22))
    obs += tag_reads(carried, "fr-3", 420, 600, p=0.5, rssi=-54, rng=random.Random(23), rssi_sd=0.5)
    events = run(PresenceEngine(layout()), obs, 600)
    assert [(s.room, s.end) for s in stays(events, carried)] == [("fr-3", None)]


def test_garments_brought_in_while_the_shopper_is_still_there_do_not_end_the_try_on() -> None:
    # Two garments brought in, but the phone of the shopper wearing the silent one stays in the room.
    carried, _, _, obs = _next_shopper(300, 330, 2, random.Random(24))
    obs += tag_reads(carried, "fr-3", 420, 600, p=0.5, rssi=-54, rng=random.Random(25), rssi_sd=0.5)
    obs += phone("iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-7", "fr-3", 5, 600)
    events = run(PresenceEngine(layout()), obs, 600)
    assert [(s.room, s.end) for s in stays(events, carried)] == [("fr-3", None)]


def test_the_next_shoppers_phone_does_not_hold_the_last_shoppers_garment() -> None:
    # The next shopper comes in right after, at 302, with two garments and a phone: it is theirs, not
    # the wearer's, though it is heard in the room moments after the garment fell silent.
    carried, go_back, _, obs = _next_shopper(300, 302, 2, random.Random(26))
    obs += phone("iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-8", "fr-3", 302, 600, every=1.0)
    events = run(PresenceEngine(layout()), obs, 600)
    _left_soon(events, carried, go_back, 300, 60, "next_shopper")


def test_garments_the_shopper_carried_out_and_back_in_are_not_the_next_shoppers() -> None:
    # fr-3: one garment is put on at 300 (taken off at 420) while the go-back stays read. Two others
    # were carried out at 250, past fr-2 and fr-1 (they left), and are brought back in at 320.
    rng = random.Random(31)
    worn, go_back, back = epc(1), epc(2), [epc(3), epc(4)]
    obs = tag_reads(go_back, "fr-3", 10, 600, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(worn, "fr-3", 10, 300, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += tag_reads(worn, "fr-3", 420, 600, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    for tag in back:
        obs += tag_reads(tag, "fr-3", 10, 250, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
        for room, t in (("fr-2", 251.0), ("fr-1", 252.5), ("fr-1", 318.0), ("fr-2", 319.5)):
            obs += tag_reads(tag, room, t, t + 1, p=0.9, rssi=-60, rng=rng)
        obs += tag_reads(tag, "fr-3", 321, 600, p=0.5, rssi=-54, rng=rng)
    events = run(PresenceEngine(layout()), obs, 600)
    for tag in back:
        assert [s.room for s in stays(events, tag)] == ["fr-3", "fr-3"]  # out, and back in
    assert [(s.room, s.end) for s in stays(events, worn)] == [("fr-3", None)]


def test_garments_that_came_in_beside_a_blind_room_are_not_taken_for_the_next_shopper() -> None:
    # fr-3's antenna is down from 600. In fr-4, next door, a garment is put on at 700 (taken off at
    # 820) while the go-back stays read; two garments are read in fr-4 from 720. With fr-3 blind they
    # may be fr-3's, read through the wall: they say nothing about who is in fr-4.
    rng = random.Random(32)
    worn, go_back, brought = epc(1), epc(2), [epc(3), epc(4)]
    obs = neighbourly_rooms(33, blind="fr-3")
    obs.append((600.0, AntennaStatus("impinj-a", 3, "fr-3", False)))
    obs += tag_reads(go_back, "fr-4", 610, 900, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(worn, "fr-4", 610, 700, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += tag_reads(worn, "fr-4", 820, 900, p=0.5, rssi=-54, rng=rng, rssi_sd=0.5)
    obs += _room_with(brought, "fr-4", 720, 900, rng)
    events = run(PresenceEngine(layout()), obs, 900)
    assert all(stays(events, tag)[0].room == "fr-4" for tag in brought)
    assert [(s.room, s.end) for s in stays(events, worn)] == [("fr-4", None)]
