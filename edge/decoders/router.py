"""Topic -> decoder, built from the store layout.

Exact topics (each reader's event topic and last-will topic, each gateway's LWT) are a dict lookup.
BLE topics carry a device or a MAC in a topic level, so they are matched against the subscription
filters with paho's own matcher and the result is cached per topic. A topic no reader or node of the
layout publishes to still gets a decoder: one that rejects every message as ``unknown_topic`` (or
``unknown_node`` for an ESPresense node the layout does not list), so callers have one code path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from paho.mqtt.client import topic_matches_sub

from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind
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


_UNKNOWN_TOPIC = _Rejecting(
    "other", ErrorKind.UNKNOWN_TOPIC, "no reader or BLE node of the layout publishes here"
)

Resolver = Callable[[str], MessageDecoder]


class TopicRouter:
    """Maps each topic to the decoder of the reader or node publishing there. Pure; no I/O."""

    def __init__(self, layout: Layout) -> None:
        self._exact: dict[str, MessageDecoder] = {}
        self._filters: list[str] = []
        self._wild: list[tuple[str, Resolver]] = []
        self._cache: dict[str, MessageDecoder] = {}
        for reader in layout.readers:
            if reader.is_llrp:
                # The edge's own LLRP client feeds these channels; nothing to subscribe to on the broker.
                self._exact.setdefault(reader.topic, LlrpTagDecoder(reader))
                self._exact.setdefault(reader.status_topic, LlrpStatusDecoder(reader))
                continue
            decoder: MessageDecoder = (
                ImpinjDecoder(reader) if reader.format is ReaderFormat.IMPINJ_IOT else ZebraDecoder(reader)
            )
            self._add_exact(reader.topic, decoder)
            self._add_exact(reader.status_topic, ReaderStatusDecoder(reader))
        espresense: dict[str, dict[str, BleNode]] = {}
        for node in layout.ble_nodes:
            if node.format is BleFormat.ESPRESENSE:
                espresense.setdefault(node.root, {})[node.id] = node
                continue
            gateway = OpenMqttGatewayDecoder(node)
            self._add_wild(f"{node.root}/{node.id}/BTtoMQTT/+", _always(gateway))
            self._add_exact(f"{node.root}/{node.id}/LWT", BleNodeStatusDecoder(node))
        for root, nodes in espresense.items():
            self._add_wild(f"{root}/devices/+/+", _espresense_devices(root, nodes))
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


def _espresense_devices(root: str, nodes: dict[str, BleNode]) -> Resolver:
    prefix = f"{root}/devices/"

    def resolve(topic: str) -> MessageDecoder:
        device, _, node_id = topic[len(prefix) :].rpartition("/")
        node = nodes.get(node_id)
        if node is None:
            return _unknown_node(node_id)
        return EspresenseSightingDecoder(node, device)

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
