"""deploy/mosquitto: the shipped mosquitto.conf with generated users and ACL on a real Mosquitto.

Each reader and BLE node may publish only to its own topics; the edge may subscribe to everything its
pipeline needs; anonymous clients and wrong passwords are refused.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.ingest.mqtt import Message, MqttConnectRefused, MqttIngest
from edge.layout import load_layout
from tests.broker import Mosquitto, free_port
from tests.conftest import DEMO_LAYOUT, ROOT, require
from tests.deploy_support import make_certs, shipped_broker_conf

pytestmark = pytest.mark.broker

MAKE_ACL = ROOT / "deploy" / "mosquitto" / "make_acl.py"


class SecuredBroker:
    def __init__(self, broker: Mosquitto, credentials: dict[str, str]) -> None:
        self.broker = broker
        self.credentials = credentials

    def device(self, user: str, password: str | None = None) -> paho.Client:
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"{user}-{uuid.uuid4().hex[:6]}"
        )
        client.username_pw_set(user, self.credentials[user] if password is None else password)
        client.connect("127.0.0.1", self.broker.port)
        client.loop_start()
        return client

    def ingest(self, user: str, password: str | None = None) -> MqttIngest:
        from edge.ingest.pipeline import IngestPipeline
        from edge.metrics import EdgeMetrics
        from edge.presence import PresenceEngine

        layout = load_layout(DEMO_LAYOUT)
        pipeline = IngestPipeline(layout, PresenceEngine(layout), metrics=EdgeMetrics())
        return MqttIngest(
            host="127.0.0.1",
            port=self.broker.port,
            client_id=f"edge-{uuid.uuid4().hex[:8]}",
            subscriptions=pipeline.subscriptions(),
            queue_size=1000,
            username=user,
            password=self.credentials[user] if password is None else password,
        )


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[SecuredBroker]:
    require(bool(shutil.which("mosquitto_passwd")), "mosquitto_passwd (apt-get install mosquitto)")
    out = tmp_path / "fitroom"
    subprocess.run(
        [sys.executable, str(MAKE_ACL), "--layout", str(DEMO_LAYOUT), "--out", str(out), "--passwords"],
        check=True,
        capture_output=True,
    )
    credentials = dict(
        line.split("=", 1) for line in (out / "credentials.env").read_text().splitlines() if line
    )
    broker = Mosquitto(tmp_path)
    # The shipped configuration, with this test's paths and a private port (its TLS listener on another).
    (tmp_path / "data").mkdir()
    conf = shipped_broker_conf(
        secrets_dir=out,
        certs_dir=make_certs(tmp_path / "certs", "localhost", "127.0.0.1"),
        plain_port=broker.port,
        tls_port=free_port(),
        data_dir=tmp_path / "data",
        log_file=broker.log,
    )
    # As root, mosquitto drops to user 'mosquitto', who cannot reach pytest's 0700 temp dirs
    # (tests/test_deploy_broker.py runs it as that user, with files it can read).
    broker.conf.write_text(conf + ("user root\n" if os.geteuid() == 0 else ""))
    broker.start()
    yield SecuredBroker(broker, credentials)
    broker.stop()


async def _collect(ingest: MqttIngest, seconds: float) -> list[Message]:
    got: list[Message] = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                got += await ingest.next_batch()
    except TimeoutError:
        return got


def test_no_secret_is_committed_next_to_the_config() -> None:
    deploy = ROOT / "deploy" / "mosquitto"
    assert not (deploy / "passwd").exists() and not (deploy / "credentials.env").exists()
    conf = (deploy / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in conf and "acl_file" in conf and "password_file" in conf


async def test_devices_publish_only_to_their_own_topics_and_the_edge_hears_them(
    secured: SecuredBroker,
) -> None:
    ingest = secured.ingest("fitroom-edge")
    await ingest.start()
    assert await ingest.wait_connected(10)
    await asyncio.sleep(0.5)
    impinj, node = secured.device("impinj-a"), secured.device("fr-1")
    try:
        impinj.publish("stores/store-042/rfid/impinj-a", b"own", qos=1).wait_for_publish(5)
        impinj.publish("stores/store-042/rfid/zebra-b", b"forged", qos=1).wait_for_publish(5)
        impinj.publish("stores/store-042/rfid/impinj-a/status", b"offline", qos=1).wait_for_publish(5)
        node.publish("espresense/devices/iBeacon:x-1-2/fr-1", b"own-ble", qos=1).wait_for_publish(5)
        node.publish("espresense/devices/iBeacon:x-1-2/fr-2", b"forged-ble", qos=1).wait_for_publish(5)
        node.publish("espresense/rooms/fr-2/status", b"forged-status", qos=1).wait_for_publish(5)
        got = await _collect(ingest, 2.0)
    finally:
        for client in (impinj, node):
            client.disconnect()
            client.loop_stop()
        await ingest.stop()
    assert ingest.last_error is None  # every subscription of the edge was granted
    assert sorted(m.payload for m in got) == [b"offline", b"own", b"own-ble"]


async def test_wrong_password_is_refused_with_a_typed_error(secured: SecuredBroker) -> None:
    ingest = secured.ingest("fitroom-edge", password="wrong")
    await ingest.start()
    try:
        async with asyncio.timeout(10):
            while ingest.last_error is None:
                await asyncio.sleep(0.05)
    finally:
        await ingest.stop()
    assert isinstance(ingest.last_error, MqttConnectRefused)
    assert not ingest.connected


async def test_a_device_user_does_not_receive_other_devices_messages(secured: SecuredBroker) -> None:
    # Mosquitto grants the SUBSCRIBE and filters each message by the ACL at delivery.
    spy = MqttIngest(
        host="127.0.0.1",
        port=secured.broker.port,
        client_id=f"spy-{uuid.uuid4().hex[:6]}",
        subscriptions=["stores/store-042/rfid/zebra-b", "stores/store-042/rfid/impinj-a"],
        queue_size=10,
        username="impinj-a",
        password=secured.credentials["impinj-a"],
    )
    edge = secured.ingest("fitroom-edge")
    for ingest in (spy, edge):
        await ingest.start()
        assert await ingest.wait_connected(10)
    await asyncio.sleep(0.5)
    zebra = secured.device("zebra-b")
    try:
        zebra.publish("stores/store-042/rfid/zebra-b", b"zebra-read", qos=1).wait_for_publish(5)
        heard_by_edge = await _collect(edge, 1.5)
        heard_by_spy = await _collect(spy, 0.5)
    finally:
        zebra.disconnect()
        zebra.loop_stop()
        await spy.stop()
        await edge.stop()
    assert [m.payload for m in heard_by_edge] == [b"zebra-read"]
    assert heard_by_spy == []


async def test_the_edge_service_signs_in_with_its_own_user_from_the_settings(
    secured: SecuredBroker, tmp_path: Path
) -> None:
    from edge.compose import build_headless
    from edge.config import EdgeSettings

    settings = EdgeSettings(
        layout=DEMO_LAYOUT,
        mqtt_url=f"mqtt://127.0.0.1:{secured.broker.port}",
        mqtt_username="fitroom-edge",
        mqtt_password=secured.credentials["fitroom-edge"],
        db_url=f"sqlite:///{tmp_path / 'edge.db'}",
    )
    service = build_headless(settings).service
    await service.start()
    try:
        assert await service.mqtt.wait_connected(10)
        await asyncio.sleep(0.5)
        health = service.health()
    finally:
        await service.stop()
    assert health.status == "ok" and service.mqtt.last_error is None
