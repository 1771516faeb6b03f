"""What rooms learn from the garments they read: their own level, their neighbours' level, and who
their neighbours are (nothing of it from the layout)."""

from __future__ import annotations

import random

from edge.presence.neighbours import RoomRadio


def _learned(rng: random.Random, seconds: int = 400) -> RoomRadio:
    """Three rooms in a row: each reads its garments at about -53 dBm and the next room's at about -67."""
    radio = RoomRadio()
    rooms = ["fr-1", "fr-2", "fr-3"]
    for _ in range(seconds):
        for i, room in enumerate(rooms):
            radio.read_inside(room, rng.gauss(-53, 4))
            for j in (i - 1, i + 1):
                if 0 <= j < len(rooms) and rng.random() < 0.2:
                    radio.read_across(rooms[j], room, rng.gauss(-67, 4))
    return radio


def test_a_rooms_neighbours_are_the_rooms_whose_garments_it_reads() -> None:
    radio = _learned(random.Random(1))
    assert radio.neighbours("fr-1") == {"fr-2"}
    assert radio.neighbours("fr-2") == {"fr-1", "fr-3"}
    assert radio.neighbours("fr-3") == {"fr-2"}


def test_neighbours_are_unknown_until_enough_cross_reads_are_seen() -> None:
    radio = _learned(random.Random(2), seconds=5)
    assert radio.neighbours("fr-2") is None
    assert radio.neighbours("fr-9") is None  # a room never heard from


def test_a_read_is_judged_inside_or_next_door_by_the_levels_the_room_has_learned() -> None:
    radio = _learned(random.Random(3))
    assert radio.inside_likelier("fr-2", -55) is True
    assert radio.inside_likelier("fr-2", -66) is False
    assert RoomRadio().inside_likelier("fr-2", -55) is None  # nothing learned yet: no opinion


def test_a_room_no_garment_has_been_in_yet_is_known_by_the_rooms_that_read_its_garments() -> None:
    # Four rooms in a row; nothing has hung in fr-3 yet (say its antenna has been down since opening),
    # but fr-3's antenna read fr-2's and fr-4's garments before: a radio path works both ways.
    rng = random.Random(4)
    radio = RoomRadio()
    rooms = ["fr-1", "fr-2", "fr-4"]
    row = ["fr-1", "fr-2", "fr-3", "fr-4"]
    for _ in range(400):
        for room in rooms:
            radio.read_inside(room, rng.gauss(-53, 4))
            i = row.index(room)
            for j in (i - 1, i + 1):
                if 0 <= j < len(row) and rng.random() < 0.2:
                    radio.read_across(row[j], room, rng.gauss(-67, 4))
    assert radio.neighbours("fr-2") == {"fr-1", "fr-3"}
    assert radio.reads_from("fr-2", "fr-3") is False  # it has never read a garment inside fr-3
    assert radio.reads_from("fr-3", "fr-2") is True
