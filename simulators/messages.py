"""What the simulated devices put on the wire: one MQTT message, with who published it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Message"]


@dataclass(frozen=True, slots=True)
class Message:
    """One MQTT message as the edge would receive it.

    ``t`` is the receive time (Unix seconds; the trace's clock). ``device`` names the publishing client:
    a reader id, a BLE node id, or ``"junk"`` for traffic from no configured device. ``will`` marks the
    broker publishing ``device``'s last will: live, the simulator drops that client's connection
    uncleanly instead of publishing the message itself.
    """

    t: float
    topic: str
    payload: str
    device: str
    qos: int = 1
    retain: bool = False
    will: bool = False

    def trace_line(self) -> dict[str, object]:
        """The docs/formats.md §8 trace record (receive time, topic, payload exactly as published)."""
        return {"t": round(self.t, 6), "topic": self.topic, "payload": self.payload}
