"""The presence model against each thing stores' radio does (issue 14), written against its behaviour:
which rooms each garment is placed in and when, never how the model gets there.

Every test runs on a few seeds and with a store around the garment under test (``_background``: a
garment hanging in every room, cross-read by the rooms next door), so the model has the store's own
traffic to learn its radio from, as it has in a store that has been open for a while."""

from __future__ import annotations

import random

import pytest

from edge.presence import EventType, PresenceEngine, PresenceEvent
from edge.reads import AntennaStatus, Observation, ReaderStatus, TagRead
from tests.presence_support import (
    Mode,
    Stay,
    antenna_of,
    carried_out,
    epc,
    events_of,
    layout,
    run,
    stays,
    tag_reads,
)

SEEDS = (1, 2, 3)
TAG = epc(1)
END = 1500.0


def _background(seed: int) -> list[tuple[float, Observation]]:
    rng = random.Random(seed + 1000)
    obs: list[tuple[float, Observation]] = []
    for i in range(1, 7):
        tag = epc(100 + i)
        obs += tag_reads(tag, f"fr-{i}", 0, END, p=0.5, rssi=-53, rng=rng)
        for n in (i - 1, i + 1):
            if 1 <= n <= 6:
                obs += tag_reads(tag, f"fr-{n}", 0, END, p=0.1, rssi=-66, rng=rng)
    return obs


def _store(
    seed: int,
    *obs: list[tuple[float, Observation]],
    unheard: tuple[str, ...] = (),
    during: tuple[float, float] = (0, 0),
) -> list[PresenceEvent]:
    """Run ``obs`` in the store; the ``unheard`` rooms' antennas read nothing ``during`` (from, to)."""

    def heard(o: tuple[float, Observation]) -> bool:
        read = o[1]
        return not (isinstance(read, TagRead) and read.room_id in unheard and during[0] <= o[0] < during[1])

    every = [o for group in obs for o in group] + _background(seed)
    return run(PresenceEngine(layout()), [o for o in every if heard(o)], END)


def _rooms(s: list[Stay]) -> list[str]:
    return [x.room for x in s]


def _hanging(
    tags: list[str], room: str, until: float, *, p: float, rng: random.Random
) -> list[tuple[float, Observation]]:
    """``tags`` hanging in ``room`` from 100 s to ``until``, read with ``p`` per round at -55 dBm."""
    return [r for tag in tags for r in tag_reads(tag, room, 100, until, p=p, rssi=-55, rng=rng)]


def _one_stay(events: list[PresenceEvent], tag: str, room: str) -> Stay:
    """The garment's only stay, which must be in ``room``."""
    got = stays(events, tag)
    assert _rooms(got) == [room], tag
    return got[0]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [0.05, 0.3, 0.9])
def test_a_garment_read_in_few_or_most_rounds_is_placed_once_in_its_room(seed: int, p: float) -> None:
    rng = random.Random(seed)
    events = _store(seed, tag_reads(TAG, "fr-5", 100, 900, p=p, rssi=-55, rng=rng))
    got = stays(events, TAG)
    assert _rooms(got) == ["fr-5"]
    # At 5 % of rounds (4 a second) a second read takes 5 s on average: placed within half a minute.
    assert 100 <= got[0].start <= 100 + (30 if p < 0.1 else 8)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_quiet_tag_read_steadily_in_its_room_is_placed_there_not_taken_for_a_passer_by(seed: int) -> None:
    # Every other garment of this store hangs at one level; this one is bunched, 9 dB weaker, as weak
    # as a door read. Read in most seconds for minutes, it is no walker: it hangs in fr-4.
    rng = random.Random(seed)
    events = _store(seed, tag_reads(TAG, "fr-4", 100, 900, p=0.3, rssi=-62, rng=rng))
    assert 100 <= _one_stay(events, TAG, "fr-4").start <= 120


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_handled_mid_stay_keeps_its_room(seed: int) -> None:
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-2", 100, 400, p=0.8, rssi=-52, rng=rng)
    reads += tag_reads(TAG, "fr-2", 400, 700, p=0.08, rssi=-61, rng=rng)  # bunched on a hook
    reads += tag_reads(TAG, "fr-2", 700, 900, p=0.5, rssi=-56, rng=rng)
    assert _rooms(stays(_store(seed, reads), TAG)) == ["fr-2"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("gap_db", [8, 12, 18])
def test_a_neighbour_cross_reading_as_often_but_weaker_never_takes_the_garment(
    seed: int, gap_db: int
) -> None:
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-2", 100, 900, p=0.4, rssi=-54, rng=rng)
    reads += tag_reads(TAG, "fr-3", 100, 900, p=0.4, rssi=-54 - gap_db, rng=rng)
    assert _rooms(stays(_store(seed, reads), TAG)) == ["fr-2"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_worn_garment_the_room_behind_the_partition_still_hears_stays_in_its_room(seed: int) -> None:
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    for start, end, own_p in ((100, 400, 0.6), (400, 490, 0.02), (490, 800, 0.6)):  # hung, worn, hung
        reads += tag_reads(TAG, "fr-2", start, end, p=own_p, rssi=-54, rng=rng)
    reads += tag_reads(TAG, "fr-3", 100, 800, p=0.25, rssi=-66, rng=rng)  # behind: unshielded
    assert _rooms(stays(_store(seed, reads), TAG)) == ["fr-2"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_worn_garment_one_of_two_neighbours_hears_as_often_as_before_stays_in_its_room(seed: int) -> None:
    """Hung, both rooms beside it cross-read it as often as its own room does. Worn for two minutes, its
    own room and one neighbour are shielded; the other neighbour, behind the partition, reads it as often
    as before and, the tag turned on its wearer, as loud as its own garments. Which neighbour is behind is
    not known beforehand: it is the one that keeps reading."""
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    for start, end, worn in ((100, 400, False), (400, 520, True), (520, 800, False)):
        reads += tag_reads(TAG, "fr-3", start, end, p=0.02 if worn else 0.6, rssi=-54, rng=rng)
        reads += tag_reads(TAG, "fr-2", start, end, p=0.01 if worn else 0.6, rssi=-66, rng=rng)
        reads += tag_reads(TAG, "fr-4", start, end, p=0.6, rssi=-54 if worn else -66, rng=rng)  # behind
    assert _rooms(stays(_store(seed, reads), TAG)) == ["fr-3"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_worn_garment_the_room_behind_reads_more_often_than_before_stays_in_its_room(seed: int) -> None:
    """Hung, both rooms beside it cross-read it, 9-10 dB weaker. Put on, the tag turned: its own room
    and one neighbour hardly hear it for two minutes, while the room behind the partition reads it twice
    as often as before and a little louder. Putting a garment on changes how often every antenna reads
    it; the room behind reading it more often is no reason to move it there."""
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    for start, end, worn in ((100, 400, False), (400, 520, True), (520, 800, False)):
        reads += tag_reads(TAG, "fr-3", start, end, p=0.02 if worn else 0.8, rssi=-54, rng=rng)
        reads += tag_reads(TAG, "fr-2", start, end, p=0.01 if worn else 0.6, rssi=-63, rng=rng)
        behind = (0.8, -62) if worn else (0.4, -64)
        reads += tag_reads(TAG, "fr-4", start, end, p=behind[0], rssi=behind[1], rng=rng)
    assert _rooms(stays(_store(seed, reads), TAG)) == ["fr-3"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_tried_on_twice_in_one_visit_stays_in_its_room(seed: int) -> None:
    """Tried on, hung again and tried on once more (comparing it with another size): both times nearly
    silent towards its own antenna, it is still in its room."""
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    spans = ((100, 300, 0.6), (300, 390, 0.03), (390, 500, 0.6), (500, 590, 0.03), (590, 900, 0.6))
    for start, end, own_p in spans:  # hung, worn, hung, worn again, hung
        reads += tag_reads(TAG, "fr-4", start, end, p=own_p, rssi=-54, rng=rng)
    assert _rooms(stays(_store(seed, reads), TAG)) == ["fr-4"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [0.0, 0.02])
def test_an_outfit_put_on_together_and_silent_for_a_try_on_stays_in_its_room(seed: int, p: float) -> None:
    """Three garments put on in the same second (a top, trousers, a jacket) and, on the shopper, silent or
    nearly so for a minute and a half: the same silence as three garments carried out together. Until a
    try-on has become improbably long, their cards stay on the mirror."""
    rng = random.Random(seed)
    tags = [epc(50 + i) for i in range(3)]
    reads: list[tuple[float, Observation]] = []
    for tag in tags:
        for start, end, own_p in ((100, 400, 0.6), (400, 490, p), (490, 800, 0.6)):  # hung, worn, hung
            reads += tag_reads(tag, "fr-4", start, end, p=own_p, rssi=-54, rng=rng)
    events = _store(seed, reads)
    for tag in tags:
        assert _rooms(stays(events, tag)) == ["fr-4"], tag


@pytest.mark.parametrize("seed", SEEDS)
def test_rooms_further_away_reading_now_and_then_make_no_stays(seed: int) -> None:
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-1", 100, 1000, p=0.5, rssi=-54, rng=rng)
    for far in ("fr-4", "fr-5", "fr-6"):  # reflections off a mirror and a rail: a few % of rounds
        reads += tag_reads(TAG, far, 100, 1000, p=0.03, rssi=-75, rng=rng)
    assert _rooms(stays(_store(seed, reads), TAG)) == ["fr-1"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("door_s", [1.0, 2.0, 3.0])  # brisk to strolling past each door
def test_a_garment_carried_past_doors_enters_only_the_room_it_was_taken_to(seed: int, door_s: float) -> None:
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    t = 100.0
    for door in ("fr-5", "fr-6"):  # past two doors on the way
        reads += tag_reads(TAG, door, t, t + door_s, p=0.5, rssi=-64, rng=rng)
        t += door_s + 0.5
    reads += tag_reads(TAG, "fr-4", t, 900, p=0.5, rssi=-54, rng=rng)
    got = stays(_store(seed, reads), TAG)
    assert _rooms(got) == ["fr-4"]
    assert got[0].start <= t + 8


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_carried_out_past_other_rooms_doors_leaves_within_seconds(seed: int) -> None:
    """Doors read a garment carried past them louder than a room behind a partition or further away does.
    The store learns how loud from the garments it saw carried in, so one carried out of its room past
    three doors is not taken for one put on and heard through the partition (a try-on's length late)."""
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    for i, room in enumerate(("fr-1", "fr-3", "fr-4", "fr-6", "fr-1", "fr-3")):  # carried in earlier
        t = 120.0 + 50 * i
        for k, door in enumerate(("fr-5", "fr-2")):
            reads += tag_reads(epc(40 + i), door, t + 2 * k, t + 2 * k + 1, p=0.6, rssi=-62, rng=rng)
        reads += tag_reads(epc(40 + i), room, t + 5, END, p=0.5, rssi=-54, rng=rng)
    doors = [("fr-3", 1, 2, -62), ("fr-4", 3, 4, -62), ("fr-5", 5, 6, -62)]
    last, out = carried_out(TAG, "fr-2", 100, 700, doors, p=0.5, rng=rng)
    for room in ("fr-1", "fr-3", "fr-4", "fr-5", "fr-6"):  # neighbours, and a mirrored store's far rooms
        reads += tag_reads(
            TAG, room, 100, last, p=0.1, rssi=-66 if room in ("fr-1", "fr-3") else -68, rng=rng
        )
    (got,) = stays(_store(seed, reads + out), TAG)
    assert got.room == "fr-2" and got.end is not None and last <= got.end <= last + 12


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shopper_who_stops_at_a_door_and_turns_back_leaves_no_stay(seed: int) -> None:
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-5", 100, 103, p=0.5, rssi=-63, rng=rng)
    assert stays(_store(seed, reads), TAG) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_an_associate_bringing_five_garments_at_once_places_all_five(seed: int) -> None:
    tags = [epc(10 + i) for i in range(5)]
    events = _store(seed, _hanging(tags, "fr-6", 600, p=0.4, rng=random.Random(seed)))
    for tag in tags:
        assert _one_stay(events, tag, "fr-6").start <= 110


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shopper_handing_one_garment_out_keeps_the_rest(seed: int) -> None:
    rng = random.Random(seed)
    kept, handed = [epc(20), epc(21)], epc(22)
    reads = _hanging(kept, "fr-5", 900, p=0.5, rng=rng) + _hanging([handed], "fr-5", 500, p=0.5, rng=rng)
    reads += tag_reads(handed, "fr-5", 500, 502, p=0.6, rssi=-62, rng=rng)  # through the door
    reads += tag_reads(handed, "fr-2", 505, 507, p=0.6, rssi=-64, rng=rng)  # past another on the way back
    events = _store(seed, reads)
    for tag in kept:
        end = _one_stay(events, tag, "fr-5").end
        assert end is None or end >= 900
    gone = _one_stay(events, handed, "fr-5")
    assert gone.end is not None and 500 <= gone.end <= 530


@pytest.mark.parametrize("seed", SEEDS)
def test_go_backs_left_in_an_empty_room_stay_there_for_minutes(seed: int) -> None:
    tags = [epc(30 + i) for i in range(3)]
    events = _store(seed, _hanging(tags, "fr-3", 1400, p=0.15, rng=random.Random(seed)))
    for tag in tags:
        end = _one_stay(events, tag, "fr-3").end
        assert end is None or end >= 1400


@pytest.mark.parametrize("seed", SEEDS)
def test_raw_deduplicated_and_aggregated_readers_place_garments_alike(seed: int) -> None:
    starts: dict[Mode, float] = {}
    for mode in ("raw", "dedup", "zebra"):
        rng = random.Random(seed)
        reads = tag_reads(TAG, "fr-4", 100, 700, p=0.4, rssi=-55, rng=rng, mode=mode)
        reads += tag_reads(TAG, "fr-3", 100, 700, p=0.2, rssi=-67, rng=rng, mode=mode)
        got = stays(_store(seed, reads), TAG)
        assert _rooms(got) == ["fr-4"], mode
        starts[mode] = got[0].start
    assert max(starts.values()) - min(starts.values()) <= 3.0


@pytest.mark.parametrize("seed", SEEDS)
def test_an_antenna_that_drops_out_makes_its_room_unknown_and_keeps_its_garments(seed: int) -> None:
    rng = random.Random(seed)
    reader, port = antenna_of("fr-5")
    reads = [r for r in tag_reads(TAG, "fr-5", 100, 1000, p=0.5, rssi=-55, rng=rng) if not 300 <= r[0] < 700]
    reads += [
        (300.0, AntennaStatus(reader, port, "fr-5", False)),
        (700.0, AntennaStatus(reader, port, "fr-5", True)),
    ]
    events = _store(seed, reads, unheard=("fr-5",), during=(300, 700))
    assert _rooms(stays(events, TAG)) == ["fr-5"]
    assert [(e.type, e.t) for e in events if e.room == "fr-5" and e.epc is None] == [
        (EventType.ROOM_UNKNOWN, 300.0),
        (EventType.ROOM_KNOWN, 700.0),
    ]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_reader_gone_with_its_last_will_keeps_its_rooms_garments(seed: int) -> None:
    rng = random.Random(seed)
    reads = [r for r in tag_reads(TAG, "fr-6", 100, 1000, p=0.5, rssi=-55, rng=rng) if not 300 <= r[0] < 900]
    reads += [(300.0, ReaderStatus("zebra-b", False)), (900.0, ReaderStatus("zebra-b", True))]
    events = _store(seed, reads, unheard=("fr-5", "fr-6"), during=(300, 900))
    assert _rooms(stays(events, TAG)) == ["fr-6"]
    assert {e.room for e in events_of(events, EventType.ROOM_UNKNOWN)} == {"fr-5", "fr-6"}


@pytest.mark.parametrize("seed", SEEDS)
def test_a_reader_that_goes_quiet_without_a_word_keeps_its_rooms_garments(seed: int) -> None:
    """Between a reader's last report and its last will (up to a keep-alive and a half later) its rooms
    go silent all at once: its garments are kept, while another reader's rooms go on as before."""
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-5", 100, 1000, p=0.5, rssi=-55, rng=rng)
    reads += tag_reads(epc(2), "fr-6", 100, 1000, p=0.5, rssi=-55, rng=rng)
    events = _store(seed, reads, unheard=("fr-5", "fr-6"), during=(400, 440))
    assert _rooms(stays(events, TAG)) == ["fr-5"]
    assert _rooms(stays(events, epc(2))) == ["fr-6"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_that_goes_silent_after_its_door_leaves_once_a_try_on_would_be_over(seed: int) -> None:
    """Nothing but its own door read it on the way out: it might as well have been put on (worn garments
    go nearly silent), so it leaves once wearing it would have lasted improbably long."""
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-2", 100, 600, p=0.5, rssi=-54, rng=rng)
    reads += tag_reads(TAG, "fr-2", 600, 602, p=0.6, rssi=-62, rng=rng)  # at the door, then gone
    (got,) = stays(_store(seed, reads), TAG)
    assert got.room == "fr-2" and got.end is not None and 600 <= got.end <= 600 + 2 * layout().presence.worn_s


def test_events_and_rooms_carry_the_posterior_of_the_garments_room() -> None:
    rng = random.Random(7)
    engine = PresenceEngine(layout())
    reads = tag_reads(TAG, "fr-5", 100, 400, p=0.5, rssi=-55, rng=rng) + [
        r for r in _background(7) if r[0] < 400
    ]
    events = run(engine, reads, 400)
    entered = [e for e in events_of(events, EventType.ITEM_ENTERED) if e.epc == TAG]
    assert entered and all(
        e.confidence is not None and e.confidence >= layout().presence.decide_at for e in entered
    )
    (item,) = [i for i in engine.snapshot()["fr-5"].items if i.epc == TAG]
    assert item.epc == TAG and 0.5 < item.confidence <= 1.0
    left = run(engine, [], 1000, start=400)
    assert all(e.confidence is not None and e.confidence < 0.5 for e in events_of(left, EventType.ITEM_LEFT))


def test_a_garment_unread_for_a_day_is_forgotten_and_leaves_the_room_it_was_held_in() -> None:
    """Its antenna went down with it in the room (so it was kept there, unknown) and never came back."""
    rng = random.Random(4)
    engine = PresenceEngine(layout())
    reader, port = antenna_of("fr-5")
    reads = tag_reads(TAG, "fr-5", 100, 300, p=0.5, rssi=-55, rng=rng)
    reads.append((300.0, AntennaStatus(reader, port, "fr-5", False)))
    events = run(engine, reads, 300 + 86_400 + 120, tick_s=30.0)
    got = _one_stay(events, TAG, "fr-5")
    assert got.end is not None and 300 + 86_400 <= got.end <= 300 + 86_400 + 120
    assert engine.tracked_garments() == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_reference_tag_tells_a_reader_whose_rooms_emptied_from_one_that_stopped(seed: int) -> None:
    """The last garment of a reader's rooms carried out leaves that reader as silent as a stopped one:
    its silence counts only after ``reader_stall_hold_s``. A tag fixed in the reader's view (not
    merchandise) keeps it reporting, and the garment leaves as soon as it would elsewhere."""
    rng = random.Random(seed)
    hold = layout().presence.reader_stall_hold_s
    doors = [("fr-4", 1, 2, -62), ("fr-3", 3, 4, -62)]  # on the other reader, on the way to the floor
    last, out = carried_out(TAG, "fr-5", 100, 700, doors, p=0.5, rng=rng)
    others = [o for o in _background(seed) if isinstance(o[1], TagRead) and o[1].reader_id != "zebra-b"]
    reference = [
        (t + 0.25, TagRead("zebra-b", 2, "fr-6", "E2801160600002AB0000C0DE", None, None, -45.0))
        for t in range(0, int(END))
    ]

    def exit_after(reads: list[tuple[float, Observation]]) -> float:
        (got,) = stays(run(PresenceEngine(layout()), reads, END), TAG)
        assert got.room == "fr-5" and got.end is not None
        return got.end - last

    # Without it the garment waits out the hold on most draws (60.5 s on seeds 1 and 3 when written).
    held, told = exit_after(out + others), exit_after(out + others + reference)
    assert told <= 12.0 and told <= held
    assert held <= hold + 12.0  # the hold ends: silence is believed after all


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("jump_db", [-14, 12])
def test_a_garment_turned_on_its_hook_read_as_often_at_a_new_level_keeps_its_room(
    seed: int, jump_db: int
) -> None:
    """Handled, a tag turns: read as often as before, but from one second to the next 12-14 dB louder or
    weaker (as weak as a door read). It was not carried out; it hangs on."""
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-3", 100, 500, p=0.8, rssi=-50, rng=rng, rssi_sd=1.0)
    reads += tag_reads(TAG, "fr-3", 500, 900, p=0.8, rssi=-50 + jump_db, rng=rng, rssi_sd=1.0)
    assert _rooms(stays(_store(seed, reads), TAG)) == ["fr-3"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_worn_silent_in_a_store_full_of_reflections_stays_in_its_room(seed: int) -> None:
    """Mirrors and rails: every room reads every garment now and then, so a hanging garment is heard by
    many rooms each second. Put on, the body shields it from all of them alike, and this wearer shields
    it completely for a minute. That every room fell silent at once is what a worn garment does, not a
    sign that it left: the other rooms' silence teaches how quiet it is worn, as its own room's does."""
    rng = random.Random(seed)
    reflections: list[tuple[float, Observation]] = []
    for i in range(1, 7):
        for far in range(1, 7):
            if abs(far - i) > 1:
                reflections += tag_reads(epc(100 + i), f"fr-{far}", 0, END, p=0.05, rssi=-70, rng=rng)
    reads: list[tuple[float, Observation]] = []
    for start, end in ((100, 400), (460, 800)):  # hung, worn from 400 to 460 (silent), hung again
        reads += tag_reads(TAG, "fr-3", start, end, p=0.6, rssi=-54, rng=rng)
        for room in ("fr-1", "fr-2", "fr-4", "fr-5", "fr-6"):
            p, rssi = (0.15, -66) if room in ("fr-2", "fr-4") else (0.05, -70)
            reads += tag_reads(TAG, room, start, end, p=p, rssi=rssi, rng=rng)
    assert _rooms(stays(_store(seed, reads, reflections), TAG)) == ["fr-3"]
