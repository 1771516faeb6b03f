"""Low and varying read probability: each tag's window is learned from its own read rate (SMURF)."""

from __future__ import annotations

import random

import pytest

from edge.presence import PresenceEngine
from edge.presence.evidence import RoomEvidence, binomial_window
from tests.presence_support import epc, layout, run, stays, tag_reads

# The adaptive window alone: no hold for a garment that goes quiet with nothing saying why (a
# try-on), which would otherwise decide when these silent tags leave.
_WINDOW_ONLY = layout({"unexplained_hold_s": 0})


def test_window_is_the_binomial_bound_on_missing_a_present_tag() -> None:
    w = binomial_window(0.5, 1e-4)
    assert 0.5**w == pytest.approx(1e-4)
    assert binomial_window(0.9, 1e-4) < binomial_window(0.3, 1e-4) < binomial_window(0.1, 1e-4)


def test_a_tag_read_in_under_one_round_in_ten_stays_in_its_room_without_flicker() -> None:
    rng = random.Random(7)
    tag = epc(1)
    obs = tag_reads(tag, "fr-2", 10, 1210, p=0.08, rssi=-56, rng=rng)
    events = run(PresenceEngine(_WINDOW_ONLY), obs, 1300)
    got = stays(events, tag)
    assert [s.room for s in got] == ["fr-2"]
    assert got[0].start < 25  # entered within seconds of its first reads, despite missing most rounds
    assert got[0].end is not None and 1210 < got[0].end <= 1210 + 31


def test_a_frequently_read_tag_leaves_sooner_than_a_rarely_read_one() -> None:
    rng = random.Random(3)
    often, rarely = epc(1), epc(2)
    obs = tag_reads(often, "fr-2", 10, 600, p=0.8, rssi=-54, rng=rng)
    obs += tag_reads(rarely, "fr-5", 10, 600, p=0.08, rssi=-54, rng=rng)
    events = run(PresenceEngine(_WINDOW_ONLY), obs, 700)
    left_often = stays(events, often)[0].end
    left_rarely = stays(events, rarely)[0].end
    assert left_often is not None and left_rarely is not None
    assert left_often - 600 <= 6  # a few seconds of silence are already telling for this tag
    assert left_rarely - 600 > left_often - 600


def test_the_learned_read_probability_follows_the_tag() -> None:
    from edge.presence import PresenceParams

    params = PresenceParams()
    ev = RoomEvidence(params)
    for sec in range(0, 120, 2):  # read every other second
        ev.report(float(sec), -55.0, params)
    assert ev.read_probability() == pytest.approx(0.5, abs=0.08)
    assert params.min_window_s < ev.window <= params.exit_timeout_s


def test_a_tag_back_from_a_silence_learns_its_read_rate_afresh() -> None:
    # Read nearly every round, then silent for a minute (tried on), then hung back facing away: read in
    # under one round in ten, and now and then by the room next door about as strongly as at home. Had
    # it kept the short window of its old read rate, each of its new gaps would look like a departure.
    rng = random.Random(11)
    tag, other = epc(1), epc(2)
    obs = tag_reads(other, "fr-2", 10, 900, p=0.5, rssi=-54, rng=rng)
    obs += tag_reads(tag, "fr-2", 10, 300, p=0.9, rssi=-54, rng=rng)
    obs += tag_reads(tag, "fr-2", 360, 900, p=0.06, rssi=-56, rng=rng)
    obs += tag_reads(tag, "fr-3", 360, 900, p=0.03, rssi=-62, rng=rng)
    events = run(PresenceEngine(layout()), obs, 900)
    assert [(s.room, s.end) for s in stays(events, tag)] == [("fr-2", None)]
