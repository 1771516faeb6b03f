"""What the store learns of its antennas (``edge.presence.radio``), one read at a time."""

from __future__ import annotations

import math

from edge.presence.params import PresenceParams
from edge.presence.radio import StoreRadio


def _hear(radio: StoreRadio, room: str, rssi: float, times: int = 1) -> None:
    for _ in range(times):
        radio.room[room].learn_level(rssi, radio.expected_level(room))


def test_the_first_room_heard_takes_its_first_read_as_its_level() -> None:
    radio = StoreRadio(["fr-1", "fr-2"], PresenceParams())
    _hear(radio, "fr-1", -54.0)
    assert radio.expected_level("fr-1") == -54.0
    assert radio.expected_level("fr-2") == -54.0  # not heard yet: as the rooms that were


def test_a_room_whose_first_read_is_a_reflection_from_afar_starts_near_the_other_rooms_level() -> None:
    """A room's first read may come from a garment down the corridor, 30 dB weaker than its own garments:
    it starts at the other rooms' level, and its own garments then bring it to its own."""
    radio = StoreRadio(["fr-1", "fr-2", "fr-3"], PresenceParams())
    _hear(radio, "fr-1", -53.0, times=50)
    _hear(radio, "fr-2", -55.0, times=50)
    _hear(radio, "fr-3", -86.0)  # a reflection
    assert abs(radio.expected_level("fr-3") - -54.0) < 3.0
    _hear(radio, "fr-3", -60.0, times=200)  # its own garments: a weaker antenna than the others
    assert abs(radio.expected_level("fr-3") - -60.0) < 1.0
    assert not math.isnan(radio.room["fr-3"].spread)


def test_rooms_the_layout_says_are_neighbours_start_as_hearing_each_other_often_until_learned() -> None:
    """The hint seeds the pair both ways; a store's own sure seconds replace it (here: the neighbour never
    reads fr-1's garments), and rooms not named start as any other pair."""
    rooms = ["fr-1", "fr-2", "fr-3", "fr-4"]
    plain = StoreRadio(rooms, PresenceParams())
    radio = StoreRadio(rooms, PresenceParams(), {("fr-1", "fr-2"), ("floor", "fr-1")})
    assert radio.shares[("fr-1", "fr-2")] == radio.shares[("fr-2", "fr-1")] == 0.5
    assert radio.shares[("fr-1", "fr-3")] == plain.shares[("fr-1", "fr-3")] == 0.25
    for _ in range(600):
        radio.learn_sure("fr-1", -53.0, {"fr-1": -53.0}, ())
    radio.refresh(frozenset(rooms))
    assert radio.shares[("fr-1", "fr-2")] < 0.02
    assert radio.shares[("fr-2", "fr-1")] == 0.5  # nothing learned of fr-2's garments yet
