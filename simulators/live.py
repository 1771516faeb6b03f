"""Publishing simulated traffic to a real broker: one paho client per device, as in a real store.

Each reader connects with its own client id and its MQTT last will (``Reader.status_topic``, payload
``offline``, retained, QoS 1) and says ``online`` (retained) on every connect. ESPresense nodes do the
same on ``<root>/rooms/<node>/status``, OpenMQTTGateways on ``<root>/<gateway>/LWT``. A simulated
drop-out closes that client's socket without a DISCONNECT, so the broker itself publishes the last
will; when the device comes back a new client connects. Messages keep the QoS of their device
(ESPresense 0, readers 1).
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.layout import BleFormat, Layout
from simulators.formats import espresense_status_topic
from simulators.messages import Message

if TYPE_CHECKING:
    from simulators.llrp import LlrpReplay, ReaderEmulator

__all__ = ["BrokerAddress", "LivePublisher", "MqttConnectError", "parse_mqtt_url"]

log = logging.getLogger(__name__)


class MqttConnectError(RuntimeError):
    """A device client could not connect to the broker."""


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def parse_mqtt_url(url: str) -> BrokerAddress:
    """``mqtt://[user[:pass]@]host[:port]`` or ``mqtts://…`` (TLS, default port 8883)."""
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "mqtts", "tcp", "ssl"}:
        raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r} (use mqtt:// or mqtts://)")
    tls = parts.scheme in {"mqtts", "ssl"}
    return BrokerAddress(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@dataclass(frozen=True, slots=True)
class _Device:
    id: str
    status_topic: str | None


class LivePublisher:
    """Clients for every device of a layout (plus one for junk); ``publish`` routes by ``Message.device``."""

    def __init__(
        self,
        layout: Layout,
        mqtt_url: str,
        *,
        client_prefix: str = "fitroom-sim",
        llrp: dict[str, ReaderEmulator] | None = None,
    ) -> None:
        """``llrp``: emulators already listening for the layout's LLRP readers (the demo starts them before
        the edge); without it ``connect`` starts one on each LLRP reader's host and port."""
        self.address = parse_mqtt_url(mqtt_url)
        self.prefix = client_prefix
        self._devices: dict[str, _Device] = {
            r.id: _Device(r.id, r.status_topic) for r in layout.readers if not r.is_llrp
        }
        # LLRP readers reach the edge over LLRP, not the broker: their reads set what an emulator reports.
        self._llrp_readers = [r for r in layout.readers if r.is_llrp]
        self._llrp_ids = frozenset(r.id for r in self._llrp_readers)
        self._llrp_given = llrp
        self._llrp: dict[str, LlrpReplay] = {}
        for node in layout.ble_nodes:
            espresense = node.format is BleFormat.ESPRESENSE
            gateway_lwt = f"{node.root}/{node.id}/LWT"
            status = espresense_status_topic(node.root, node.id) if espresense else gateway_lwt
            self._devices[node.id] = _Device(node.id, status)
        self._devices["junk"] = _Device("junk", None)
        self._clients: dict[str, mqtt.Client] = {}
        self._down: set[str] = set()
        self._lock = threading.Lock()
        self.published = 0

    def connect(self, timeout: float = 10.0) -> None:
        """Connect every device; raises ``MqttConnectError`` (and closes what did connect) if one cannot."""
        if self._llrp_readers and not self._llrp:
            from simulators.llrp import LlrpReplay, ReaderEmulator, start_readers  # the fitroom[llrp] extra

            for reader in self._llrp_readers:
                # Given, or already listening in this process (a test's reader): shared, not ours to close.
                emulator = (self._llrp_given or {}).get(reader.id) or ReaderEmulator.listening(
                    reader.host or "127.0.0.1", reader.port
                )
                owned = emulator is None
                if emulator is None:
                    try:
                        emulator = start_readers([reader])[reader.id]
                    except OSError as exc:
                        # Something else answers there (a real reader, another simulator): the rest of
                        # the store still runs; this reader's reads stay in the trace only.
                        log.warning("%s; its reads are not reported live", exc)
                        continue
                self._llrp[reader.id] = LlrpReplay(emulator, owned=owned)
        try:
            for device in self._devices.values():
                self._clients[device.id] = self._connect(device, timeout)
        except MqttConnectError:
            for client in self._clients.values():
                client.disconnect()
                client.loop_stop()
            self._clients.clear()
            raise

    def _connect(self, device: _Device, timeout: float) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{self.prefix}-{device.id}", clean_session=True
        )
        if self.address.username:
            client.username_pw_set(self.address.username, self.address.password)
        if self.address.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        if device.status_topic:
            client.will_set(device.status_topic, "offline", qos=1, retain=True)
        connected = threading.Event()

        def on_connect(c: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
            if getattr(reason, "is_failure", False):
                log.warning("device %s: broker refused connection: %s", device.id, reason)
                return
            if device.status_topic:
                c.publish(device.status_topic, "online", qos=1, retain=True)
            connected.set()

        client.on_connect = on_connect
        client.reconnect_delay_set(1, 30)
        try:
            client.connect(self.address.host, self.address.port, keepalive=30)
        except OSError as exc:
            raise MqttConnectError(
                f"device {device.id}: cannot connect to {self.address.host}:{self.address.port}: {exc}"
            ) from exc
        client.loop_start()
        if not connected.wait(timeout):
            client.loop_stop()
            raise MqttConnectError(f"device {device.id}: no CONNACK within {timeout}s")
        return client

    def publish(self, msg: Message) -> None:
        """Publish as the message's device; a ``will`` message drops that device's connection instead."""
        if self._llrp_readers:
            for replay in self._llrp.values():
                replay.tick(msg.t)
            if msg.device in self._llrp_ids:  # never onto the broker, even with no emulator to feed
                own = self._llrp.get(msg.device)
                if own is not None:
                    own.feed(msg.t, msg.topic, msg.payload)
                return
        device = msg.device if msg.device in self._devices else "junk"
        with self._lock:
            if msg.will:
                self._drop(device)
                return
            if device in self._down:
                if msg.payload == "online" and msg.topic == self._devices[device].status_topic:
                    self._clients[device] = self._connect(self._devices[device], 10.0)
                    self._down.discard(device)
                return
            client = self._clients.get(device)
            if client is None:
                return
            client.publish(msg.topic, msg.payload.encode("utf-8"), qos=msg.qos, retain=msg.retain)
            self.published += 1

    def publish_all(self, messages: Iterable[Message]) -> None:
        for msg in messages:
            self.publish(msg)

    def _drop(self, device: str) -> None:
        client = self._clients.pop(device, None)
        if client is None:
            return
        self._down.add(device)
        # Stop paho's loop first so it does not reconnect, then close the socket with no DISCONNECT:
        # the broker sees a dead connection and publishes the last will, as for a real outage.
        client.loop_stop()
        sock = client.socket()
        if sock is not None:
            sock.close()

    def close(self) -> None:
        """Say ``offline`` for each device with a status topic, then disconnect cleanly."""
        with self._lock:
            for device_id, client in self._clients.items():
                status = self._devices[device_id].status_topic
                if status:
                    info = client.publish(status, "offline", qos=1, retain=True)
                    try:
                        info.wait_for_publish(2.0)
                    except (RuntimeError, ValueError):
                        log.warning("device %s: could not say offline before closing", device_id)
                client.disconnect()
                client.loop_stop()
            self._clients.clear()
        for replay in self._llrp.values():
            replay.close()
        self._llrp = {}

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Give paho's threads time to flush queued publishes (bounded)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            while client.want_write() and time.monotonic() < deadline:
                time.sleep(0.01)
