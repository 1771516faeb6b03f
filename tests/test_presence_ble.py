"""BLE shoppers: smoothed evidence with hysteresis across nodes, silence windows from the report rate."""

from __future__ import annotations

from edge.presence import EventType, PresenceEngine, PresenceEvent
from edge.reads import BleNodeStatus, BleSighting, Observation
from tests.presence_support import events_of, layout, phone, run

DEVICE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42"


def _visits(events: list[PresenceEvent]) -> list[tuple[str, str]]:
    return [(e.type.value, e.room) for e in events if e.device == DEVICE]


def test_a_phone_in_a_room_is_there_once_despite_a_neighbour_hearing_it() -> None:
    obs = phone(DEVICE, "fr-2", 10, 600, rssi=-64, distance=1.4)
    obs += phone(DEVICE, "fr-3", 12, 600, rssi=-73, distance=2.6)
    events = run(PresenceEngine(layout()), obs, 600)
    assert _visits(events) == [("shopper_entered", "fr-2"), ("shopper_stayed", "fr-2")]


def test_a_phone_leaves_when_its_reports_stop() -> None:
    events = run(PresenceEngine(layout()), phone(DEVICE, "fr-2", 10, 300), 400)
    assert _visits(events) == [
        ("shopper_entered", "fr-2"),
        ("shopper_stayed", "fr-2"),
        ("shopper_left", "fr-2"),
    ]
    (left,) = events_of(events, EventType.SHOPPER_LEFT)
    assert 300 < left.t <= 300 + 30


def test_a_phone_stays_once_heard_there_longer_than_a_passer_by_is() -> None:
    # ESPresense reports a still phone about every 5 s: it is first heard in the room longer than
    # ble_exit_timeout_s (30 s) at the report after that.
    events = run(PresenceEngine(layout()), phone(DEVICE, "fr-2", 10, 300), 400)
    entered, stayed = (
        events_of(events, EventType.SHOPPER_ENTERED),
        events_of(events, EventType.SHOPPER_STAYED),
    )
    assert len(entered) == len(stayed) == 1
    assert 30 < stayed[0].t - entered[0].t <= 30 + 5


def test_a_phone_carried_past_a_door_enters_and_leaves_but_never_stays() -> None:
    # Heard by fr-2's node for a second on the way along the corridor, then not at all.
    events = run(PresenceEngine(layout()), phone(DEVICE, "fr-2", 100, 101.5, every=0.5), 300)
    assert _visits(events) == [("shopper_entered", "fr-2"), ("shopper_left", "fr-2")]


def test_a_phone_heard_from_afar_is_in_no_room() -> None:
    # Through the curtain from the sales floor: heard, but metres away.
    obs = phone(DEVICE, "fr-1", 10, 600, rssi=-81, distance=4.2)
    assert _visits(run(PresenceEngine(layout()), obs, 600)) == []


def test_moving_to_another_room_needs_a_clearly_louder_node() -> None:
    obs = phone(DEVICE, "fr-2", 10, 300, rssi=-64, distance=1.4)
    obs += phone(DEVICE, "fr-3", 10, 300, rssi=-66, distance=1.6)  # about as loud: no flip-flopping
    obs += phone(DEVICE, "fr-4", 300, 600, rssi=-62, distance=1.2, every=1.2)
    events = run(PresenceEngine(layout()), obs, 600)
    assert _visits(events) == [
        ("shopper_entered", "fr-2"),
        ("shopper_stayed", "fr-2"),
        ("shopper_left", "fr-2"),
        ("shopper_entered", "fr-4"),
        ("shopper_stayed", "fr-4"),
    ]


def test_a_shopper_does_not_leave_while_the_rooms_node_is_offline() -> None:
    obs: list[tuple[float, Observation]] = list(phone(DEVICE, "fr-2", 10, 300))
    obs.append((300.0, BleNodeStatus("fr-2", "fr-2", False)))
    events = run(PresenceEngine(layout()), obs, 600)
    assert _visits(events) == [("shopper_entered", "fr-2"), ("shopper_stayed", "fr-2")]


def test_weak_reports_below_the_floor_are_ignored() -> None:
    obs = [(float(t), BleSighting("fr-2", "fr-2", DEVICE, -99.0, None)) for t in range(10, 300, 2)]
    assert _visits(run(PresenceEngine(layout()), list(obs), 300)) == []
