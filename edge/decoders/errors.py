"""What a decoder can say about a message besides its observations: typed errors and ignore reasons.

A message that cannot be used at all raises ``DecodeError`` with a ``kind`` from ``ErrorKind``. A
well-formed message always returns a ``DecodeResult``: the observations it carries, the problems with parts
of it (one bad event in a Zebra batch does not lose the others) and the reasons for anything it
deliberately dropped (an Impinj ``inventoryStatus`` event, a shared BLE fingerprint, ...).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edge.reads import Observation

__all__ = ["DecodeError", "DecodeResult", "ErrorKind", "IgnoreReason"]


class ErrorKind(StrEnum):
    """Why a message (or part of a batch) was rejected. The values label ``fitroom_decode_errors_total``."""

    MALFORMED_JSON = "malformed_json"  # not UTF-8 or not JSON
    WRONG_TYPE = "wrong_type"  # JSON of the wrong shape: an array where an object belongs, a string port
    MISSING_FIELD = "missing_field"  # a field we need is absent
    BAD_VALUE = "bad_value"  # right type, unusable value: port 0, a status that is neither online nor offline
    BAD_EPC = "bad_epc"  # EPC not hex / not base64 / empty / not whole 16-bit words
    UNKNOWN_TOPIC = "unknown_topic"  # no reader or BLE node of the layout publishes there
    UNKNOWN_NODE = "unknown_node"  # a BLE node or gateway the layout does not know
    UNKNOWN_ANTENNA = "unknown_antenna"  # an antenna port the layout does not map to a room
    INTERNAL_ERROR = "internal_error"  # a bug below the pipeline raised; the message is dead-lettered


class IgnoreReason(StrEnum):
    """Why a well-formed message was dropped on purpose. Labels ``fitroom_ingest_ignored_total``."""

    READER_EVENT = "reader_event"  # reader events we do not use: inventoryStatus, overflow, heartbeats...
    BLE_FINGERPRINT = "ble_fingerprint"  # ESPresense apple:/name:/... ids are shared, never an identity
    BLE_NOT_IBEACON = "ble_not_ibeacon"  # OpenMQTTGateway adverts that are not iBeacons
    BLE_NODE_BEACON = "ble_node_beacon"  # an ESPresense node's own iBeacon: a node, never a shopper
    FOREIGN_BEACON = "foreign_beacon"  # an iBeacon without the chain's app UUID
    GATEWAY_MESSAGE = "gateway_message"  # a gateway's own messages beside its adverts (Theengs SYStoMQTT...)
    EMPTY_BATCH = "empty_batch"  # a Zebra batch with no events
    STATUS_CLEARED = "status_cleared"  # an empty payload on a status topic clears the retained status


class DecodeError(Exception):
    """A message, or one event of a batch, that cannot be used. ``kind`` says why; str() says what."""

    __slots__ = ("kind", "message")

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __repr__(self) -> str:
        return f"DecodeError({self.kind.value!r}, {self.message!r})"


_NO_ERRORS: tuple[DecodeError, ...] = ()
_NO_IGNORED: tuple[IgnoreReason, ...] = ()


class DecodeResult:
    """The result of decoding one well-formed message.

    ``observations`` are in message order. ``errors`` are problems with parts of the message (events of
    a batch); ``ignored`` lists a reason for each part deliberately dropped. Callers must not mutate the
    sequences.
    """

    __slots__ = ("errors", "ignored", "observations")

    def __init__(
        self,
        observations: list[Observation],
        errors: tuple[DecodeError, ...] | list[DecodeError] = _NO_ERRORS,
        ignored: tuple[IgnoreReason, ...] | list[IgnoreReason] = _NO_IGNORED,
    ) -> None:
        self.observations = observations
        self.errors = errors
        self.ignored = ignored

    @classmethod
    def dropped(cls, reason: IgnoreReason) -> DecodeResult:
        """A message that is fine but carries nothing we use."""
        return cls([], _NO_ERRORS, (reason,))

    def __repr__(self) -> str:
        return f"DecodeResult({self.observations!r}, errors={self.errors!r}, ignored={self.ignored!r})"
