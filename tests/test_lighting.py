"""Lighting in the layout: lights, scenes, each dialect's command, bad keys named, the edge's ACL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.ingest.mqtt import MqttIngest
from edge.layout import LayoutError, load_layout, parse_layout
from edge.lighting import Dialect, Scene, command
from simulators.lights import LightPrinter
from tests.broker import Mosquitto
from tests.conftest import DEMO_LAYOUT_FILE, ROOT
from tests.test_mosquitto_acl import SecuredBroker, _collect, secured  # noqa: F401 - the broker fixture

Z2M_SET = "zigbee2mqtt/fr-1-ceiling/set"


def _layout(room_extra: dict[str, object], lighting: dict[str, object] | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "store": {"id": "s1", "name": "S"},
        "rooms": [{"id": "fr-1", "name": "FR 1", "kind": "fitting_room", **room_extra}],
    }
    if lighting is not None:
        data["lighting"] = lighting
    return data


def test_zigbee2mqtt_command_scale_and_mireds() -> None:
    assert command(Scene(brightness=100, colour_temp_k=5000), Dialect.ZIGBEE2MQTT) == {
        "state": "ON",
        "brightness": 254,
        "color_temp": 200,
    }
    assert command(Scene(brightness=50, colour_temp_k=2700), Dialect.HOMEASSISTANT) == {
        "state": "ON",
        "brightness": 128,
        "color_temp": 370,
    }
    assert command(Scene(brightness=0, colour_temp_k=2700), Dialect.ZIGBEE2MQTT) == {"state": "OFF"}


def test_layout_light_topics_and_default_scenes() -> None:
    layout = parse_layout(
        _layout(
            {"light": {"topic": "zigbee2mqtt/fr-1", "dialect": "zigbee2mqtt"}},
            {
                "scenes": {
                    "evening": {"brightness": 40, "colour_temp_k": 2500},
                    "party": {"brightness": 90, "colour_temp_k": 6000},
                }
            },
        )
    )
    light = layout.rooms[0].light
    assert light is not None and light.command_topic == "zigbee2mqtt/fr-1/set"
    scenes = layout.lighting.all_scenes()
    assert scenes["evening"].brightness == 40 and scenes["welcome"].brightness > scenes["idle"].brightness
    assert {"daylight", "evening", "sunset", "party"} <= set(layout.lighting.shopper_scenes())
    assert "welcome" not in layout.lighting.shopper_scenes()


@pytest.mark.parametrize(
    ("room_extra", "lighting", "key"),
    [
        ({"light": {"topic": "z/#", "dialect": "zigbee2mqtt"}}, None, "rooms[0].light.topic"),
        ({"light": {"topic": "z/a", "dialect": "hue"}}, None, "rooms[0].light.dialect"),
        ({"light": {"topic": "z/a", "dialect": "zigbee2mqtt", "colour": 1}}, None, "rooms[0].light.colour"),
        ({"kind": "stockroom", "light": {"topic": "z/a", "dialect": "zigbee2mqtt"}}, None, "rooms[0].light"),
        ({}, {"scenes": {"x": {"brightness": 101, "colour_temp_k": 3000}}}, "lighting.scenes.x.brightness"),
        ({}, {"scenes": {"x": {"brightness": 50}}}, "lighting.scenes.x.colour_temp_k"),
        ({}, {"scene": {}}, "lighting.scene"),
    ],
)
def test_bad_lighting_keys_are_named(
    room_extra: dict[str, object], lighting: dict[str, object] | None, key: str
) -> None:
    with pytest.raises(LayoutError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_layout(_layout(room_extra, lighting))


def test_edge_may_write_the_light_command_topics(tmp_path: Path) -> None:
    make_acl = ROOT / "deploy" / "mosquitto" / "make_acl.py"
    subprocess.run(
        [sys.executable, str(make_acl), "--layout", str(DEMO_LAYOUT_FILE), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    acl = (tmp_path / "acl").read_text()
    edge_block = acl.split("\n\n")[1]
    assert "topic write zigbee2mqtt/fr-1-ceiling/set" in edge_block
    assert "topic write homeassistant/light/fr-2/set" in edge_block
    others = {block.splitlines()[0]: block for block in acl.split("\n\n")[2:]}
    assert others.pop("user fitroom-lights").splitlines()[1:] == [
        "topic read zigbee2mqtt/fr-1-ceiling/set",
        "topic read homeassistant/light/fr-2/set",
    ]
    assert not any("zigbee2mqtt/fr-1-ceiling" in block for block in others.values())


async def test_on_a_real_broker_only_the_edge_reaches_the_light(
    secured: SecuredBroker,  # noqa: F811
) -> None:
    bridge = MqttIngest(
        host="127.0.0.1",
        port=secured.broker.port,
        client_id=f"z2m-{uuid.uuid4().hex[:6]}",
        subscriptions=[Z2M_SET],
        queue_size=10,
        username="fitroom-lights",
        password=secured.credentials["fitroom-lights"],
        clean_session=True,
    )
    edge = secured.ingest("fitroom-edge")
    for client in (bridge, edge):
        await client.start()
        assert await client.wait_connected(10)
    await asyncio.sleep(0.5)
    forger = secured.device("impinj-a")
    try:
        forger.publish(Z2M_SET, b'{"state": "OFF"}', qos=1).wait_for_publish(5)
        bridge.publish(Z2M_SET, b'{"state": "OFF", "by": "bridge"}')  # the bridge may only read
        edge.publish(Z2M_SET, b'{"state": "ON"}')
        heard = await _collect(bridge, 1.5)
    finally:
        forger.disconnect()
        forger.loop_stop()
        await bridge.stop()
        await edge.stop()
    assert [m.payload for m in heard] == [b'{"state": "ON"}']


def test_the_demo_light_printer_prints_what_a_light_receives(own_mosquitto: Mosquitto) -> None:
    lines: list[str] = []
    printer = LightPrinter(load_layout(DEMO_LAYOUT_FILE), own_mosquitto.url, out=lines.append)
    printer.start()
    sender = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="edge-sim")
    sender.connect("127.0.0.1", own_mosquitto.port)
    sender.loop_start()
    try:
        deadline = time.monotonic() + 10
        while not lines and time.monotonic() < deadline:
            sender.publish(Z2M_SET, b'{"state": "ON"}', qos=1).wait_for_publish(5)
            time.sleep(0.3)
    finally:
        sender.loop_stop()
        sender.disconnect()
        printer.stop()
    assert lines and lines[0] == 'light fr-1 (zigbee2mqtt) <- {"state": "ON"}'
