"""The MQTT boundary on a real Mosquitto: QoS 1 hand-off, persistent session, resubscribe, overflow."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge import clock
from edge.config import EdgeSettings
from edge.ingest.mqtt import Message, MqttIngest
from tests.broker import Mosquitto
from tests.conftest import require

pytestmark = pytest.mark.broker


class Publisher:
    """A plain paho publisher, as a reader would be."""

    def __init__(self, broker: Mosquitto) -> None:
        self.client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def send(self, topic: str, payload: bytes | str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(mosquitto: Mosquitto) -> Iterator[Publisher]:
    pub = Publisher(mosquitto)
    yield pub
    pub.close()


def make_ingest(broker: Mosquitto, subscriptions: list[str], **kw: object) -> MqttIngest:
    options: dict[str, object] = {
        "client_id": f"test-{uuid.uuid4().hex[:8]}",
        "queue_size": 1000,
        "reconnect_min_s": 1,
        "reconnect_max_s": 2,
    }
    options.update(kw)
    return MqttIngest(host="127.0.0.1", port=broker.port, subscriptions=subscriptions, **options)  # type: ignore[arg-type]


async def collect(ingest: MqttIngest, count: int, timeout: float = 10.0) -> list[Message]:
    got: list[Message] = []
    async with asyncio.timeout(timeout):
        while len(got) < count:
            got += await ingest.next_batch()
    return got


async def started(ingest: MqttIngest) -> MqttIngest:
    await ingest.start()
    assert await ingest.wait_connected(10), "adapter did not connect"
    await asyncio.sleep(0.3)  # let the SUBACK arrive before anyone publishes
    return ingest


async def test_subscribed_messages_arrive_as_immutable_messages_in_order(
    mosquitto: Mosquitto, publisher: Publisher
) -> None:
    run = uuid.uuid4().hex[:6]
    topic = f"stores/t/rfid/{run}"
    # A root of this test's own: the session-wide broker holds other tests' retained statuses.
    status_root = f"espresense-{run}"
    ingest = await started(make_ingest(mosquitto, [topic, f"{status_root}/rooms/+/status"]))
    before = clock.now()  # received times are the edge clock's
    try:
        for i in range(5):
            publisher.send(topic, f'{{"n":{i}}}')
        publisher.send("unrelated/topic", b"x")
        publisher.send(f"{status_root}/rooms/fr-1/status", b"online")
        got = await collect(ingest, 6)
    finally:
        await ingest.stop()
    assert [m.payload for m in got[:5]] == [f'{{"n":{i}}}'.encode() for i in range(5)]
    assert got[5] == Message(f"{status_root}/rooms/fr-1/status", b"online", got[5].received)
    assert all(m.topic != "unrelated/topic" for m in got)
    assert all(before <= m.received <= clock.now() for m in got)
    with pytest.raises(AttributeError):
        got[0].topic = "other"  # type: ignore[misc]


async def test_messages_published_while_the_edge_is_away_are_delivered_on_return(
    mosquitto: Mosquitto, publisher: Publisher
) -> None:
    topic = f"stores/t/rfid/{uuid.uuid4().hex[:6]}"
    client_id = f"edge-{uuid.uuid4().hex[:8]}"
    first = await started(make_ingest(mosquitto, [topic], client_id=client_id))
    await first.stop()
    for i in range(3):
        publisher.send(topic, f"away-{i}")
    second = await started(make_ingest(mosquitto, [topic], client_id=client_id))
    try:
        got = await collect(second, 3)
    finally:
        await second.stop()
    assert [m.payload for m in got] == [b"away-0", b"away-1", b"away-2"]


async def test_edge_reconnects_and_resubscribes_after_a_broker_restart(own_mosquitto: Mosquitto) -> None:
    topic = "stores/t/rfid/impinj-a"
    ingest = await started(make_ingest(own_mosquitto, [topic]))
    try:
        pub = Publisher(own_mosquitto)
        pub.send(topic, b"before")
        pub.close()
        assert [m.payload for m in await collect(ingest, 1)] == [b"before"]

        own_mosquitto.stop()  # no persistence: the restarted broker has forgotten our subscription
        async with asyncio.timeout(10):
            while ingest.connected:
                await asyncio.sleep(0.05)
        own_mosquitto.start()
        async with asyncio.timeout(20):
            while ingest.connects < 2:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)

        pub = Publisher(own_mosquitto)
        pub.send(topic, b"after")
        pub.close()
        assert [m.payload for m in await collect(ingest, 1)] == [b"after"]
    finally:
        await ingest.stop()


async def test_a_full_hand_off_drops_counts_and_logs_without_blocking(
    mosquitto: Mosquitto, publisher: Publisher, caplog: pytest.LogCaptureFixture
) -> None:
    topic = f"stores/t/rfid/{uuid.uuid4().hex[:6]}"
    drops: list[int] = []
    ingest = await started(make_ingest(mosquitto, [topic], queue_size=3, on_dropped=lambda: drops.append(1)))
    caplog.set_level(logging.WARNING, logger="edge.ingest.mqtt")
    try:
        for i in range(10):
            publisher.send(topic, f"m{i}")
        async with asyncio.timeout(10):
            while ingest.dropped < 7:
                await asyncio.sleep(0.05)
        assert ingest.queue_depth == 3
        kept = await ingest.next_batch()
        # paho's thread was never blocked: it keeps delivering once there is room again
        publisher.send(topic, "later")
        later = await collect(ingest, 1)
    finally:
        await ingest.stop()
    assert [m.payload for m in kept] == [b"m0", b"m1", b"m2"]
    assert [m.payload for m in later] == [b"later"]
    assert ingest.dropped == 7 and len(drops) == 7
    assert any("hand-off full" in r.getMessage() for r in caplog.records)


async def test_stop_wakes_a_waiting_consumer_with_an_empty_batch(mosquitto: Mosquitto) -> None:
    ingest = await started(make_ingest(mosquitto, ["nothing/here"]))
    waiting = asyncio.create_task(ingest.next_batch())
    await asyncio.sleep(0.1)
    await ingest.stop()
    async with asyncio.timeout(5):
        assert await waiting == []
    assert not ingest.connected


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Mosquitto, Path]]:
    """A broker with a TLS listener and a certificate from a throw-away CA."""
    require(shutil.which("openssl") is not None, "openssl")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=tmp_path, check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=fitroom test CA",
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "broker.key",
        "-out",
        "broker.csr",
        "-subj",
        "/CN=127.0.0.1",
    )
    (tmp_path / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "broker.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "broker.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    )
    broker = Mosquitto(tmp_path)
    broker.conf.write_text(
        f"listener {broker.port} 127.0.0.1\n"
        "allow_anonymous true\n"
        f"cafile {tmp_path / 'ca.crt'}\n"
        f"certfile {tmp_path / 'broker.crt'}\n"
        f"keyfile {tmp_path / 'broker.key'}\n"
        "persistence false\n"
        f"log_dest file {broker.log}\n" + ("user root\n" if os.geteuid() == 0 else "")
    )
    broker.start()
    yield broker, tmp_path / "ca.crt"
    broker.stop()


async def test_mqtts_url_connects_over_tls_verified_against_the_configured_ca(
    tls_broker: tuple[Mosquitto, Path],
) -> None:
    broker, ca = tls_broker
    settings = EdgeSettings(mqtt_url=f"mqtts://127.0.0.1:{broker.port}", mqtt_ca_file=ca)
    endpoint = settings.mqtt_endpoint()
    assert endpoint.tls
    ingest = MqttIngest(
        host=endpoint.host,
        port=endpoint.port,
        tls=True,
        ca_file=str(ca),
        client_id="tls-edge",
        subscriptions=["stores/t/rfid/secure"],
        queue_size=10,
    )
    await started(ingest)
    pub = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    pub.tls_set(ca_certs=str(ca))
    pub.connect("127.0.0.1", broker.port)
    pub.loop_start()
    try:
        pub.publish("stores/t/rfid/secure", b"over tls", qos=1).wait_for_publish(5)
        got = await collect(ingest, 1)
    finally:
        pub.disconnect()
        pub.loop_stop()
        await ingest.stop()
    assert [m.payload for m in got] == [b"over tls"]
