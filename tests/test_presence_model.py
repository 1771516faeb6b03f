"""The presence model against each thing stores' radio does (issue 14), written against its behaviour:
which rooms each garment is placed in and when, never how the model gets there.

Every test runs on a few seeds and with a store around the garment under test
(``presence_support.background``: a garment hanging in every room, cross-read by the rooms next door),
so the model has the store's own traffic to learn its radio from, as in a store open for a while. What
presence does when rooms cannot hear is in ``test_presence_outages.py``."""

from __future__ import annotations

import random

import pytest

from edge.presence import EventType, PresenceEngine
from edge.reads import Observation
from tests.presence_support import (
    STORE_END,
    Mode,
    background,
    carried_out,
    epc,
    events_of,
    in_store,
    layout,
    one_stay,
    rooms_of,
    run,
    stays,
    tag_reads,
)

SEEDS = (1, 2, 3)
TAG = epc(1)


def _hanging(
    tags: list[str], room: str, until: float, *, p: float, rng: random.Random
) -> list[tuple[float, Observation]]:
    """``tags`` hanging in ``room`` from 100 s to ``until``, read with ``p`` per round at -55 dBm."""
    return [r for tag in tags for r in tag_reads(tag, room, 100, until, p=p, rssi=-55, rng=rng)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [0.05, 0.3, 0.9])
def test_a_garment_read_in_few_or_most_rounds_is_placed_once_in_its_room(seed: int, p: float) -> None:
    rng = random.Random(seed)
    events = in_store(seed, tag_reads(TAG, "fr-5", 100, 900, p=p, rssi=-55, rng=rng))
    got = stays(events, TAG)
    assert rooms_of(got) == ["fr-5"]
    # At 5 % of rounds (4 a second) a second read takes 5 s on average: placed within half a minute.
    assert 100 <= got[0].start <= 100 + (30 if p < 0.1 else 8)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_quiet_tag_read_steadily_in_its_room_is_placed_there_not_taken_for_a_passer_by(seed: int) -> None:
    # Every other garment of this store hangs at one level; this one is bunched, 9 dB weaker, as weak
    # as a door read. Read in most seconds for minutes, it is no walker: it hangs in fr-4.
    rng = random.Random(seed)
    events = in_store(seed, tag_reads(TAG, "fr-4", 100, 900, p=0.3, rssi=-62, rng=rng))
    assert 100 <= one_stay(events, TAG, "fr-4").start <= 120


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_handled_mid_stay_keeps_its_room(seed: int) -> None:
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-2", 100, 400, p=0.8, rssi=-52, rng=rng)
    reads += tag_reads(TAG, "fr-2", 400, 700, p=0.08, rssi=-61, rng=rng)  # bunched on a hook
    reads += tag_reads(TAG, "fr-2", 700, 900, p=0.5, rssi=-56, rng=rng)
    assert rooms_of(stays(in_store(seed, reads), TAG)) == ["fr-2"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("gap_db", [8, 12, 18])
def test_a_neighbour_cross_reading_as_often_but_weaker_never_takes_the_garment(
    seed: int, gap_db: int
) -> None:
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-2", 100, 900, p=0.4, rssi=-54, rng=rng)
    reads += tag_reads(TAG, "fr-3", 100, 900, p=0.4, rssi=-54 - gap_db, rng=rng)
    assert rooms_of(stays(in_store(seed, reads), TAG)) == ["fr-2"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("hint", ["right", "wrong"])
def test_a_layout_naming_neighbours_right_or_wrong_moves_no_garment(seed: int, hint: str) -> None:
    """The layout's ``neighbours`` is a hint the store's traffic outweighs: named wrongly (fr-2 beside
    fr-5, which never reads its garments, and not beside fr-3, which does), garments stay where they are,
    placed as soon, and worn ones too."""
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    for start, end, worn in ((100, 400, False), (400, 520, True), (520, 800, False)):
        reads += tag_reads(TAG, "fr-2", start, end, p=0.02 if worn else 0.4, rssi=-54, rng=rng)
        reads += tag_reads(TAG, "fr-3", start, end, p=0.4, rssi=-62, rng=rng)
    other = epc(2)
    reads += tag_reads(other, "fr-5", 100, 800, p=0.3, rssi=-55, rng=rng)
    named = {"fr-2": ["fr-3", "fr-1"], "fr-5": ["fr-4", "fr-6"]} if hint == "right" else {"fr-2": ["fr-5"]}
    events = in_store(seed, reads, neighbours=named)
    assert 100 <= one_stay(events, TAG, "fr-2").start <= 108
    assert 100 <= one_stay(events, other, "fr-5").start <= 108


@pytest.mark.parametrize("seed", SEEDS)
def test_a_worn_garment_the_room_behind_the_partition_still_hears_stays_in_its_room(seed: int) -> None:
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    for start, end, own_p in ((100, 400, 0.6), (400, 490, 0.02), (490, 800, 0.6)):  # hung, worn, hung
        reads += tag_reads(TAG, "fr-2", start, end, p=own_p, rssi=-54, rng=rng)
    reads += tag_reads(TAG, "fr-3", 100, 800, p=0.25, rssi=-66, rng=rng)  # behind: unshielded
    assert rooms_of(stays(in_store(seed, reads), TAG)) == ["fr-2"]


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
    assert rooms_of(stays(in_store(seed, reads), TAG)) == ["fr-3"]


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
    assert rooms_of(stays(in_store(seed, reads), TAG)) == ["fr-3"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_tried_on_twice_in_one_visit_stays_in_its_room(seed: int) -> None:
    """Tried on, hung again and tried on once more (comparing it with another size): both times nearly
    silent towards its own antenna, it is still in its room."""
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    spans = ((100, 300, 0.6), (300, 390, 0.03), (390, 500, 0.6), (500, 590, 0.03), (590, 900, 0.6))
    for start, end, own_p in spans:  # hung, worn, hung, worn again, hung
        reads += tag_reads(TAG, "fr-4", start, end, p=own_p, rssi=-54, rng=rng)
    assert rooms_of(stays(in_store(seed, reads), TAG)) == ["fr-4"]


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
    events = in_store(seed, reads)
    for tag in tags:
        assert rooms_of(stays(events, tag)) == ["fr-4"], tag


@pytest.mark.parametrize("seed", SEEDS)
def test_rooms_further_away_reading_now_and_then_make_no_stays(seed: int) -> None:
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-1", 100, 1000, p=0.5, rssi=-54, rng=rng)
    for far in ("fr-4", "fr-5", "fr-6"):  # reflections off a mirror and a rail: a few % of rounds
        reads += tag_reads(TAG, far, 100, 1000, p=0.03, rssi=-75, rng=rng)
    assert rooms_of(stays(in_store(seed, reads), TAG)) == ["fr-1"]


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
    got = stays(in_store(seed, reads), TAG)
    assert rooms_of(got) == ["fr-4"]
    assert got[0].start <= t + 8


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_seen_at_a_door_and_seldom_read_in_the_room_it_was_taken_to_is_placed_there_soon(
    seed: int,
) -> None:
    # Read at fr-1's door on its way, it goes into fr-4 at 400 s, whose antenna reads it in one round in
    # ten: the silent seconds before fr-4's first read count for fr-4 too (it may have gone into a room
    # that had not read it yet), not only the second of that read.
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-1", 395, 397, p=0.5, rssi=-64, rng=rng)
    reads += tag_reads(TAG, "fr-4", 400, 900, p=0.1, rssi=-55, rng=rng)
    assert 400 <= one_stay(in_store(seed, reads), TAG, "fr-4").start <= 410


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
        reads += tag_reads(epc(40 + i), room, t + 5, STORE_END, p=0.5, rssi=-54, rng=rng)
    doors = [("fr-3", 1, 2, -62), ("fr-4", 3, 4, -62), ("fr-5", 5, 6, -62)]
    last, out = carried_out(TAG, "fr-2", 100, 700, doors, p=0.5, rng=rng)
    for room in ("fr-1", "fr-3", "fr-4", "fr-5", "fr-6"):  # neighbours, and a mirrored store's far rooms
        reads += tag_reads(
            TAG, room, 100, last, p=0.1, rssi=-66 if room in ("fr-1", "fr-3") else -68, rng=rng
        )
    (got,) = stays(in_store(seed, reads + out), TAG)
    assert got.room == "fr-2" and got.end is not None and last <= got.end <= last + 12


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shopper_who_stops_at_a_door_and_turns_back_leaves_no_stay(seed: int) -> None:
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-5", 100, 103, p=0.5, rssi=-63, rng=rng)
    assert stays(in_store(seed, reads), TAG) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_an_associate_bringing_five_garments_at_once_places_all_five(seed: int) -> None:
    tags = [epc(10 + i) for i in range(5)]
    events = in_store(seed, _hanging(tags, "fr-6", 600, p=0.4, rng=random.Random(seed)))
    for tag in tags:
        assert one_stay(events, tag, "fr-6").start <= 110


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shopper_handing_one_garment_out_keeps_the_rest(seed: int) -> None:
    rng = random.Random(seed)
    kept, handed = [epc(20), epc(21)], epc(22)
    reads = _hanging(kept, "fr-5", 900, p=0.5, rng=rng) + _hanging([handed], "fr-5", 500, p=0.5, rng=rng)
    reads += tag_reads(handed, "fr-5", 500, 502, p=0.6, rssi=-62, rng=rng)  # through the door
    reads += tag_reads(handed, "fr-2", 505, 507, p=0.6, rssi=-64, rng=rng)  # past another on the way back
    events = in_store(seed, reads)
    for tag in kept:
        end = one_stay(events, tag, "fr-5").end
        assert end is None or end >= 900
    gone = one_stay(events, handed, "fr-5")
    assert gone.end is not None and 500 <= gone.end <= 530


@pytest.mark.parametrize("seed", SEEDS)
def test_go_backs_left_in_an_empty_room_stay_there_for_minutes(seed: int) -> None:
    tags = [epc(30 + i) for i in range(3)]
    events = in_store(seed, _hanging(tags, "fr-3", 1400, p=0.15, rng=random.Random(seed)))
    for tag in tags:
        end = one_stay(events, tag, "fr-3").end
        assert end is None or end >= 1400


@pytest.mark.parametrize("seed", SEEDS)
def test_raw_deduplicated_and_aggregated_readers_place_garments_alike(seed: int) -> None:
    starts: dict[Mode, float] = {}
    for mode in ("raw", "dedup", "zebra"):
        rng = random.Random(seed)
        reads = tag_reads(TAG, "fr-4", 100, 700, p=0.4, rssi=-55, rng=rng, mode=mode)
        reads += tag_reads(TAG, "fr-3", 100, 700, p=0.2, rssi=-67, rng=rng, mode=mode)
        got = stays(in_store(seed, reads), TAG)
        assert rooms_of(got) == ["fr-4"], mode
        starts[mode] = got[0].start
    assert max(starts.values()) - min(starts.values()) <= 3.0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_that_goes_silent_after_its_door_leaves_once_a_try_on_would_be_over(seed: int) -> None:
    """Nothing but its own door read it on the way out: it might as well have been put on (worn garments
    go nearly silent), so it leaves once wearing it would have lasted improbably long."""
    rng = random.Random(seed)
    reads = tag_reads(TAG, "fr-2", 100, 600, p=0.5, rssi=-54, rng=rng)
    reads += tag_reads(TAG, "fr-2", 600, 602, p=0.6, rssi=-62, rng=rng)  # at the door, then gone
    (got,) = stays(in_store(seed, reads), TAG)
    assert got.room == "fr-2" and got.end is not None and 600 <= got.end <= 600 + 2 * layout().presence.worn_s


def test_events_and_rooms_carry_the_posterior_of_the_garments_room() -> None:
    rng = random.Random(7)
    engine = PresenceEngine(layout())
    reads = tag_reads(TAG, "fr-5", 100, 400, p=0.5, rssi=-55, rng=rng) + [
        r for r in background(7) if r[0] < 400
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
    assert rooms_of(stays(in_store(seed, reads), TAG)) == ["fr-3"]


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
                reflections += tag_reads(epc(100 + i), f"fr-{far}", 0, STORE_END, p=0.05, rssi=-70, rng=rng)
    reads: list[tuple[float, Observation]] = []
    for start, end in ((100, 400), (460, 800)):  # hung, worn from 400 to 460 (silent), hung again
        reads += tag_reads(TAG, "fr-3", start, end, p=0.6, rssi=-54, rng=rng)
        for room in ("fr-1", "fr-2", "fr-4", "fr-5", "fr-6"):
            p, rssi = (0.15, -66) if room in ("fr-2", "fr-4") else (0.05, -70)
            reads += tag_reads(TAG, room, start, end, p=p, rssi=rssi, rng=rng)
    assert rooms_of(stays(in_store(seed, reads, reflections), TAG)) == ["fr-3"]


@pytest.mark.parametrize("seed", SEEDS)
def test_garments_carried_out_together_leave_together_though_only_one_is_read_past_the_doors(
    seed: int,
) -> None:
    """A shopper walks out with three garments over their arm: one is read at its door and past two more,
    the other two, shielded against the body, by nobody from the moment they left. Alone, each of those
    might as well have been put on; going silent as the third was carried out, they went with it."""
    rng = random.Random(seed)
    seen, shielded = epc(50), [epc(51), epc(52)]
    doors = [("fr-2", 0, 2, -62), ("fr-3", 3, 4, -62), ("fr-4", 5, 6, -62)]
    last, reads = carried_out(seen, "fr-2", 100, 600, doors, p=0.5, rng=rng)
    reads += _hanging(shielded, "fr-2", last, p=0.5, rng=rng)
    events = in_store(seed, reads)
    gone = one_stay(events, seen, "fr-2").end
    assert gone is not None and gone <= last + 12
    for tag in shielded:
        end = one_stay(events, tag, "fr-2").end
        assert end is not None and end <= gone + 5


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_worn_while_the_room_behind_hears_it_stays_when_another_is_carried_out(seed: int) -> None:
    """Two garments in one room; one is put on (its own room hardly hears it, the room behind the partition
    as before, in most seconds) while the other is carried out past the doors. The one worn is still
    heard: it stays (had it gone out with the other, it would have come back: a flicker)."""
    rng = random.Random(seed)
    reads: list[tuple[float, Observation]] = []
    for start, end, own_p in ((100, 500, 0.6), (500, 700, 0.02), (700, 900, 0.6)):  # hung, worn, hung
        reads += tag_reads(TAG, "fr-2", start, end, p=own_p, rssi=-54, rng=rng)
    reads += tag_reads(TAG, "fr-3", 100, 900, p=0.6, rssi=-64, rng=rng)  # behind: in most seconds
    doors = [("fr-2", 0, 2, -62), ("fr-1", 3, 4, -62)]
    _, out = carried_out(epc(53), "fr-2", 100, 560, doors, p=0.5, rng=rng)
    events = in_store(seed, reads + out)
    assert one_stay(events, epc(53), "fr-2").end is not None
    assert rooms_of(stays(events, TAG)) == ["fr-2"]
