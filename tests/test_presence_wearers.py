"""Garments and the phones of the shoppers who wear them (issue 14: phones may inform the movement prior).

A garment read steadily that goes silent has either been put on (a body shields it) or been carried out;
from the tags alone only a try-on's length tells the two apart. A shopper's opted-in phone leaving the
room after a stay there says which: nobody is left to wear it. Written against the events.
"""

from __future__ import annotations

import random

import pytest

from edge.presence import EventType, PresenceEvent
from edge.reads import Observation
from tests.presence_support import epc, in_store, phone, rooms_of, stays, tag_reads

SEEDS = (1, 2, 3)
TAG = epc(1)
SHOPPER = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-7"
COMPANION = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-8"


def _worn(seed: int, start: float, end: float) -> list[tuple[float, Observation]]:
    """``TAG`` in fr-3 from 100 s to 900 s, read in most rounds; worn from ``start`` to ``end``: a body
    between tag and antenna, read in one round of fifty, 12 dB weaker."""
    rng = random.Random(seed)
    spans = ((100, start, 0.8, -54), (start, end, 0.02, -66), (end, 900, 0.8, -54))
    return [r for a, b, p, rssi in spans for r in tag_reads(TAG, "fr-3", a, b, p=p, rssi=rssi, rng=rng)]


def _visits(events: list[PresenceEvent], device: str) -> list[tuple[EventType, float]]:
    return [(e.type, e.t) for e in events if e.device == device]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_gone_silent_as_its_shoppers_phone_leaves_is_out_within_seconds_of_the_phone(
    seed: int,
) -> None:
    """Read in most rounds, it falls silent as its shopper walks out with it past no other door; their
    phone leaves the room a report window later. It is out within seconds of the phone, not a try-on's
    length later (worn, it would be as silent)."""
    reads = tag_reads(TAG, "fr-3", 100, 400, p=0.8, rssi=-54, rng=random.Random(seed))
    events = in_store(seed, reads, phone(SHOPPER, "fr-3", 90, 400))
    (entered, stayed, left) = _visits(events, SHOPPER)
    assert [entered[0], stayed[0], left[0]] == [
        EventType.SHOPPER_ENTERED,
        EventType.SHOPPER_STAYED,
        EventType.SHOPPER_LEFT,
    ]
    (got,) = stays(events, TAG)
    assert got.room == "fr-3" and got.end is not None and got.end <= left[1] + 10


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_left_behind_stays_when_its_shopper_leaves(seed: int) -> None:
    """A go-back: its shopper leaves after trying it on; it hangs on, read as before, for minutes."""
    events = in_store(seed, _worn(seed, 250, 350), phone(SHOPPER, "fr-3", 90, 400))
    assert [kind for kind, _ in _visits(events, SHOPPER)][-1] is EventType.SHOPPER_LEFT
    (got,) = stays(events, TAG)
    assert got.room == "fr-3" and got.end is not None and got.end >= 895


@pytest.mark.parametrize("seed", SEEDS)
def test_a_phone_carried_past_the_door_does_not_take_out_what_is_worn_inside(seed: int) -> None:
    """A shopper without the app wears the garment for two minutes; another shopper's phone is heard by
    the room's node for ten seconds as they walk past. Nobody who stayed has left: it stays."""
    events = in_store(seed, _worn(seed, 400, 520), phone(SHOPPER, "fr-3", 430, 440, every=2.0))
    assert [kind for kind, _ in _visits(events, SHOPPER)] == [
        EventType.SHOPPER_ENTERED,
        EventType.SHOPPER_LEFT,
    ]
    assert rooms_of(stays(events, TAG)) == ["fr-3"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_worn_while_a_second_phone_stays_in_the_room_stays(seed: int) -> None:
    """Parent and child share the room, both with the app; the parent leaves while the child wears the
    garment. Someone is still there to wear it: it stays."""
    phones = phone(SHOPPER, "fr-3", 90, 410) + phone(COMPANION, "fr-3", 95, 900)
    events = in_store(seed, _worn(seed, 400, 520), phones)
    assert [kind for kind, _ in _visits(events, SHOPPER)][-1] is EventType.SHOPPER_LEFT
    assert rooms_of(stays(events, TAG)) == ["fr-3"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_phone_only_estimated_farther_off_does_not_take_out_what_is_worn(seed: int) -> None:
    """The shopper's phone, still reported by the room's node every few seconds, is estimated beyond the
    room's reach while they try the garment on (a pocket, a body between phone and node): BLE places it
    in no room, but it has not gone. The garment stays."""
    phones = phone(SHOPPER, "fr-3", 90, 410) + phone(SHOPPER, "fr-3", 410, 900, distance=3.6)
    events = in_store(seed, _worn(seed, 400, 520), phones)
    assert [kind for kind, _ in _visits(events, SHOPPER)] == [
        EventType.SHOPPER_ENTERED,
        EventType.SHOPPER_STAYED,
        EventType.SHOPPER_LEFT,
    ]
    assert rooms_of(stays(events, TAG)) == ["fr-3"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_garment_gone_silent_while_its_shoppers_phone_stays_is_believed_worn_for_longer(seed: int) -> None:
    """Read in most rounds, it falls silent for good at 250 s: put on, or carried out past no door. A worn
    garment leaves only with its wearer, so while its shopper's phone stays in the room it is taken out
    later than from a room without one, though still taken out once a try-on would have ended."""
    reads = tag_reads(TAG, "fr-3", 100, 250, p=0.8, rssi=-54, rng=random.Random(seed))
    (alone,) = stays(in_store(seed, reads, []), TAG)
    (watched,) = stays(in_store(seed, reads, phone(SHOPPER, "fr-3", 90, 900)), TAG)
    assert alone.room == watched.room == "fr-3" and alone.end is not None and watched.end is not None
    assert watched.end >= alone.end + 5
