"""Ingest: MQTT messages in, typed observations to the presence engine, presence events out."""

from edge.ingest.deadletter import (
    DeadLetter,
    DeadLetterSampler,
    DeadLetterSink,
    MemoryDeadLetterSink,
    SqlDeadLetterSink,
    list_dead_letters,
)
from edge.ingest.pipeline import IngestPipeline, PresenceCore

__all__ = [
    "DeadLetter",
    "DeadLetterSampler",
    "DeadLetterSink",
    "IngestPipeline",
    "MemoryDeadLetterSink",
    "PresenceCore",
    "SqlDeadLetterSink",
    "list_dead_letters",
]
