"""Run a real edge in-process for tests: ``build_edge`` + uvicorn on a free loopback port.

    async with live_edge(settings) as edge:
        rooms = (await edge.http.get("/api/rooms")).json()

The app's lifespan starts and stops the service exactly as ``fitroom-edge run`` does; requests go over
real HTTP. Also: ``ImpinjReader`` publishes tag reads in the Impinj IoT format (docs/formats.md §1) with
QoS 1.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import paho.mqtt.client as paho
import uvicorn
from fastapi import FastAPI
from paho.mqtt.enums import CallbackAPIVersion

from cloud_sync.edge_hookup import CloudSync
from edge.compose import build_edge
from edge.config import EdgeSettings
from edge.reservations.desk import ReservationDesk
from edge.service import EdgeService
from tests.broker import free_port

__all__ = ["ImpinjReader", "LiveEdge", "edge_settings", "eventually", "live_edge"]


def edge_settings(broker_url: str, db_path: str, **overrides: Any) -> EdgeSettings:
    """Settings for a test edge: its own database and a unique MQTT client id."""
    values: dict[str, Any] = {
        "mqtt_url": broker_url,
        "db_url": f"sqlite:///{db_path}",
        "mqtt_client_id": f"test-edge-{uuid.uuid4().hex[:8]}",
        "tick_interval_s": 0.2,
        "environment": "development",  # a test's central store is plain http on 127.0.0.1
    }
    values.update(overrides)
    return EdgeSettings(**values)


@dataclass
class LiveEdge:
    service: EdgeService
    http: httpx.AsyncClient
    base_url: str
    sync: CloudSync
    app: FastAPI | None = None  # the served app (its state: rooms, queue, live hub)
    desk: ReservationDesk | None = None  # the edge's reservations to try

    async def rooms(self) -> dict[str, dict[str, Any]]:
        response = await self.http.get("/api/rooms")
        response.raise_for_status()
        return {room["id"]: room for room in response.json()}

    async def metric(self, line_prefix: str) -> float | None:
        """The value of the first /metrics line starting with ``line_prefix`` (e.g. a name with labels)."""
        text = (await self.http.get("/metrics")).text
        for line in text.splitlines():
            if line.startswith(line_prefix + " "):
                return float(line.rsplit(" ", 1)[1])
        return None


@asynccontextmanager
async def live_edge(settings: EdgeSettings, *, connect_timeout: float = 15.0) -> AsyncIterator[LiveEdge]:
    """Serve an edge on a free port until the block ends; waits until MQTT is connected and subscribed."""
    edge = build_edge(settings)
    service = edge.service
    port = free_port()
    config = uvicorn.Config(
        edge.app, host="127.0.0.1", port=port, lifespan="on", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(connect_timeout):
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("uvicorn stopped before it started")
                await asyncio.sleep(0.02)
        assert await service.mqtt.wait_connected(connect_timeout), "edge did not connect to the broker"
        await asyncio.sleep(0.3)  # the SUBACK follows the CONNACK
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            yield LiveEdge(service, http, base_url, edge.sync, edge.app, edge.reservations.desk)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)


async def eventually(check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Await ``check()`` (sync or async) until it returns something truthy; its last value on timeout."""
    value: Any = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                value = check()
                if asyncio.iscoroutine(value):
                    value = await value
                if value:
                    return value
                await asyncio.sleep(interval)
    except TimeoutError:
        return value


class ImpinjReader:
    """A publisher speaking the Impinj IoT Device Interface over MQTT (one event per message, QoS 1)."""

    def __init__(self, port: int, topic: str) -> None:
        self.topic = topic
        self.client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    @staticmethod
    def tag_event(epc_hex: str, antenna: int, rssi_cdbm: int = -5325) -> bytes:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
        return json.dumps(
            {
                "timestamp": now,
                "hostname": "impinj-13-f8-f5",
                "eventType": "tagInventory",
                "tagInventoryEvent": {
                    "epc": base64.b64encode(bytes.fromhex(epc_hex)).decode(),
                    "epcHex": epc_hex,
                    "antennaPort": antenna,
                    "antennaName": f"Antenna {antenna}",
                    "peakRssiCdbm": rssi_cdbm,
                    "frequency": 920250,
                    "transmitPowerCdbm": 3000,
                    "lastSeenTime": now,
                },
            }
        ).encode()

    def read(self, epc_hex: str, antenna: int, rssi_cdbm: int = -5325) -> None:
        self.send(self.tag_event(epc_hex, antenna, rssi_cdbm))

    async def keep_reading(
        self,
        reads: list[tuple[str, int]],
        until: Callable[[], Any],
        *,
        every: float = 0.4,
        timeout: float = 20.0,
    ) -> Any:
        """Report each (epc, antenna) every ``every`` seconds, as a reader does for tags in view, until
        ``await until()`` is truthy; returns its value (falsy on timeout). Presence needs reads in more
        than one second before it believes an item entered a room."""
        value: Any = None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for epc, antenna in reads:
                        self.read(epc, antenna)
                    value = until()
                    if asyncio.iscoroutine(value):
                        value = await value
                    if value:
                        return value
                    await asyncio.sleep(every)
        except TimeoutError:
            return value

    def send(self, payload: bytes, topic: str | None = None) -> None:
        self.client.publish(topic or self.topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
