"""Decoders for the real device formats (docs/formats.md §1-4) and the topic router that picks one.

Each decoder turns one MQTT payload into typed observations (``edge.reads``), a typed ``DecodeError``
or an ignore reason. Decoders are pure and fast: ``json.loads`` and explicit checks, no validation
framework on the hot path.
"""

from edge.decoders.errors import DecodeError, DecodeResult, ErrorKind, IgnoreReason
from edge.decoders.espresense import EspresenseSightingDecoder, espresense_identity
from edge.decoders.impinj import ImpinjDecoder
from edge.decoders.openmqttgateway import OpenMqttGatewayDecoder, ibeacon_id
from edge.decoders.router import MessageDecoder, TopicRouter
from edge.decoders.status import BleNodeStatusDecoder, ReaderStatusDecoder, parse_online
from edge.decoders.zebra import ZebraDecoder

__all__ = [
    "BleNodeStatusDecoder",
    "DecodeError",
    "DecodeResult",
    "ErrorKind",
    "EspresenseSightingDecoder",
    "IgnoreReason",
    "ImpinjDecoder",
    "MessageDecoder",
    "OpenMqttGatewayDecoder",
    "ReaderStatusDecoder",
    "TopicRouter",
    "ZebraDecoder",
    "espresense_identity",
    "ibeacon_id",
    "parse_online",
]
