"""The one private paho method we override (``edge.ingest.mqtt._DirectClient._handle_on_message``) is
still paho's: same name, same signature, still what paho's receive path calls for each message. A paho
release that renames or reshapes it fails here, not silently in production (the pin in pyproject.toml
names the minor release this was measured on)."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from importlib.metadata import version
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.ingest import mqtt
from edge.ingest.mqtt import MqttIngest
from tests.broker import Mosquitto


def test_paho_still_has_the_overridden_method_with_its_signature() -> None:
    ours = inspect.signature(mqtt._DirectClient._handle_on_message)
    theirs = inspect.signature(paho.Client._handle_on_message)
    assert list(theirs.parameters) == list(ours.parameters) == ["self", "message"]
    assert theirs.parameters["message"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    # paho's own annotation (a string under its `from __future__ import annotations`)
    assert "MQTTMessage" in str(theirs.parameters["message"].annotation)


def test_paho_calls_it_for_each_received_message() -> None:
    source = inspect.getsource(paho.Client)
    assert "self._handle_on_message(message)" in source


def test_the_installed_paho_is_the_pinned_minor_release() -> None:
    assert version("paho-mqtt").split(".")[:2] == ["2", "2"]


async def test_a_message_from_the_broker_goes_through_the_override(
    mosquitto: Mosquitto, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = mqtt._DirectClient._handle_on_message

    def spy(self: mqtt._DirectClient, message: paho.MQTTMessage) -> None:
        calls.append(message.topic)
        original(self, message)

    monkeypatch.setattr(mqtt._DirectClient, "_handle_on_message", spy)
    topic = f"stores/t/rfid/{uuid.uuid4().hex[:6]}"
    ingest = MqttIngest(
        host="127.0.0.1",
        port=mosquitto.port,
        client_id=f"test-{uuid.uuid4().hex[:8]}",
        subscriptions=[topic],
        queue_size=10,
    )
    await ingest.start()
    try:
        assert await ingest.wait_connected(10)
        await asyncio.sleep(0.3)  # the SUBACK follows the CONNACK
        publisher: Any = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        publisher.connect("127.0.0.1", mosquitto.port)
        publisher.loop_start()
        try:
            publisher.publish(topic, b"hello", qos=1).wait_for_publish(5)
            async with asyncio.timeout(10):
                batch = await ingest.next_batch()
        finally:
            publisher.loop_stop()
            publisher.disconnect()
    finally:
        await ingest.stop()
    assert [m.payload for m in batch] == [b"hello"]
    assert calls == [topic]
