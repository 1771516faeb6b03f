"""Operations endpoints: ``/healthz`` for probes and ``/metrics`` for Prometheus.

``/healthz`` answers 200 while the process is alive and says ``ok`` or ``degraded`` (broker unreachable,
hand-off filling up) in its body, so a probe that restarts on failure does not restart the edge for a
broker outage that a restart cannot fix.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from edge.web.deps import ServiceDep

__all__ = ["Health", "router"]

router = APIRouter(tags=["ops"])

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    mqtt_connected: bool
    queue_depth: int = Field(description="Messages waiting in the MQTT → asyncio hand-off")
    queue_size: int = Field(description="Capacity of the hand-off")
    dropped: int = Field(description="Messages dropped on a full hand-off since start")
    problems: list[str] = Field(description="Why the edge is degraded; empty when ok")


@router.get("/healthz", response_model=Health)
async def healthz(service: ServiceDep) -> Health:
    h = service.health()
    return Health(
        status="degraded" if h.status == "degraded" else "ok",
        mqtt_connected=h.mqtt_connected,
        queue_depth=h.queue_depth,
        queue_size=h.queue_size,
        dropped=h.dropped,
        problems=list(h.problems),
    )


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(service: ServiceDep) -> Response:
    """Prometheus text exposition (``text/plain; version=0.0.4``)."""
    return Response(content=service.render_metrics(), media_type=PROMETHEUS_TEXT)
