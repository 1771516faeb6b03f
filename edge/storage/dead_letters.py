"""The table of dead letters: kept samples of rejected device messages (``edge.ingest.deadletter`` keeps
them; ``fitroom-edge dead-letters`` lists them)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

__all__ = ["MAX_ERROR_CHARS", "MAX_TOPIC_CHARS", "DeadLetter"]

MAX_TOPIC_CHARS = 512
MAX_ERROR_CHARS = 500


class DeadLetter(SQLModel, table=True):
    """One kept sample of a rejected message."""

    __tablename__ = "dead_letter"

    id: int | None = Field(default=None, primary_key=True)
    t: float = Field(index=True, description="Receive time (Unix seconds) of the message")
    kind: str = Field(max_length=32, index=True, description="Error kind, as in fitroom_decode_errors_total")
    topic: str = Field(max_length=MAX_TOPIC_CHARS, description="MQTT topic (truncated)")
    payload: str = Field(description="Payload as text, truncated; undecodable bytes as \\x escapes")
    payload_size: int = Field(description="Size of the whole payload in bytes")
    error: str = Field(max_length=MAX_ERROR_CHARS, description="What was wrong")
