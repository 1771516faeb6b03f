"""The in-process bus: typed topics (``edge.topics``), subscribers in order, one failing subscriber
never stops the others, and mypy refuses a payload of the wrong type."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

from edge.bus import EventBus, Topic
from edge.presence.events import EventType, PresenceEvent
from edge.topics import MEMBER_ERASED, PRESENCE, PROFILE_ARRIVED, ROOM_CHANGED, TASKS_CHANGED
from tests.import_graph import ROOT


def test_each_subscriber_gets_its_topic_and_payload_in_subscription_order() -> None:
    bus = EventBus()
    seen: list[tuple[str, object]] = []
    bus.subscribe(ROOM_CHANGED, lambda topic, room: seen.append(("first", room)))
    bus.subscribe(ROOM_CHANGED, lambda topic, room: seen.append((topic.name, room)))
    bus.subscribe(TASKS_CHANGED, lambda _topic, _none: seen.append(("tasks", None)))
    bus.publish(ROOM_CHANGED, "fr-1")
    assert seen == [("first", "fr-1"), ("room_changed", "fr-1")]


def test_topics_are_keys_by_identity_not_by_name() -> None:
    bus = EventBus()
    seen: list[str] = []
    twin = Topic[str]("member_erased")
    bus.subscribe(MEMBER_ERASED, lambda _t, member: seen.append(member))
    bus.publish(twin, "m-1")
    bus.publish(PROFILE_ARRIVED, "iBeacon:x-1-2")
    assert seen == []
    bus.publish(MEMBER_ERASED, "m-2")
    assert seen == ["m-2"]


def test_a_failing_subscriber_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    seen: list[PresenceEvent] = []

    def broken(_topic: Topic[PresenceEvent], _event: PresenceEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe(PRESENCE, broken)
    bus.subscribe(PRESENCE, lambda _t, event: seen.append(event))
    event = PresenceEvent(1.0, EventType.ITEM_ENTERED, "fr-1", epc="E1")
    with caplog.at_level(logging.ERROR, logger="edge.bus"):
        bus.publish(PRESENCE, event)
    assert seen == [event]
    assert "presence" in caplog.text


def test_unsubscribe_and_stop_end_deliveries() -> None:
    bus = EventBus()
    seen: list[str] = []
    off = bus.subscribe(ROOM_CHANGED, lambda _t, room: seen.append(room))
    bus.publish(ROOM_CHANGED, "fr-1")
    off()
    bus.publish(ROOM_CHANGED, "fr-2")
    bus.subscribe(ROOM_CHANGED, lambda _t, room: seen.append(room))
    bus.stop()
    bus.publish(ROOM_CHANGED, "fr-3")
    assert seen == ["fr-1"]


def test_mypy_refuses_a_payload_that_is_not_the_topics_type(tmp_path: Path) -> None:
    snippet = tmp_path / "wrong_payload.py"
    snippet.write_text(
        textwrap.dedent(
            """
            from edge.bus import EventBus, Topic
            from edge.presence.events import PresenceEvent
            from edge.topics import PRESENCE, ROOM_CHANGED

            bus = EventBus()
            bus.publish(ROOM_CHANGED, "fr-1")
            bus.publish(PRESENCE, "fr-1")  # wrong: PRESENCE carries PresenceEvent


            def on_room(_topic: Topic[PresenceEvent], _event: PresenceEvent) -> None:
                return None


            bus.subscribe(ROOM_CHANGED, on_room)  # wrong: ROOM_CHANGED carries a room id
            """
        )
    )
    out, _err, status = mypy_api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(snippet),
        ]
    )
    assert status == 1, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["8", "15"], out
