"""The live edge end to end on a real Mosquitto: device messages → broker → edge → /api/rooms, /metrics.

The edge runs in-process exactly as ``fitroom-edge run`` serves it (``build_edge`` + uvicorn on a free port,
real MQTT adapter, real HTTP); one test runs the ``fitroom-edge`` command itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG
from edge.epc import encode_sgtin96
from edge.ingest.deadletter import DeadLetter
from edge.presence import EventType, PresenceEvent
from edge.topics import PRESENCE
from tests.broker import Mosquitto, free_port
from tests.conftest import DEMO_LAYOUT, require
from tests.live_edge import ImpinjReader, edge_settings, eventually, live_edge

pytestmark = pytest.mark.broker

IMPINJ_TOPIC = "stores/store-042/rfid/impinj-a"  # antennas 1..4 -> fr-1..fr-4
ZEBRA_TOPIC = "stores/store-042/rfid/zebra-b"  # antennas 1..2 -> fr-5, fr-6


@pytest.fixture(scope="module")
def garments() -> list[tuple[str, str, str, str]]:
    """(gtin, name, size, colour) of a few demo-catalog SKUs."""
    require(DEMO_CATALOG.is_file(), f"demo catalog at {DEMO_CATALOG}")
    catalog = load_catalog(DEMO_CATALOG)
    out = []
    for style in catalog.styles[:3]:
        sku = style.skus[0]
        out.append((sku.gtin, style.name, sku.size, sku.colour))
    return out


def epc_of(gtin: str, serial: int) -> str:
    return encode_sgtin96(gtin, serial).upper()


def items_of(room: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["epc"]: item for item in room["items"]}


async def test_tag_reads_on_the_broker_show_up_in_their_rooms_with_catalog_names(
    mosquitto: Mosquitto, tmp_path: Path, garments: list[tuple[str, str, str, str]]
) -> None:
    (g1, name1, size1, colour1), (g2, _, _, _), (g3, _, _, _) = garments
    shirt, dress, coat = epc_of(g1, 1001), epc_of(g2, 2002), epc_of(g3, 3003)
    badge = "E2801160600002054E2A3B1C"  # a raw chip id: not merchandise
    seen: list[PresenceEvent] = []
    async with live_edge(edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT)) as edge:
        edge.service.bus.subscribe(PRESENCE, lambda _t, ev: seen.append(ev))
        zebra = {
            "type": "INVENTORY",
            "timestamp": "2026-05-01T08:55:44.625+0300",
            "data": {
                "eventNum": 1,
                "format": "epc",
                "idHex": epc_of(g1, 4004).lower(),
                "antenna": 1,
                "peakRssi": -61,
                "reads": 3,
            },
        }

        async def settled() -> dict[str, dict[str, Any]] | None:
            reader.send(json.dumps(zebra).encode(), ZEBRA_TOPIC)
            rooms = await edge.rooms()
            counts = [len(rooms[r]["items"]) for r in ("fr-1", "fr-2", "fr-5")]
            return rooms if counts == [2, 1, 1] else None

        reader = ImpinjReader(mosquitto.port, IMPINJ_TOPIC)
        try:
            rooms = await reader.keep_reading([(shirt, 1), (dress, 1), (coat, 2), (badge, 1)], settled)
        finally:
            reader.close()
        assert rooms, f"rooms never showed the reads: {await edge.rooms()}"
        fr1 = items_of(rooms["fr-1"])
        assert set(fr1) == {shirt, dress}
        assert fr1[shirt]["gtin"] == g1
        assert (fr1[shirt]["name"], fr1[shirt]["size"], fr1[shirt]["colour"]) == (name1, size1, colour1)
        assert set(items_of(rooms["fr-2"])) == {coat}
        assert set(items_of(rooms["fr-5"])) == {epc_of(g1, 4004)}
        assert all(not rooms[r]["items"] for r in ("fr-3", "fr-4", "fr-6", "entrance", "floor"))
        assert all(room["covered"] for room in rooms.values())
        one = (await edge.http.get("/api/rooms/fr-2")).json()
        assert one["id"] == "fr-2" and set(items_of(one)) == {coat}
        assert 0.5 < items_of(one)[coat]["confidence"] <= 1.0  # presence's posterior of the room
        assert (await edge.metric("fitroom_non_merchandise_total") or 0.0) >= 1.0
        entered = {(e.room, e.epc) for e in seen if e.type is EventType.ITEM_ENTERED}
        assert entered == {("fr-1", shirt), ("fr-1", dress), ("fr-2", coat), ("fr-5", epc_of(g1, 4004))}
        assert all(0.5 < (e.confidence or 0.0) <= 1.0 for e in seen if e.type is EventType.ITEM_ENTERED)


async def test_shoppers_are_counted_per_room_and_never_identified(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    device = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42"
    payload = {
        "mac": "5a3f1c9d0e42",
        "id": device,
        "rssi@1m": -59,
        "rssi": -62.0,
        "rxAdj": 0,
        "rssiVar": 1.84,
        "distance": 0.9,
        "var": 0.21,
        "int": 1032,
    }
    async with live_edge(edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT)) as edge:
        node = ImpinjReader(mosquitto.port, f"espresense/devices/{device}/fr-3")

        async def counted() -> Any:
            node.send(json.dumps(payload).encode())  # ESPresense reports a device every few seconds
            return await _rooms_where(edge, "fr-3", lambda r: r["shoppers"] == 1)

        try:
            rooms = await eventually(counted, interval=0.5, timeout=20)
        finally:
            node.close()
        assert rooms, "the shopper never showed up in fr-3"
        body = (await edge.http.get("/api/rooms")).text + (await edge.http.get("/api/rooms/fr-3")).text
        assert "e2c56db5" not in body and "5a3f1c9d0e42" not in body


async def _rooms_where(edge: Any, room: str, cond: Any) -> Any:
    rooms = await edge.rooms()
    return rooms if cond(rooms[room]) else None


async def test_unknown_room_is_404_with_a_message(mosquitto: Mosquitto, tmp_path: Path) -> None:
    async with live_edge(edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT)) as edge:
        response = await edge.http.get("/api/rooms/fr-99")
    assert response.status_code == 404
    assert "fr-99" in response.json()["detail"]


async def test_an_item_leaves_its_room_after_silence(mosquitto: Mosquitto, tmp_path: Path) -> None:
    layout = tmp_path / "quick.toml"
    layout.write_text(DEMO_LAYOUT.read_text() + "\n[presence]\nstay_s = 30.0\nhang_s = 600.0\n")
    epc, elsewhere = epc_of("05061234100015", 77), epc_of("05061234100015", 78)
    seen: list[PresenceEvent] = []
    async with live_edge(edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=layout)) as edge:
        edge.service.bus.subscribe(PRESENCE, lambda _t, ev: seen.append(ev))
        reader = ImpinjReader(mosquitto.port, IMPINJ_TOPIC)
        try:
            assert await reader.keep_reading(
                [(epc, 4), (elsewhere, 1)],
                lambda: _rooms_where(edge, "fr-4", lambda r: len(r["items"]) == 1),
            )
            # The garment in fr-4 goes silent while the reader keeps reading fr-1 (a reader silent
            # everywhere at once looks like a reader fault, not like garments leaving): the tick task
            # lets the silence count.
            assert await reader.keep_reading(
                [(elsewhere, 1)], lambda: _rooms_where(edge, "fr-4", lambda r: not r["items"])
            )
        finally:
            reader.close()
    assert [(e.type, e.room) for e in seen if e.epc == epc] == [
        (EventType.ITEM_ENTERED, "fr-4"),
        (EventType.ITEM_LEFT, "fr-4"),
    ]


async def test_the_edge_reconnects_resubscribes_and_carries_on_after_a_broker_restart(
    own_mosquitto: Mosquitto, tmp_path: Path
) -> None:
    before, after = epc_of("05061234100015", 1), epc_of("05061234100015", 2)
    settings = edge_settings(own_mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT)
    async with live_edge(settings) as edge:
        reader = ImpinjReader(own_mosquitto.port, IMPINJ_TOPIC)
        try:
            assert await reader.keep_reading(
                [(before, 1)], lambda: _rooms_where(edge, "fr-1", lambda r: len(r["items"]) == 1)
            )
        finally:
            reader.close()

        own_mosquitto.stop()
        health = await eventually(lambda: _health_where(edge, lambda h: h["status"] == "degraded"))
        assert health and health["mqtt_connected"] is False
        assert any("mqtt" in p for p in health["problems"])
        own_mosquitto.start()
        health = await eventually(lambda: _health_where(edge, lambda h: h["status"] == "ok"), timeout=30)
        assert health and health["mqtt_connected"] is True
        await asyncio.sleep(0.5)  # the re-subscription follows the CONNACK

        reader = ImpinjReader(own_mosquitto.port, IMPINJ_TOPIC)
        try:
            rooms = await reader.keep_reading(
                [(after, 2)], lambda: _rooms_where(edge, "fr-2", lambda r: len(r["items"]) == 1)
            )
        finally:
            reader.close()
        assert rooms, "a read published after the restart never reached the edge"
        assert set(items_of(rooms["fr-2"])) == {after}
        assert await edge.metric("fitroom_mqtt_connects_total") == 2.0


async def _health_where(edge: Any, cond: Any) -> Any:
    health = (await edge.http.get("/healthz")).json()
    return health if cond(health) else None


async def test_overflow_of_a_tiny_hand_off_is_counted_in_metrics(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    settings = edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT, queue_size=2)
    async with live_edge(settings) as edge:
        reader = ImpinjReader(mosquitto.port, IMPINJ_TOPIC)
        try:
            # Stall the event loop on purpose (the edge's consumer and web server share it) while the
            # broker delivers 30 reads: paho's thread must keep going, keep two and count the rest.
            for serial in range(30):
                reader.read(epc_of("05061234100015", serial), 1)
            deadline = time.monotonic() + 15
            while edge.service.mqtt.dropped < 28 and time.monotonic() < deadline:
                time.sleep(0.05)  # blocking the loop is the point
            assert await eventually(lambda: edge.service.mqtt.queue_depth == 0)
            assert await edge.metric("fitroom_ingest_dropped_total") == 28.0
            assert await edge.metric('fitroom_mqtt_messages_total{kind="rfid"}') == 2.0
            health = (await edge.http.get("/healthz")).json()
            assert health["dropped"] == 28 and health["queue_size"] == 2
            # and the edge carries on once the consumer runs again
            assert await reader.keep_reading(
                [(epc_of("05061234100015", 99), 3)],
                lambda: _rooms_where(edge, "fr-3", lambda r: len(r["items"]) == 1),
            )
        finally:
            reader.close()


async def test_bad_messages_are_counted_dead_lettered_and_the_next_good_one_still_counts(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    db = tmp_path / "edge.db"
    good = epc_of("05061234100015", 9)
    async with live_edge(edge_settings(mosquitto.url, str(db), layout=DEMO_LAYOUT)) as edge:
        reader = ImpinjReader(mosquitto.port, IMPINJ_TOPIC)
        try:
            reader.send(b'{"eventType":"tagInventory","tagInventoryEvent":')
            assert await reader.keep_reading(
                [(good, 3)], lambda: _rooms_where(edge, "fr-3", lambda r: len(r["items"]) == 1)
            )
        finally:
            reader.close()
        assert await edge.metric('fitroom_decode_errors_total{kind="malformed_json"}') == 1.0
        service = edge.service
    # stopping flushes the buffered samples
    with Session(service.db) as session:
        letters = session.exec(select(DeadLetter)).all()
    assert [(d.kind, d.topic) for d in letters] == [("malformed_json", IMPINJ_TOPIC)]


async def test_metrics_are_prometheus_text_and_healthz_is_json(mosquitto: Mosquitto, tmp_path: Path) -> None:
    settings = edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT)
    async with live_edge(settings) as edge:
        metrics, health = await edge.http.get("/metrics"), await edge.http.get("/healthz")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    for name in (
        "fitroom_mqtt_messages_total",
        "fitroom_decode_errors_total",
        "fitroom_ingest_dropped_total",
        "fitroom_ingest_queue_depth",
        "fitroom_presence_events_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in metrics.text, name
    assert health.json()["status"] == "ok" and health.json()["mqtt_connected"] is True


def test_fitroom_edge_run_serves_and_stops_cleanly_on_sigterm(mosquitto: Mosquitto, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "FITROOM_MQTT_URL": mosquitto.url,
        "FITROOM_DB_URL": f"sqlite:///{tmp_path}/e.db",
        "FITROOM_MQTT_CLIENT_ID": f"cli-{port}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "run", "--layout", str(DEMO_LAYOUT), "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        health: dict[str, Any] = {}
        while time.monotonic() < deadline and health.get("status") != "ok":
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health.get("status") == "ok", health
        rooms = httpx.get(f"http://127.0.0.1:{port}/api/rooms", timeout=5).json()
        assert [r["id"] for r in rooms][:3] == ["entrance", "floor", "fr-1"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = proc.stdout.read().decode() if proc.stdout else ""
    assert "stopped" in out


def test_bad_settings_exit_2_naming_the_key_before_anything_starts(tmp_path: Path) -> None:
    env = {**os.environ, "FITROOM_PORT": "not-a-port"}
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", "run", "--layout", str(DEMO_LAYOUT)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "FITROOM_PORT (--port)" in done.stderr
    assert not (tmp_path / "fitroom-edge.db").exists()


async def test_simulated_store_through_the_broker_shows_each_garment_in_its_true_room(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    """fitroom-sim → Mosquitto → edge → /api/rooms, checked against the simulator's ground truth."""
    trace = tmp_path / "live.jsonl"
    settings = edge_settings(mosquitto.url, str(tmp_path / "edge.db"), layout=DEMO_LAYOUT)
    async with live_edge(settings) as edge:
        # 120 simulated seconds at 4x: seed 5 has shoppers trying garments on in most rooms by the end.
        sim = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulators.cli",
            "run",
            "--layout",
            str(DEMO_LAYOUT),
            "--mqtt-url",
            mosquitto.url,
            "--seed",
            "5",
            "--shoppers",
            "16",
            "--duration",
            "120",
            "--speed",
            "4",
            "--trace",
            str(trace),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _, err = await asyncio.wait_for(sim.communicate(), timeout=180)
        finally:
            if sim.returncode is None:
                sim.kill()
                await sim.wait()
        assert sim.returncode == 0, err.decode(errors="replace")[-500:]
        rooms = await edge.rooms()
    truth = [json.loads(line) for line in trace.with_suffix(".truth.jsonl").read_text().splitlines()]
    end = truth[0]["end"]
    # Garments still in a fitting room at the end, there for 15 simulated seconds or more.
    settled = {
        t["epc"]: t["room"]
        for t in truth
        if t["kind"] == "item_stay" and t["exit"] == end and end - t["enter"] >= 15
    }
    shown = {item["epc"]: room_id for room_id, room in rooms.items() for item in room["items"]}
    assert len(settled) >= 5, "the scenario should end with garments in fitting rooms"
    right = [epc for epc, room in settled.items() if shown.get(epc) == room]
    wrong = [epc for epc, room in settled.items() if epc in shown and shown[epc] != room]
    assert len(right) >= 0.8 * len(settled), f"{len(right)}/{len(settled)} in their true room; {rooms}"
    assert len(wrong) <= 0.1 * len(settled), f"{len(wrong)} garments shown in the wrong room"
    phones_in_fitting_rooms = {
        t["device_id"]
        for t in truth
        if t["kind"] == "shopper_stay"
        and t["device_id"]
        and t["exit"] == end
        and t["room"].startswith("fr-")
        and end - t["enter"] >= 15
    }
    if phones_in_fitting_rooms:
        assert sum(room["shoppers"] for room in rooms.values()) >= 1
