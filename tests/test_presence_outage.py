"""Antenna and reader outages: a room nobody can see is unknown, never empty."""

from __future__ import annotations

import random

from edge.presence import EventType, PresenceEngine
from edge.reads import AntennaStatus, Observation, ReaderStatus, TagRead
from tests.presence_support import (
    epc,
    events_of,
    layout,
    neighbourly_rooms,
    one_read,
    phone,
    run,
    stays,
    tag_reads,
)


def _room(
    tags: list[str], room: str, spans: list[tuple[float, float]], seed: int
) -> list[tuple[float, Observation]]:
    rng = random.Random(seed)
    obs: list[tuple[float, Observation]] = []
    for tag in tags:
        for t0, t1 in spans:
            obs += tag_reads(tag, room, t0, t1, p=0.5, rssi=-54, rng=rng)
    return obs


def test_a_disconnected_antenna_makes_its_room_unknown_and_keeps_what_was_in_it() -> None:
    tags = [epc(1), epc(2)]
    engine = PresenceEngine(layout())
    obs = _room(tags, "fr-2", [(10, 300), (420, 600)], seed=31)
    obs += [
        (300.0, AntennaStatus("impinj-a", 2, "fr-2", False)),
        (420.0, AntennaStatus("impinj-a", 2, "fr-2", True)),
    ]
    events = run(engine, [o for o in obs if o[0] < 400], 400)
    assert [(e.type, e.room) for e in events if e.epc is None] == [(EventType.ROOM_UNKNOWN, "fr-2")]
    room = engine.snapshot()["fr-2"]
    assert room.covered is False and not engine.room_covered("fr-2")
    assert sorted(i.epc for i in room.items) == sorted(tags)
    assert events_of(events, EventType.ITEM_LEFT) == []
    later = run(engine, [o for o in obs if o[0] >= 400], 600, start=400.5)
    assert [(e.type, e.room) for e in later] == [(EventType.ROOM_KNOWN, "fr-2")]
    assert engine.snapshot()["fr-2"].covered is True


def test_garments_gone_during_an_outage_leave_once_the_antenna_is_back() -> None:
    stayed, gone = epc(1), epc(2)
    obs = _room([stayed], "fr-2", [(10, 300), (420, 600)], seed=32)
    obs += _room([gone], "fr-4", [(10, 300)], seed=33)
    for port, room in ((2, "fr-2"), (4, "fr-4")):
        obs += [
            (300.0, AntennaStatus("impinj-a", port, room, False)),
            (420.0, AntennaStatus("impinj-a", port, room, True)),
        ]
    events = run(PresenceEngine(layout()), obs, 600)
    assert stays(events, stayed)[0].end is None
    (stay,) = stays(events, gone)
    assert stay.end is not None and 420 < stay.end <= 420 + 31


def test_a_readers_last_will_makes_every_room_it_covers_unknown() -> None:
    engine = PresenceEngine(layout())
    obs = _room([epc(1)], "fr-1", [(10, 300)], seed=34) + _room([epc(2)], "fr-3", [(10, 300)], seed=35)
    obs.append((309.0, ReaderStatus("impinj-a", False)))
    events = run(engine, obs, 500)
    unknown = {e.room for e in events_of(events, EventType.ROOM_UNKNOWN)}
    assert unknown == {"fr-1", "fr-2", "fr-3", "fr-4"}
    assert events_of(events, EventType.ITEM_LEFT) == []
    snap = engine.snapshot()
    assert [i.epc for i in snap["fr-1"].items] == [epc(1)] and [i.epc for i in snap["fr-3"].items] == [epc(2)]
    assert snap["fr-5"].covered is True


def test_a_reader_falling_silent_in_all_its_rooms_at_once_loses_nothing_before_its_will() -> None:
    # The broker publishes the will only when the keep-alive lapses: seconds of silence come first.
    obs = _room([epc(1), epc(2)], "fr-1", [(10, 300)], seed=36)
    obs += _room([epc(3)], "fr-3", [(10, 300)], seed=37)
    obs.append((314.0, ReaderStatus("impinj-a", False)))
    events = run(PresenceEngine(layout()), obs, 500)
    assert events_of(events, EventType.ITEM_LEFT) == []


def test_a_reader_coming_back_makes_its_rooms_known_again() -> None:
    engine = PresenceEngine(layout())
    obs = _room([epc(1)], "fr-1", [(10, 300), (355.2, 500)], seed=38)
    obs += [(300.2, ReaderStatus("impinj-a", False)), (355.0, ReaderStatus("impinj-a", True))]
    events = run(engine, obs, 500)
    known = {e.room for e in events_of(events, EventType.ROOM_KNOWN)}
    assert known == {"fr-1", "fr-2", "fr-3", "fr-4"}
    assert [(s.room, s.end) for s in stays(events, epc(1))] == [("fr-1", None)]


def test_neighbours_cross_reads_during_an_outage_do_not_move_garments() -> None:
    rng = random.Random(39)
    tag = epc(1)
    obs = tag_reads(tag, "fr-2", 10, 300, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(tag, "fr-1", 10, 600, p=0.15, rssi=-67, rng=rng)
    obs += tag_reads(tag, "fr-3", 10, 600, p=0.15, rssi=-68, rng=rng)
    obs.append((300.0, AntennaStatus("impinj-a", 2, "fr-2", False)))
    events = run(PresenceEngine(layout()), obs, 600)
    assert [(s.room, s.end) for s in stays(events, tag)] == [("fr-2", None)]


def test_time_a_room_was_blind_counts_towards_a_silent_garments_try_on_hold() -> None:
    # The garment left with its shopper while the antenna was down (300-420 s); the one left behind is
    # read again once it is back, so the gone one is held as if worn, but its try-on hold runs from its
    # last real read, not from when the room could be seen again.
    stayed, gone = epc(1), epc(2)
    obs = _room([stayed], "fr-2", [(10, 300), (420, 700)], seed=41)
    obs += _room([gone], "fr-2", [(10, 300)], seed=42)
    obs += [
        (300.0, AntennaStatus("impinj-a", 2, "fr-2", False)),
        (420.0, AntennaStatus("impinj-a", 2, "fr-2", True)),
    ]
    engine = PresenceEngine(layout())
    events = run(engine, obs, 700)
    assert stays(events, stayed)[0].end is None
    (stay,) = stays(events, gone)
    worn_hold = layout().presence.worn_hold_s
    assert stay.end is not None and 420 < stay.end <= 300 + worn_hold + 5


def _shopper_and_outage(phone_until: float) -> tuple[str, str, list[tuple[float, Observation]]]:
    """A shopper (with the app) and two garments in fr-2 from 10 s; the antenna is down 300-360. One
    garment is read again once it is back; the other is not. The phone is heard there until
    ``phone_until``."""
    stayed, gone = epc(1), epc(2)
    obs = _room([stayed], "fr-2", [(10, 300), (360, 700)], seed=61)
    obs += _room([gone], "fr-2", [(10, 300)], seed=62)
    obs += [
        (300.0, AntennaStatus("impinj-a", 2, "fr-2", False)),
        (360.0, AntennaStatus("impinj-a", 2, "fr-2", True)),
    ]
    obs += phone("iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-7", "fr-2", 5, phone_until, every=2.0)
    return stayed, gone, obs


def test_a_garment_unread_since_an_outage_in_which_its_shopper_left_went_with_them() -> None:
    # The shopper walked out at 330, while the room was blind; the garment they had with them is not
    # read once the room is back: it left with them, and is not held as if worn.
    stayed, gone, obs = _shopper_and_outage(330)
    events = run(PresenceEngine(layout()), obs, 700)
    assert stays(events, stayed)[0].end is None
    (stay,) = stays(events, gone)
    assert stay.end is not None and 360 < stay.end <= 360 + 30
    assert [e.reason for e in events_of(events, EventType.ITEM_LEFT) if e.epc == gone] == ["with_shopper"]
    # The shopper still there once the room is back: the silent garment may be on them, and is held as
    # a worn one is, from its last read.
    stayed, gone, obs = _shopper_and_outage(700)
    (stay,) = stays(run(PresenceEngine(layout()), obs, 700), gone)
    assert stay.end is not None and stay.end >= 300 + layout().presence.worn_hold_s - 5


def test_a_garment_worn_through_a_short_outage_is_kept_until_taken_off() -> None:
    # Put on just before a 30 s outage and taken off 100 s after its last read: the whole try-on is
    # within its hold, counted from that read, while the garment left out keeps the session going.
    worn, other = epc(1), epc(2)
    obs = _room([other], "fr-2", [(10, 300), (330, 600)], seed=45)
    obs += _room([worn], "fr-2", [(10, 290), (390, 600)], seed=46)
    obs += [
        (300.0, AntennaStatus("impinj-a", 2, "fr-2", False)),
        (330.0, AntennaStatus("impinj-a", 2, "fr-2", True)),
    ]
    events = run(PresenceEngine(layout()), obs, 600)
    assert [s.end for s in stays(events, worn)] == [None]


def test_garments_unread_since_an_outage_do_not_hold_each_other_as_a_session() -> None:
    # Both carried out while the room was blind: neither one's restarted silence counts as the other's
    # session still being read, so both leave about a window after the room is back.
    tags = [epc(1), epc(2)]
    obs = _room(tags, "fr-2", [(10, 300)], seed=43)
    obs += [
        (300.0, AntennaStatus("impinj-a", 2, "fr-2", False)),
        (420.0, AntennaStatus("impinj-a", 2, "fr-2", True)),
    ]
    events = run(PresenceEngine(layout()), obs, 700)
    for tag in tags:
        (stay,) = stays(events, tag)
        assert stay.end is not None and 420 < stay.end <= 420 + 31


def _fr3_blind(seed: int, back: float | None = None) -> list[tuple[float, Observation]]:
    """``neighbourly_rooms(seed)`` with fr-3's antenna down from 600 (and up again at ``back``)."""
    obs = neighbourly_rooms(seed, blind="fr-3")
    obs.append((600.0, AntennaStatus("impinj-a", 3, "fr-3", False)))
    if back is not None:
        obs.append((back, AntennaStatus("impinj-a", 3, "fr-3", True)))
    return obs


def _in_blind_fr3(seed: int, p: float, rssi: tuple[float, float]) -> list[tuple[float, Observation]]:
    """fr-3's antenna goes down at 600; from 610 a garment (epc 1) is read by fr-2 and fr-4 only, with
    probability ``p`` per round, at ``rssi`` (fr-2's, fr-4's)."""
    rng = random.Random(seed)
    obs = _fr3_blind(seed + 1)
    obs += tag_reads(epc(1), "fr-2", 610, 900, p=p, rssi=rssi[0], rng=rng)
    obs += tag_reads(epc(1), "fr-4", 610, 900, p=p, rssi=rssi[1], rng=rng)
    return obs


def test_a_garment_read_only_at_cross_read_strength_beside_a_blind_room_is_not_taken_next_door() -> None:
    # fr-3's antenna is down; a garment brought into fr-3 is read only by its neighbours, as they read
    # garments next door: neither of them takes it; both at once place it in fr-3, between them.
    tag = epc(1)
    obs = _in_blind_fr3(47, 0.15, (-66, -67))
    (stay,) = stays(run(PresenceEngine(layout()), obs, 900), tag)
    assert stay.room == "fr-3" and 610 < stay.start <= 640
    # With every antenna up, a garment read by one room alone, however weakly, is in that room.
    up = [o for o in obs if not isinstance(o[1], AntennaStatus)]
    alone = [o for o in up if not (isinstance(o[1], TagRead) and o[1].epc == tag and o[1].room_id == "fr-4")]
    assert [s.room for s in stays(run(PresenceEngine(layout()), alone, 900), tag)] == ["fr-2"]


def test_a_garment_in_a_blind_room_moves_out_only_on_an_in_room_read_elsewhere() -> None:
    rng = random.Random(49)
    tag = epc(1)
    obs = neighbourly_rooms(50, blind="fr-3")
    obs += tag_reads(tag, "fr-3", 400, 600, p=0.6, rssi=-53, rng=rng)
    obs.append((600.0, AntennaStatus("impinj-a", 3, "fr-3", False)))
    # Worn in the blind room: its neighbour reads it now and then, faintly.
    obs += tag_reads(tag, "fr-2", 600, 700, p=0.05, rssi=-70, rng=rng)
    # Then carried into fr-2 and read there as garments inside it are.
    obs += tag_reads(tag, "fr-2", 700, 900, p=0.6, rssi=-53, rng=rng)
    got = stays(run(PresenceEngine(layout()), obs, 900), tag)
    assert [s.room for s in got] == ["fr-3", "fr-2"]
    # Cautiously: its earlier faint reads there weigh until fr-2 has read it in-room for a while.
    assert 700 <= got[1].start <= 760


def test_a_garment_read_by_both_neighbours_of_a_blind_room_is_in_neither_but_between() -> None:
    # fr-3's antenna is down; a garment in fr-3 is read by fr-2 and fr-4 alike, a little louder than
    # they read garments next door. fr-4 never reads fr-2's garments, so it cannot be in fr-2 (nor,
    # the other way round, in fr-4): it lies between them, in fr-3, and stays there once fr-3 is back.
    rng = random.Random(52)
    tag = epc(1)
    obs = _in_blind_fr3(51, 0.3, (-59, -59))
    obs.append((700.0, AntennaStatus("impinj-a", 3, "fr-3", True)))
    obs += tag_reads(tag, "fr-3", 700, 900, p=0.5, rssi=-53, rng=rng)
    (stay,) = stays(run(PresenceEngine(layout()), obs, 900), tag)
    assert stay.room == "fr-3" and 610 < stay.start <= 620 and stay.end is None


def test_a_garment_carried_past_a_blind_rooms_door_is_not_placed_in_it() -> None:
    # Carried along the corridor: fr-2's door reads it, then (fr-3 blind) fr-4's, never both at once.
    rng = random.Random(53)
    tag = epc(1)
    obs = _fr3_blind(54)
    obs += tag_reads(tag, "fr-2", 650, 652, p=0.6, rssi=-62, rng=rng)
    obs += tag_reads(tag, "fr-4", 654, 656, p=0.6, rssi=-62, rng=rng)
    assert "fr-3" not in {s.room for s in stays(run(PresenceEngine(layout()), obs, 900), tag)}


def test_a_garment_brought_in_while_its_room_was_blind_enters_on_its_first_read_there() -> None:
    # fr-3 is blind from 600 to 700. A garment walks past fr-1's and fr-2's doors at 650 and goes quiet
    # (into fr-3, worn). fr-3, back, reads it once at 720 and then not for a while: it came in unseen.
    rng = random.Random(55)
    tag = epc(1)
    obs = _fr3_blind(56, back=700.0)
    obs += tag_reads(tag, "fr-1", 648, 649, p=0.6, rssi=-62, rng=rng)
    obs += tag_reads(tag, "fr-2", 650, 651, p=0.6, rssi=-62, rng=rng)
    obs.append(one_read(tag, "fr-3", 720.0, -54.0))
    obs += tag_reads(tag, "fr-3", 760, 900, p=0.5, rssi=-53, rng=rng)
    (stay,) = stays(run(PresenceEngine(layout()), obs, 900), tag)
    # Silent for 70 s before this read, it is not walking past the door: no dwell for a read further on.
    assert stay.room == "fr-3" and 720 < stay.start <= 720.5
    # The same lone read with no outage: nothing says it came in unseen; it waits for more reads.
    up = [o for o in obs if not isinstance(o[1], AntennaStatus)]
    (stay,) = stays(run(PresenceEngine(layout()), up, 900), tag)
    assert stay.room == "fr-3" and stay.start >= 760


def _convoy_beside_blind_fr3(seed: int, *, outage: bool) -> list[tuple[float, Observation]]:
    """Garments 1 and 2 are carried past fr-1's and fr-2's doors at 648-651 into fr-3. fr-2 reads
    garment 1 as strongly as its own garments (a strong cross-read) until 760; garment 2 is worn until
    800 (fr-3 reads it rarely and faintly). From 700 fr-3 reads garment 1 in-room. With ``outage``,
    fr-3 is blind 600-700."""
    rng = random.Random(seed)
    a, b = epc(1), epc(2)
    obs = _fr3_blind(seed + 1, back=700.0) if outage else neighbourly_rooms(seed + 1)
    for tag in (a, b):
        obs += [one_read(tag, "fr-1", 648.0, -62.0), one_read(tag, "fr-2", 650.0, -62.0)]
    obs += tag_reads(a, "fr-2", 651, 760, p=0.6, rssi=-56, rng=rng)
    obs += tag_reads(a, "fr-3", 700, 900, p=0.6, rssi=-48, rng=rng)
    obs += tag_reads(b, "fr-3", 700, 800, p=0.05, rssi=-70, rng=rng)
    obs += tag_reads(b, "fr-3", 800, 900, p=0.6, rssi=-53, rng=rng)
    return obs


def test_garments_carried_in_with_one_found_in_the_blind_room_next_door_follow_it() -> None:
    # fr-3 is blind: fr-2 takes garment 1 on its strong cross-reads, and garment 2, carried in with it,
    # by convoy. Once fr-3 is back and reads garment 1 in-room, garment 1 moves to fr-3: whatever put
    # it in fr-2 put garment 2 there too, and garment 2 (worn, silent) follows it at once.
    a, b = epc(1), epc(2)
    events = run(PresenceEngine(layout()), _convoy_beside_blind_fr3(57, outage=True), 900)
    got_a, got_b = stays(events, a), stays(events, b)
    assert [s.room for s in got_a] == ["fr-2", "fr-3"] and 700 < got_a[1].start <= 705
    assert [s.room for s in got_b] == ["fr-2", "fr-3"] and got_b[1].start == got_a[1].start


def test_garments_carried_in_with_one_that_moves_on_stay_when_no_room_was_blind() -> None:
    # The same reads with fr-3 never blind: fr-2 took garment 1 while fr-3 could see, so its move says
    # nothing of garment 2, which moves only on its own reads in fr-3.
    a, b = epc(1), epc(2)
    events = run(PresenceEngine(layout()), _convoy_beside_blind_fr3(57, outage=False), 900)
    got_a, got_b = stays(events, a), stays(events, b)
    assert [s.room for s in got_a] == ["fr-2", "fr-3"] and [s.room for s in got_b] == ["fr-2", "fr-3"]
    assert got_b[1].start > got_a[1].start + 2


def test_a_garment_walking_past_a_room_just_back_from_an_outage_is_not_found_in_it() -> None:
    # fr-3 is blind until 700. A garment is read at fr-2's door at 699.5, at fr-3's at 700.5 and at
    # fr-4's at 701.2: it was walking along the corridor, not brought in unseen.
    tag = epc(1)
    obs = _fr3_blind(58, back=700.0)
    obs += [one_read(tag, room, t, -55.0) for t, room in ((699.5, "fr-2"), (700.5, "fr-3"), (701.2, "fr-4"))]
    assert "fr-3" not in {s.room for s in stays(run(PresenceEngine(layout()), obs, 900), tag)}


def test_a_garment_taken_by_one_neighbour_of_a_blind_room_moves_into_it_once_the_other_reads_it() -> None:
    # fr-3 is blind from 600 to 700. A garment brought into it at 650 is read by fr-2 about as strongly
    # as fr-2's own garments, so fr-2 takes it; from 660 fr-4, which never reads fr-2's garments, reads
    # it too: it lies between them, in fr-3. Once fr-3 is back it reads it there, and it stays put.
    rng = random.Random(63)
    tag = epc(1)
    obs = _fr3_blind(64, back=700.0)
    obs += tag_reads(tag, "fr-2", 650, 900, p=0.6, rssi=-56, rng=rng)
    obs += tag_reads(tag, "fr-4", 660, 900, p=0.25, rssi=-63, rng=rng)
    obs += tag_reads(tag, "fr-3", 702, 900, p=0.6, rssi=-50, rng=rng)
    got = stays(run(PresenceEngine(layout()), obs, 900), tag)
    assert [s.room for s in got] == ["fr-2", "fr-3"]
    assert 660 < got[1].start <= 680 and got[1].end is None
