"""The MQTT boundary: a paho-mqtt 2.x client whose messages reach asyncio through a bounded hand-off.

What callers may rely on:

- ``MqttIngest`` connects with a stable client id and a persistent session (MQTT 3.1.1 with
  ``clean_session`` False: the broker queues our QoS 1 messages while we are away, for as long as its
  ``persistent_client_expiration`` allows), subscribes at QoS 1 to the given topic filters, subscribes
  again on every (re)connect — a restarted broker without persistence has forgotten us — and reconnects
  with backoff. (3.1.1 rather than 5: paho decodes v5 properties on every PUBLISH, which costs about as
  much CPU as our decoder; measured with bench/ingest.py.)
- paho's network thread does one thing per message: wrap it in an immutable ``Message`` (topic, payload
  bytes, receive time) and append it to a bounded buffer. When the buffer is full the message is dropped,
  ``on_dropped`` is called and a rate-limited warning is logged: never silent, never blocking paho.
- The asyncio side takes messages in batches with ``await next_batch()``. The consumer is woken with
  ``loop.call_soon_threadsafe`` only when it is actually waiting, so a burst of ten thousand messages costs
  a handful of wake-ups rather than one self-pipe write each.
- paho's integer return codes become ``MqttError`` subclasses here; nothing above this module sees paho.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge import clock
from edge.ingest.overflow import Overflow

__all__ = [
    "Message",
    "MqttCodeError",
    "MqttConnectRefused",
    "MqttError",
    "MqttIngest",
    "MqttSubscribeRefused",
]

log = logging.getLogger(__name__)


class Message(NamedTuple):
    """One message as taken off the broker. ``received`` is the wall-clock receive time (Unix seconds).

    A NamedTuple: immutable, and a quarter of a frozen dataclass's cost to build on paho's hot path.
    """

    topic: str
    payload: bytes
    received: float


class MqttError(Exception):
    """Something at the MQTT boundary failed."""


class MqttCodeError(MqttError):
    """A client call returned an error code (``rc`` is paho's MQTTErrorCode value)."""

    def __init__(self, action: str, rc: int) -> None:
        self.action = action
        self.rc = rc
        super().__init__(f"{action} failed: {paho.error_string(rc)} (rc={rc})")


class MqttConnectRefused(MqttError):
    """The broker refused the connection (bad credentials, not authorised, ...)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"broker refused the connection: {reason}")


class MqttSubscribeRefused(MqttError):
    """The broker refused a subscription (usually its ACL)."""

    def __init__(self, topic: str, reason: str) -> None:
        self.topic = topic
        self.reason = reason
        super().__init__(f"broker refused the subscription to {topic!r}: {reason}")


class _DirectClient(paho.Client):
    """paho's client with one shortcut on its thread: a message goes straight to ``on_message``.

    For every message paho first matches the topic against per-topic callbacks (``message_callback_add``),
    decoding the topic twice on the way. We never register any, and that work alone cost about a tenth
    of paho's thread per message in ``bench/ingest.py --profile``. The override is paho 2.2's own private
    hook, so the pin is that minor release and ``tests/test_paho_contract.py`` fails if paho renames it,
    changes its signature or stops calling it; everything else, acknowledgements included, is paho's.
    """

    def _handle_on_message(self, message: paho.MQTTMessage) -> None:
        callback = self.on_message
        if callback is None:
            return
        try:
            callback(self, None, message)
        except Exception:  # never let a callback bug kill paho's network thread
            log.exception("MQTT: on_message failed")


def _check(action: str, rc: MQTTErrorCode | int) -> None:
    if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
        raise MqttCodeError(action, int(rc))


class MqttIngest:
    """The edge's subscriber: create, ``await start()``, drain ``next_batch()``, ``await stop()``."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        client_id: str,
        subscriptions: Sequence[str],
        queue_size: int,
        on_dropped: Callable[[], None] | None = None,
        username: str | None = None,
        password: str | None = None,
        tls: bool = False,
        ca_file: str | None = None,
        keepalive_s: int = 30,
        reconnect_min_s: int = 1,
        reconnect_max_s: int = 30,
        clean_session: bool = False,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.host = host
        self.port = port
        self.client_id = client_id
        self.subscriptions = tuple(subscriptions)
        self.queue_size = queue_size
        self._keepalive = keepalive_s

        self._buf: deque[Message] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._consumer_waiting = False
        self._connected = threading.Event()
        self._started = False
        self._stopping = False
        self._last_error: MqttError | None = None
        self._connects = 0
        self._overflow = Overflow("MQTT", log, on_dropped)

        client = _DirectClient(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv311,
            # The edge keeps its session across restarts (nothing lost while it restarts); a recorder
            # passes clean_session=True so the broker queues nothing for it once it is gone.
            clean_session=clean_session,
        )
        # paho logs every failed reconnect at ERROR; our callbacks say what matters, so its own log is
        # only wanted when debugging.
        if log.isEnabledFor(logging.DEBUG):
            client.enable_logger(_paho_log())
        if username is not None:
            client.username_pw_set(username, password)
        if tls:
            context = ssl.create_default_context(cafile=ca_file)
            client.tls_set_context(context)
        client.reconnect_delay_set(min_delay=reconnect_min_s, max_delay=reconnect_max_s)
        client.on_connect = self._paho_on_connect
        client.on_connect_fail = self._paho_on_connect_fail
        client.on_disconnect = self._paho_on_disconnect
        client.on_subscribe = self._paho_on_subscribe
        client.on_message = self._paho_on_message
        self._client = client
        self._sub_mids: dict[int, list[str]] = {}

    # -- public surface ----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while a session with the broker is up."""
        return self._connected.is_set()

    @property
    def queue_depth(self) -> int:
        """Messages handed off by paho and not yet taken by ``next_batch``."""
        return len(self._buf)

    @property
    def dropped(self) -> int:
        """Messages dropped because the hand-off was full, since start."""
        return self._overflow.total

    @property
    def connects(self) -> int:
        """Successful connections so far (1 after the first, +1 per reconnect)."""
        return self._connects

    @property
    def last_error(self) -> MqttError | None:
        """The most recent connection or subscription failure, cleared by a good (re)connect."""
        return self._last_error

    async def start(self) -> None:
        """Begin connecting in the background; returns at once. paho retries until ``stop()``."""
        if self._started:
            return
        self._loop = asyncio.get_running_loop()
        self._started = True
        self._stopping = False
        self._client.connect_async(self.host, self.port, keepalive=self._keepalive)
        _check("loop_start", self._client.loop_start())
        log.info("MQTT: connecting to %s:%d as %r", self.host, self.port, self.client_id)

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        """Send one message (the edge's commands, e.g. to a fitting room's light). paho keeps a QoS 1
        message queued while the connection is down and sends it on reconnect."""
        info = self._client.publish(topic, payload, qos=qos)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            _check("publish", info.rc)

    async def wait_connected(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a session; True if connected."""
        return await asyncio.to_thread(self._connected.wait, timeout)

    async def stop(self) -> None:
        """Disconnect and stop paho's thread. Messages still in the hand-off stay readable."""
        if not self._started:
            return
        self._stopping = True
        self._started = False
        rc = self._client.disconnect()
        if rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            log.warning("MQTT: disconnect: %s", paho.error_string(rc))
        await asyncio.to_thread(self._client.loop_stop)
        self._connected.clear()
        self._wake()

    async def next_batch(self, max_items: int = 512) -> list[Message]:
        """Wait until at least one message is there, then take up to ``max_items`` in arrival order.

        Returns an empty list only when the adapter is stopped and nothing is left.
        """
        loop = asyncio.get_running_loop()
        while not self._buf:
            if self._stopping:
                return []
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiter = waiter
            # Set the flag before looking again: paho appends then reads the flag, so one of us sees
            # the other and no wake-up is lost.
            self._consumer_waiting = True
            if self._buf or self._stopping:
                self._consumer_waiting = False
                self._waiter = None
                break
            try:
                await waiter
            finally:
                self._consumer_waiting = False
                self._waiter = None
        buf = self._buf
        n = min(len(buf), max_items)
        return [buf.popleft() for _ in range(n)]

    # -- paho's thread -------------------------------------------------------------------------------

    def _paho_on_message(self, _client: paho.Client, _userdata: Any, msg: paho.MQTTMessage) -> None:
        payload = msg.payload
        if not isinstance(payload, bytes):  # paho slices bytes; a bytearray would break immutability
            payload = bytes(payload)
        message = Message(msg.topic, payload, clock.now())
        if len(self._buf) >= self.queue_size:
            self._overflow.drop(self.queue_size)
            return
        self._buf.append(message)
        if self._consumer_waiting:
            self._consumer_waiting = False
            loop = self._loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._wake)

    def _paho_on_connect(
        self,
        client: paho.Client,
        _userdata: Any,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        _props: Properties | None,
    ) -> None:
        if reason.is_failure:
            self._last_error = MqttConnectRefused(str(reason))
            log.error("MQTT: %s; retrying with backoff", self._last_error)
            return
        self._connects += 1
        self._last_error = None
        self._connected.set()
        log.info(
            "MQTT: connected to %s:%d (session present: %s); subscribing to %d topic filters",
            self.host,
            self.port,
            flags.session_present,
            len(self.subscriptions),
        )
        if not self.subscriptions:
            return
        # Always subscribe again: a broker that restarted without persistence has lost our session.
        rc, mid = client.subscribe([(topic, 1) for topic in self.subscriptions])
        if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._last_error = MqttCodeError("subscribe", int(rc))
            log.error("MQTT: %s", self._last_error)
            return
        if mid is not None:
            self._sub_mids[mid] = list(self.subscriptions)

    def _paho_on_subscribe(
        self,
        _client: paho.Client,
        _userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        _props: Properties | None,
    ) -> None:
        topics = self._sub_mids.pop(mid, [])
        for topic, reason in zip(topics, reasons, strict=False):
            if reason.is_failure:
                self._last_error = MqttSubscribeRefused(topic, str(reason))
                log.error("MQTT: %s", self._last_error)

    def _paho_on_connect_fail(self, _client: paho.Client, _userdata: Any) -> None:
        if not self._stopping:
            log.warning("MQTT: cannot reach %s:%d; retrying with backoff", self.host, self.port)

    def _paho_on_disconnect(
        self,
        _client: paho.Client,
        _userdata: Any,
        _flags: paho.DisconnectFlags,
        reason: ReasonCode,
        _props: Properties | None,
    ) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        if self._stopping:
            return
        if was_connected:
            log.warning("MQTT: connection lost (%s); reconnecting with backoff", reason)

    # -- asyncio side --------------------------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _PublishTopicHidden(logging.Filter):
    """paho logs each PUBLISH with its topic, and device topics name the shopper's phone (ESPresense's
    ``espresense/devices/iBeacon:<uuid>-<major>-<minor>/<room>``): the topic becomes ``<topic>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "PUBLISH" in record.msg and isinstance(record.args, tuple):
            args = list(record.args)
            if len(args) > 4 and isinstance(args[4], str | bytes):
                args[4] = "<topic>"
                record.args = tuple(args)
        return True


def _paho_log() -> logging.Logger:
    logger = logging.getLogger("paho.mqtt")
    if not any(isinstance(f, _PublishTopicHidden) for f in logger.filters):
        logger.addFilter(_PublishTopicHidden())
    return logger
