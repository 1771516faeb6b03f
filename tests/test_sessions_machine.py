"""The fitting-room session state machine, driven by presence events and an explicit clock."""

from __future__ import annotations

import itertools

from edge.presence.events import EventType, PresenceEvent
from edge.sessions import (
    FittingRooms,
    ItemAdded,
    ItemLeft,
    RestoredItem,
    RestoredSession,
    SessionChange,
    SessionEnded,
    SessionOpened,
    ShopperJoined,
)

IDLE = 60.0
EPC_A = "3074257BF7194E4000001A85"
EPC_B = "3074257BF7194E4000001A86"
PHONE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-1-2"


def rooms() -> FittingRooms:
    ids = (f"s{n}" for n in itertools.count(1))
    return FittingRooms(["fr-1", "fr-2"], idle_timeout_s=IDLE, resume_grace_s=30.0, new_id=lambda: next(ids))


def ev(
    t: float, type_: EventType, room: str = "fr-1", epc: str | None = None, device: str | None = None
) -> PresenceEvent:
    gtin = "80614141123458" if epc else None
    return PresenceEvent(t, type_, room, epc=epc, gtin=gtin, device=device)


def test_first_item_into_an_empty_room_opens_a_session_and_records_the_item() -> None:
    fr = rooms()
    changes = fr.on_presence(ev(100, EventType.ITEM_ENTERED, epc=EPC_A))
    assert changes == [
        SessionOpened("s1", "fr-1", 100, "item_entered"),
        ItemAdded("s1", "fr-1", EPC_A, "80614141123458", 100, first_time=True),
    ]
    assert fr.room("fr-1").session is not None


def stays(fr: FittingRooms, t: float, device: str, room: str = "fr-1") -> list[SessionChange]:
    """A phone enters ``room`` and presence says at once that it stays (its own tests time that)."""
    return fr.on_presence(ev(t, EventType.SHOPPER_ENTERED, room, device=device)) + fr.on_presence(
        ev(t, EventType.SHOPPER_STAYED, room, device=device)
    )


def test_a_shoppers_phone_that_stays_opens_a_session_from_when_they_came_in() -> None:
    fr = rooms()
    assert fr.on_presence(ev(5, EventType.SHOPPER_ENTERED, device="iBeacon:x-1-2")) == []
    changes = fr.on_presence(ev(40, EventType.SHOPPER_STAYED, device="iBeacon:x-1-2"))
    assert changes == [
        SessionOpened("s1", "fr-1", 5, "shopper_entered"),
        ShopperJoined("s1", "fr-1", "iBeacon:x-1-2", 5),
    ]
    assert fr.room("fr-1").shoppers == {"iBeacon:x-1-2": 5}


def test_a_session_a_phone_opens_begins_no_earlier_than_the_rooms_last_one_ended() -> None:
    fr = rooms()
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(1, EventType.ITEM_LEFT, epc=EPC_A))
    fr.on_presence(ev(50, EventType.SHOPPER_ENTERED, device=PHONE))  # the next shopper, as the room empties
    assert isinstance(fr.tick(1 + IDLE)[0], SessionEnded)
    opened, _joined = fr.on_presence(ev(90, EventType.SHOPPER_STAYED, device=PHONE))
    assert opened == SessionOpened("s2", "fr-1", 1 + IDLE, "shopper_entered")


def test_a_phone_carried_past_an_empty_room_opens_no_session() -> None:
    fr = rooms()
    assert fr.on_presence(ev(5, EventType.SHOPPER_ENTERED, "fr-2", device=PHONE)) == []
    assert fr.room("fr-2").shoppers == {}  # its mirror greets nobody
    assert fr.on_presence(ev(20, EventType.SHOPPER_LEFT, "fr-2", device=PHONE)) == []
    assert fr.tick(10 * IDLE) == [] and fr.open_sessions() == []


def test_a_phone_carried_past_does_not_join_or_cut_short_a_shopper_without_one() -> None:
    """A shopper without the app tries garments on; another shopper's phone is placed in the room for a
    moment as they walk by. It is not of the session: the session keeps its garments for the abandoned
    time, not the idle time a shopper who left with their phone gets."""
    fr = rooms()
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(100, EventType.SHOPPER_ENTERED, device=PHONE))
    fr.on_presence(ev(115, EventType.SHOPPER_LEFT, device=PHONE))
    session = fr.room("fr-1").session
    assert session is not None and session.shoppers == set()
    assert fr.tick(10 * IDLE) == []


def test_the_sessions_own_shopper_counts_again_as_soon_as_they_are_back() -> None:
    fr = rooms()
    stays(fr, 0, PHONE)
    fr.on_presence(ev(1, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(10, EventType.SHOPPER_LEFT, device=PHONE))
    fr.on_presence(ev(20, EventType.SHOPPER_ENTERED, device=PHONE))
    assert fr.room("fr-1").shoppers == {PHONE: 20}
    assert fr.tick(20 + 10 * IDLE) == []  # someone is in the room


def test_events_of_rooms_that_are_not_fitting_rooms_are_ignored() -> None:
    fr = rooms()
    assert fr.on_presence(ev(1, EventType.ITEM_ENTERED, room="entrance", epc=EPC_A)) == []


def test_session_ends_after_idle_time_and_items_left_in_the_room_become_leftovers() -> None:
    fr = rooms()
    stays(fr, 0, PHONE)
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(1, EventType.ITEM_ENTERED, epc=EPC_B))
    fr.on_presence(ev(2, EventType.ITEM_LEFT, epc=EPC_B))
    fr.on_presence(ev(2, EventType.SHOPPER_LEFT, device=PHONE))
    assert fr.tick(2 + IDLE - 1) == []
    (ended,) = fr.tick(2 + IDLE)
    assert isinstance(ended, SessionEnded)
    assert [lo.epc for lo in ended.leftovers] == [EPC_A]
    assert fr.room("fr-1").session is None


def test_a_shopper_in_the_room_keeps_the_session_open() -> None:
    fr = rooms()
    stays(fr, 0, "d1")
    assert fr.tick(10 * IDLE) == []
    fr.on_presence(ev(10 * IDLE, EventType.SHOPPER_LEFT, device="d1"))
    assert fr.tick(11 * IDLE - 1) == []
    assert isinstance(fr.tick(11 * IDLE)[0], SessionEnded)


def test_a_room_with_unknown_coverage_never_ends_its_session() -> None:
    fr = rooms()
    stays(fr, 0, PHONE)
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(1, EventType.SHOPPER_LEFT, device=PHONE))
    fr.on_presence(ev(1, EventType.ROOM_UNKNOWN))
    assert fr.tick(100 * IDLE) == []
    fr.on_presence(ev(100 * IDLE, EventType.ROOM_KNOWN))
    assert fr.tick(100 * IDLE + IDLE - 1) == []  # a fresh idle period after coverage returns
    assert isinstance(fr.tick(101 * IDLE)[0], SessionEnded)


def test_mirror_activity_restarts_the_idle_clock() -> None:
    fr = rooms()
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(0, EventType.ITEM_LEFT, epc=EPC_A))
    fr.record_activity("fr-1", 50)
    assert fr.tick(IDLE + 10) == []
    assert fr.tick(50 + IDLE)


def test_mirror_activity_in_a_room_without_session_opens_one() -> None:
    fr = rooms()
    session, changes = fr.record_activity("fr-2", 7)
    assert changes == [SessionOpened("s1", "fr-2", 7, "mirror")]
    assert session.room_id == "fr-2"


def test_purchased_items_do_not_become_go_backs() -> None:
    fr = rooms()
    stays(fr, 0, PHONE)
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_B))
    fr.record_purchase("fr-1", [EPC_B], 1)
    fr.on_presence(ev(1, EventType.SHOPPER_LEFT, device=PHONE))
    (ended,) = fr.tick(1 + IDLE)
    assert isinstance(ended, SessionEnded)
    assert [lo.epc for lo in ended.leftovers] == [EPC_A]


def test_garments_in_the_room_keep_the_session_of_a_shopper_without_a_phone() -> None:
    fr = rooms()
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(1, EventType.ITEM_ENTERED, epc=EPC_B))
    assert fr.tick(1 + 10 * IDLE) == []  # ten idle periods standing still with the garments: still trying on
    session = fr.room("fr-1").session
    assert session is not None and [i.epc for i in session.present_items()] == [EPC_A, EPC_B]


def test_a_phoneless_session_ends_once_nothing_of_it_is_in_the_room() -> None:
    fr = rooms()
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(1, EventType.ITEM_ENTERED, epc=EPC_B))
    fr.on_presence(ev(5 * IDLE, EventType.ITEM_LEFT, epc=EPC_A))
    assert fr.tick(6 * IDLE) == []  # one garment still in the room
    fr.on_presence(ev(6 * IDLE, EventType.ITEM_LEFT, epc=EPC_B))  # the shopper walked out with both
    assert fr.tick(7 * IDLE - 1) == []
    (ended,) = fr.tick(7 * IDLE)
    assert isinstance(ended, SessionEnded) and ended.leftovers == ()


def test_garments_left_behind_after_the_shoppers_phone_has_gone_become_go_backs() -> None:
    fr = rooms()
    stays(fr, 0, PHONE)
    fr.on_presence(ev(1, EventType.ITEM_ENTERED, epc=EPC_A))
    assert fr.tick(10 * IDLE) == []
    fr.on_presence(ev(10 * IDLE, EventType.SHOPPER_LEFT, device=PHONE))
    assert fr.tick(11 * IDLE - 1) == []
    (ended,) = fr.tick(11 * IDLE)
    assert isinstance(ended, SessionEnded) and [lo.epc for lo in ended.leftovers] == [EPC_A]


def test_garments_unchanged_for_the_abandoned_time_end_a_phoneless_session_with_go_backs() -> None:
    ids = (f"s{n}" for n in itertools.count(1))
    fr = FittingRooms(["fr-1"], idle_timeout_s=IDLE, abandoned_after_s=30 * IDLE, new_id=lambda: next(ids))
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.record_activity("fr-1", 10 * IDLE)  # the mirror used: the abandoned clock starts again
    assert fr.tick(40 * IDLE - 1) == []
    (ended,) = fr.tick(40 * IDLE)
    assert isinstance(ended, SessionEnded) and [lo.epc for lo in ended.leftovers] == [EPC_A]


def test_an_item_that_comes_back_is_recorded_again_without_duplicating_it() -> None:
    fr = rooms()
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(1, EventType.ITEM_LEFT, epc=EPC_A))
    changes = fr.on_presence(ev(2, EventType.ITEM_ENTERED, epc=EPC_A))
    assert changes == [ItemAdded("s1", "fr-1", EPC_A, "80614141123458", 2, first_time=False)]
    session = fr.room("fr-1").session
    assert session is not None and len(session.items) == 1


def test_after_the_end_a_new_item_opens_a_new_session() -> None:
    fr = rooms()
    fr.on_presence(ev(0, EventType.ITEM_ENTERED, epc=EPC_A))
    fr.on_presence(ev(0, EventType.ITEM_LEFT, epc=EPC_A))
    assert fr.tick(IDLE)
    changes = fr.on_presence(ev(IDLE + 5, EventType.ITEM_ENTERED, epc=EPC_B))
    assert isinstance(changes[0], SessionOpened) and changes[0].session_id == "s2"


def test_resumed_session_keeps_items_presence_confirms_and_drops_the_others_after_grace() -> None:
    fr = rooms()
    saved = RestoredSession(
        "old", "fr-1", 10.0, items=(RestoredItem(EPC_A, None, 11.0), RestoredItem(EPC_B, None, 12.0))
    )
    fr.resume([saved], now=1000.0)
    assert fr.on_presence(ev(1001, EventType.ITEM_ENTERED, epc=EPC_A)) == []  # already in, now confirmed
    changes = fr.tick(1030.0)
    assert changes == [ItemLeft("old", "fr-1", EPC_B, 1030.0, unconfirmed=True)]
    session = fr.room("fr-1").session
    assert session is not None and [i.epc for i in session.present_items()] == [EPC_A]


def test_a_resumed_session_gets_a_full_idle_period_from_the_restart() -> None:
    fr = rooms()
    fr.resume([RestoredSession("old", "fr-1", 10.0)], now=1000.0)
    assert fr.tick(1000.0 + IDLE - 1) == []
    (ended,) = fr.tick(1000.0 + IDLE)
    assert isinstance(ended, SessionEnded) and ended.session_id == "old" and ended.started_at == 10.0


def test_restored_items_in_a_room_without_coverage_wait_for_coverage_to_return() -> None:
    fr = rooms()
    fr.resume([RestoredSession("old", "fr-1", 10.0, items=(RestoredItem(EPC_A, None, 11.0),))], now=1000.0)
    fr.on_presence(ev(1000.5, EventType.ROOM_UNKNOWN))
    assert fr.tick(1040.0) == []
    fr.on_presence(ev(1050.0, EventType.ROOM_KNOWN))
    assert fr.tick(1051.0) == []  # a fresh grace period from when the room can be heard again
    assert fr.tick(1080.0) == [ItemLeft("old", "fr-1", EPC_A, 1080.0, unconfirmed=True)]
