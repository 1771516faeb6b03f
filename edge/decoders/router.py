"""Topic -> decoder, built from the store layout.

Exact topics (each reader's event topic and last-will topic, each gateway's LWT) are a dict lookup.
BLE topics carry a device or a MAC in a topic level, so they are matched against the subscription
filters with paho's own matcher and the result is cached per topic. A topic no reader or node of the
layout publishes to still gets a decoder: one that rejects every message as ``unknown_topic`` (or
``unknown_node`` for an ESPresense node the layout does not list), so callers have one code path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from paho.mqtt.client import topic_matches_sub

from edge.decoders.beacons import DEFAULT_APP_BEACON_UUID, BeaconPolicy, MacAliases
from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.espresense import EspresenseSightingDecoder
from edge.decoders.impinj import ImpinjDecoder
from edge.decoders.llrp import LlrpStatusDecoder, LlrpTagDecoder
from edge.decoders.openmqttgateway import OpenMqttGatewayDecoder
from edge.decoders.status import BleNodeStatusDecoder, ReaderStatusDecoder
from edge.decoders.zebra import ZebraDecoder
from edge.layout import BleFormat, ReaderFormat

if TYPE_CHECKING:
    from edge.layout import BleNode, Layout

__all__ = ["MessageDecoder", "TopicRouter"]

_CACHE_LIMIT = 8192


class MessageDecoder(Protocol):
    """What the router hands out: ``kind`` is the traffic class (rfid, ble or other) for metrics."""

    @property
    def kind(self) -> str: ...

    def decode(self, payload: bytes) -> DecodeResult: ...


class _Rejecting:
    """The decoder of a topic nobody in the layout publishes to."""

    __slots__ = ("error_kind", "kind", "message")

    def __init__(self, kind: str, error_kind: ErrorKind, message: str) -> None:
        self.kind = kind
        self.error_kind = error_kind
        self.message = message

    def decode(self, payload: bytes) -> DecodeResult:
        raise DecodeError(self.error_kind, self.message)


class _GatewayOwn:
    """A gateway's own messages beside its adverts (Theengs ``SYStoMQTT``, ``version``...): not devices."""

    kind = "ble"

    def decode(self, payload: bytes) -> DecodeResult:
        return DecodeResult.dropped(IgnoreReason.GATEWAY_MESSAGE)


_GATEWAY_OWN = _GatewayOwn()
_MAC_LEVEL = re.compile(r"[0-9A-Fa-f]{12}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}")

_UNKNOWN_TOPIC = _Rejecting(
    "other", ErrorKind.UNKNOWN_TOPIC, "no reader or BLE node of the layout publishes here"
)

Resolver = Callable[[str], MessageDecoder]


class TopicRouter:
    """Maps each topic to the decoder of the reader or node publishing there. No I/O.

    ``app_beacon_uuid`` is the chain's app UUID (``FITROOM_APP_BEACON_UUID``): only iBeacons with it are
    shoppers. The BLE decoders share one ``MacAliases`` (state: call ``route``/``decode`` from one thread).
    """

    def __init__(self, layout: Layout, *, app_beacon_uuid: str = DEFAULT_APP_BEACON_UUID) -> None:
        self._exact: dict[str, MessageDecoder] = {}
        self._filters: list[str] = []
        self._wild: list[tuple[str, Resolver]] = []
        self._cache: dict[str, MessageDecoder] = {}
        self.beacons = BeaconPolicy(app_beacon_uuid)
        self.aliases = MacAliases()
        for reader in layout.readers:
            if reader.is_llrp:
                # The edge's own LLRP client feeds these channels; nothing to subscribe to on the broker.
                self._exact.setdefault(reader.topic, LlrpTagDecoder(reader))
                self._exact.setdefault(reader.status_topic, LlrpStatusDecoder(reader))
                continue
            decoder: MessageDecoder = (
                ImpinjDecoder(reader)
                if reader.format is ReaderFormat.IMPINJ_IOT
                else ZebraDecoder(reader, self.beacons, self.aliases)
            )
            self._add_exact(reader.topic, decoder)
            self._add_exact(reader.status_topic, ReaderStatusDecoder(reader))
        espresense: dict[str, dict[str, BleNode]] = {}
        for node in layout.ble_nodes:
            if node.format is BleFormat.ESPRESENSE:
                espresense.setdefault(node.root, {})[node.id] = node
                continue
            gateway = OpenMqttGatewayDecoder(node, self.beacons, self.aliases)
            topic = node.gateway_topic
            self._add_wild(f"{topic}/BTtoMQTT/+", _always(gateway))
            # Theengs Gateway publishing without the BTtoMQTT level: '<topic>/<MAC>'. The filter covers
            # the gateway's LWT too, which the exact entry routes to the status decoder.
            self._add_wild(f"{topic}/+", _two_level(gateway))
            self._exact.setdefault(f"{topic}/LWT", BleNodeStatusDecoder(node))
        for root, nodes in espresense.items():
            self._add_wild(
                f"{root}/devices/+/+", _espresense_devices(root, nodes, self.beacons, self.aliases)
            )
            self._add_wild(f"{root}/rooms/+/status", _espresense_status(root, nodes))

    def subscriptions(self) -> list[str]:
        """Every topic filter to subscribe to (QoS 1), each once: readers first, then BLE prefixes."""
        return list(dict.fromkeys(self._filters))

    def route(self, topic: str) -> MessageDecoder:
        """The decoder for ``topic``; never raises (unknown topics get a rejecting decoder)."""
        decoder = self._exact.get(topic)
        if decoder is not None:
            return decoder
        decoder = self._cache.get(topic)
        if decoder is not None:
            return decoder
        decoder = _UNKNOWN_TOPIC
        for sub, resolve in self._wild:
            if topic_matches_sub(sub, topic):
                decoder = resolve(topic)
                break
        if len(self._cache) >= _CACHE_LIMIT:
            # Topics are devices x nodes; a flood of random topics must not grow memory without bound.
            self._cache.clear()
        self._cache[topic] = decoder
        return decoder

    def _add_exact(self, topic: str, decoder: MessageDecoder) -> None:
        self._exact.setdefault(topic, decoder)
        self._filters.append(topic)

    def _add_wild(self, sub: str, resolve: Resolver) -> None:
        self._wild.append((sub, resolve))
        self._filters.append(sub)


def _always(decoder: MessageDecoder) -> Resolver:
    return lambda _topic: decoder


def _two_level(gateway: MessageDecoder) -> Resolver:
    def resolve(topic: str) -> MessageDecoder:
        return gateway if _MAC_LEVEL.fullmatch(topic.rpartition("/")[2]) else _GATEWAY_OWN

    return resolve


def _espresense_devices(
    root: str, nodes: dict[str, BleNode], beacons: BeaconPolicy, aliases: MacAliases
) -> Resolver:
    prefix = f"{root}/devices/"

    def resolve(topic: str) -> MessageDecoder:
        device, _, node_id = topic[len(prefix) :].rpartition("/")
        node = nodes.get(node_id)
        if node is None:
            return _unknown_node(node_id)
        return EspresenseSightingDecoder(node, device, beacons, aliases)

    return resolve


def _espresense_status(root: str, nodes: dict[str, BleNode]) -> Resolver:
    prefix = f"{root}/rooms/"
    decoders = {node_id: BleNodeStatusDecoder(node) for node_id, node in nodes.items()}

    def resolve(topic: str) -> MessageDecoder:
        node_id = topic[len(prefix) : -len("/status")]
        decoder = decoders.get(node_id)
        if decoder is None:
            return _unknown_node(node_id)
        return decoder

    return resolve


def _unknown_node(node_id: str) -> MessageDecoder:
    return _Rejecting("ble", ErrorKind.UNKNOWN_NODE, f"ESPresense node {node_id[:64]!r} is not in the layout")
