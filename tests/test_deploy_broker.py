"""The store's broker as installed: the shipped mosquitto.conf, run as its own unprivileged user.

The password file and ACL come from make_acl.py (``--owner mosquitto``), the CA and the broker's
certificate from make_certs.sh; only paths and ports are moved to temp ones. Over TLS each device user may
publish only to its own topics, a wrong password is refused, and the TLS port refuses plain MQTT.
"""

from __future__ import annotations

import asyncio
import pwd
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.layout import BleFormat, load_layout
from tests.conftest import DEMO_LAYOUT
from tests.deploy_support import BROKER_USER, InstalledBroker, installed_broker, make_certs

pytestmark = pytest.mark.broker


@pytest.fixture(scope="module")
def installed() -> Iterator[InstalledBroker]:
    with installed_broker() as broker:
        yield broker


def _wait_connected(client: paho.Client, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.is_connected():
            return True
        time.sleep(0.05)
    return False


def _stop(*clients: paho.Client) -> None:
    for client in clients:
        client.disconnect()
        client.loop_stop()


def _own_and_forged(layout_path: Path = DEMO_LAYOUT) -> dict[str, tuple[list[str], list[str]]]:
    """Per device user: topics it may publish to, and other devices' topics it must not."""
    layout = load_layout(layout_path)
    topics: dict[str, tuple[list[str], list[str]]] = {}
    # LLRP readers are driven by the edge over TCP: they have no broker user.
    readers, nodes = [r for r in layout.readers if not r.is_llrp], layout.ble_nodes
    for i, reader in enumerate(readers):
        other = readers[(i + 1) % len(readers)]
        topics[reader.id] = ([reader.topic, reader.status_topic], [other.topic, other.status_topic])
    espresense = [n for n in nodes if n.format is BleFormat.ESPRESENSE]
    for i, node in enumerate(espresense):
        other = espresense[(i + 1) % len(espresense)]
        topics[node.id] = (
            [f"{node.root}/devices/iBeacon:x-1-2/{node.id}", f"{node.root}/rooms/{node.id}/status"],
            [f"{node.root}/devices/iBeacon:x-1-2/{other.id}", f"{node.root}/rooms/{other.id}/status"],
        )
    for node in nodes:
        if node.format is not BleFormat.ESPRESENSE:
            topics[node.id] = (
                [f"{node.root}/{node.id}/BTtoMQTT/AABBCCDDEEFF", f"{node.root}/{node.id}/LWT"],
                [readers[0].topic, f"{nodes[0].root}/devices/iBeacon:x-1-2/{nodes[0].id}"],
            )
    return topics


def test_the_broker_runs_as_its_own_unprivileged_user(installed: InstalledBroker) -> None:
    status = Path(f"/proc/{installed.pid}/status").read_text()
    uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
    assert uid == pwd.getpwnam(BROKER_USER).pw_uid != 0


def test_every_device_user_publishes_over_tls_only_to_its_own_topics(installed: InstalledBroker) -> None:
    plan = _own_and_forged()
    # every device in the layout, the edge and the lights' bridge (it only reads, test_lighting.py) aside
    assert len(plan) == len(installed.credentials.keys() - {"fitroom-edge", "fitroom-lights"})
    heard: list[tuple[str, bytes]] = []
    edge = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="edge-listener")
    edge.username_pw_set("fitroom-edge", installed.credentials["fitroom-edge"])
    edge.tls_set(ca_certs=str(installed.ca_file))
    edge.on_message = lambda _c, _u, msg: heard.append((msg.topic, msg.payload))
    # '#' is refused per topic by the ACL at delivery; the edge's own filters are what it reads in a store.
    edge.on_connect = lambda c, _u, _f, _rc, _p: c.subscribe("#", qos=1)
    edge.connect("localhost", installed.tls_port)
    edge.loop_start()
    devices: list[paho.Client] = []
    try:
        assert _wait_connected(edge)
        time.sleep(0.3)
        expected: list[tuple[str, bytes]] = []
        for user, (own, forged) in plan.items():
            device = installed.client(user)
            devices.append(device)
            assert _wait_connected(device), f"{user} could not sign in over TLS"
            for topic in own:
                payload = f"{user} own".encode()
                device.publish(topic, payload, qos=1).wait_for_publish(5)
                expected.append((topic, payload))
            for topic in forged:
                device.publish(topic, f"{user} forged".encode(), qos=1).wait_for_publish(5)
        deadline = time.monotonic() + 5
        while len(heard) < len(expected) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a forged message would arrive about now
    finally:
        _stop(edge, *devices)
    assert sorted(heard) == sorted(expected)
    assert not [m for m in heard if m[1].endswith(b"forged")]


def test_a_wrong_password_is_refused_over_tls(installed: InstalledBroker) -> None:
    refused: list[bool] = []
    client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="impostor")
    client.username_pw_set("impinj-a", "not-its-password")
    client.tls_set(ca_certs=str(installed.ca_file))
    client.on_connect = lambda _c, _u, _f, rc, _p: refused.append(rc.is_failure)
    client.connect("localhost", installed.tls_port)
    client.loop_start()
    try:
        deadline = time.monotonic() + 10
        while not refused and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        _stop(client)
    assert refused == [True]


def test_plain_mqtt_on_the_tls_port_gets_no_connack(installed: InstalledBroker) -> None:
    # MQTT 3.1.1 CONNECT, client id "plain", clean session, keep-alive 10 s.
    connect = bytes([0x10, 17, 0, 4, *b"MQTT", 4, 2, 0, 10, 0, 5, *b"plain"])
    with socket.create_connection(("127.0.0.1", installed.tls_port), timeout=5) as sock:
        sock.sendall(connect)
        try:
            answer = sock.recv(64)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    assert not answer.startswith(b"\x20")  # 0x20 = CONNACK: never answered as MQTT


def test_a_client_that_does_not_trust_the_store_ca_is_not_connected(
    installed: InstalledBroker, tmp_path: Path
) -> None:
    other_ca = make_certs(tmp_path / "other", "localhost") / "ca.crt"
    with pytest.raises(ssl.SSLCertVerificationError):
        installed.client("impinj-a", ca_file=other_ca)


async def test_the_edge_on_mqtts_verifies_the_store_ca_and_signs_in(
    installed: InstalledBroker, tmp_path: Path
) -> None:
    from edge.compose import build_headless
    from edge.config import load_settings

    settings = load_settings(
        {
            "layout": str(DEMO_LAYOUT),
            "mqtt_url": f"mqtts://localhost:{installed.tls_port}",
            "mqtt_username": "fitroom-edge",
            "mqtt_password": installed.credentials["fitroom-edge"],
            "mqtt_ca_file": str(installed.ca_file),
            "db_url": f"sqlite:///{tmp_path / 'edge.db'}",
        }
    )
    service = build_headless(settings).service
    await service.start()
    try:
        assert await service.mqtt.wait_connected(10)
        await asyncio.sleep(0.5)
        health = service.health()
    finally:
        await service.stop()
    # The demo layout's LLRP reader has no emulator here; only the broker link is under test.
    assert health.mqtt_connected and service.mqtt.last_error is None
    assert not [p for p in health.problems if not p.startswith("llrp reader")], health.problems
