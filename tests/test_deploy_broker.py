"""The store's broker as installed: the shipped mosquitto.conf, run as its own unprivileged user.

The password file and ACL come from make_acl.py (``--owner mosquitto``), the CA and the broker's
certificate from make_certs.sh; only paths and ports are moved to temp ones. Over TLS each device user may
publish only to its own topics, a wrong password is refused, and the TLS port refuses plain MQTT.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.layout import BleFormat, load_layout
from simulators.demo_broker import find_mosquitto
from tests.broker import free_port
from tests.conftest import DEMO_LAYOUT, ROOT, require
from tests.deploy_support import make_certs, shipped_broker_conf

pytestmark = pytest.mark.broker

MAKE_ACL = ROOT / "deploy" / "mosquitto" / "make_acl.py"
BROKER_USER = "mosquitto"


@dataclass
class InstalledBroker:
    tls_port: int
    plain_port: int
    ca_file: Path
    credentials: dict[str, str]
    pid: int

    def client(self, user: str, password: str | None = None, *, ca_file: Path | None = None) -> paho.Client:
        """A paho client for ``user`` over TLS, connected (or refused) and looping; the caller stops it."""
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"{user}-{uuid.uuid4().hex[:6]}"
        )
        client.username_pw_set(user, self.credentials[user] if password is None else password)
        client.tls_set(ca_certs=str(ca_file or self.ca_file))
        client.connect("localhost", self.tls_port)
        client.loop_start()
        return client


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mosquitto exited {proc.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"mosquitto did not listen on {port}: {log.read_text()}")


@pytest.fixture(scope="module")
def installed() -> Iterator[InstalledBroker]:
    binary = find_mosquitto()
    require(binary is not None, "mosquitto binary (apt-get install mosquitto)")
    require(bool(shutil.which("mosquitto_passwd")), "mosquitto_passwd (apt-get install mosquitto)")
    require(bool(shutil.which("openssl")), "openssl (apt-get install openssl)")
    try:
        account = pwd.getpwnam(BROKER_USER)
    except KeyError:
        account = None
    require(account is not None, f"the {BROKER_USER!r} system user (apt-get install mosquitto)")
    require(os.geteuid() == 0, "root, to start mosquitto so that it drops to its own user")
    assert binary is not None and account is not None
    # Not under pytest's 0700 temp root: the broker's own user must reach these files, as in /etc.
    root = Path(tempfile.mkdtemp(prefix="fitroom-broker-"))
    root.chmod(0o755)
    secrets, data, log = root / "fitroom", root / "data", root / "mosquitto.log"
    subprocess.run(
        [sys.executable, str(MAKE_ACL), "--layout", str(DEMO_LAYOUT), "--out", str(secrets),
         "--passwords", "--owner", BROKER_USER],
        check=True, capture_output=True, cwd=ROOT,
    )
    secrets.chmod(0o750)
    os.chown(secrets, 0, account.pw_gid)
    certs = make_certs(root / "certs", "localhost", "127.0.0.1", owner=BROKER_USER)
    certs.chmod(0o755)
    data.mkdir()
    os.chown(data, account.pw_uid, account.pw_gid)
    credentials = dict(
        line.split("=", 1) for line in (secrets / "credentials.env").read_text().splitlines() if line
    )
    plain_port, tls_port = free_port(), free_port()
    conf = root / "mosquitto.conf"
    conf.write_text(
        shipped_broker_conf(secrets_dir=secrets, certs_dir=certs, plain_port=plain_port,
                            tls_port=tls_port, data_dir=data)
        + f"user {BROKER_USER}\n"
    )
    with log.open("wb") as log_fh:
        proc = subprocess.Popen([binary, "-c", str(conf)], stdout=log_fh, stderr=log_fh)
    try:
        _wait_port(tls_port, proc, log)
        yield InstalledBroker(tls_port, plain_port, certs / "ca.crt", credentials, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


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
    readers, nodes = layout.readers, layout.ble_nodes
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
    assert len(plan) == len(installed.credentials) - 1  # every device in the layout, the edge aside
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
    from edge.config import load_settings
    from edge.service import EdgeService

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
    service = EdgeService(settings)
    await service.start()
    try:
        assert await service.mqtt.wait_connected(10)
        await asyncio.sleep(0.5)
        health = service.health()
    finally:
        await service.stop()
    assert health.status == "ok" and service.mqtt.last_error is None
