"""The processes of bench/ingest.py: the publisher and the two consumers (bare paho, the edge).

Each runs in its own process and answers the controller over a pipe; see bench/ingest.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / "deploy" / "layouts" / "demo.toml"
TOPIC = "stores/store-042/rfid/impinj-a"  # antennas 1..4 -> fr-1..fr-4
GTINS = ("05061234100015", "05061234100022", "05061234100039", "05061234100046", "05061234100053")
TAGS = 400  # distinct garments in view of the reader


# -- payloads --------------------------------------------------------------------------------------


def make_payloads(count: int) -> list[bytes]:
    """``count`` distinct, realistic Impinj tagInventory events (EPC, antenna and RSSI vary)."""
    from edge.epc import encode_sgtin96

    epcs = [encode_sgtin96(GTINS[i % len(GTINS)], 10_000 + i).upper() for i in range(TAGS)]
    out = []
    for n in range(count):
        epc = epcs[n % TAGS]
        antenna = 1 + (n % TAGS) % 4
        ts = f"2026-05-01T12:{(n // 60000) % 60:02d}:{(n // 1000) % 60:02d}.{n % 1000:03d}456789Z"
        event = {
            "timestamp": ts,
            "hostname": "impinj-13-f8-f5",
            "eventType": "tagInventory",
            "tagInventoryEvent": {
                "epc": base64.b64encode(bytes.fromhex(epc)).decode(),
                "epcHex": epc,
                "antennaPort": antenna,
                "antennaName": f"Antenna {antenna}",
                "peakRssiCdbm": -4500 - (n * 37) % 2500,
                "frequency": 902750 + (n % 50) * 500,
                "transmitPowerCdbm": 3000,
                "lastSeenTime": ts,
            },
        }
        out.append(json.dumps(event, separators=(",", ":")).encode())
    return out


# -- the publisher process -------------------------------------------------------------------------


def find_mosquitto_pub() -> str | None:
    found = shutil.which("mosquitto_pub")
    if found:
        return found
    return "/usr/bin/mosquitto_pub" if os.access("/usr/bin/mosquitto_pub", os.X_OK) else None


def publisher_main(conn: Connection, port: int, lanes: int) -> None:
    """Commands: ("publish", rate, seconds) -> (sent, t_first, t_last, t_acked). ("stop",) ends.

    Python paho cannot offer more than a few thousand QoS 1 messages a second, so this process paces
    lines into ``lanes`` ``mosquitto_pub -l`` clients (C, QoS 1, MQTT v5) in 5 ms slices. ``t_last`` is
    when the last message was offered, ``t_acked`` when every client has had its last message
    acknowledged by the broker and exited.
    """
    binary = find_mosquitto_pub()
    if binary is None:
        conn.send("mosquitto_pub not found (apt-get install mosquitto-clients)")
        return
    pool = [p + b"\n" for p in make_payloads(4000)]
    conn.send("ready")
    while True:
        cmd = conn.recv()
        if cmd[0] == "stop":
            break
        _, rate, seconds = cmd
        total = int(rate * seconds)
        procs = [
            subprocess.Popen(
                [
                    binary,
                    "-V",
                    "5",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-q",
                    "1",
                    "-t",
                    TOPIC,
                    "-l",
                    "-i",
                    f"bench-pub-{os.getpid()}-{k}",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for k in range(lanes)
        ]
        time.sleep(0.3)  # let them connect
        pipes = [p.stdin for p in procs if p.stdin is not None]
        slot = 0.005
        t0 = time.monotonic()
        t_first = time.time()
        sent = 0
        while sent < total:
            due = min(total, int((time.monotonic() - t0 + slot) * rate))
            chunks: list[list[bytes]] = [[] for _ in pipes]
            for n in range(sent, due):
                chunks[n % len(pipes)].append(pool[n % len(pool)])
            for pipe, chunk in zip(pipes, chunks, strict=True):
                if chunk:
                    pipe.write(b"".join(chunk))
                    pipe.flush()
            sent = due
            pause = t0 + sent / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        t_last = time.time()
        for pipe in pipes:
            pipe.close()
        for proc in procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        conn.send((sent, t_first, t_last, time.time()))


# -- the consumers ---------------------------------------------------------------------------------


class Tally:
    """Counts processed messages of the current step; notes when the expected last one was done."""

    def __init__(self) -> None:
        self.count = 0
        self.expect = -1
        self.t_done: float | None = None

    def reset(self, expect: int) -> None:
        self.count, self.expect, self.t_done = 0, expect, None

    def one(self) -> None:
        self.count += 1
        if self.count == self.expect:
            self.t_done = time.time()


def serve_commands(conn: Connection, tally: Tally) -> None:
    """("expect", n) resets the step; ("report",) -> (count, t_done, process CPU seconds since the
    reset); ("stop",) returns."""
    cpu0 = time.process_time()
    while True:
        cmd = conn.recv()
        if cmd[0] == "expect":
            tally.reset(cmd[1])
            cpu0 = time.process_time()
            conn.send("ok")
        elif cmd[0] == "report":
            conn.send((tally.count, tally.t_done, time.process_time() - cpu0))
        else:
            return


def bare_main(conn: Connection, port: int) -> None:
    """A paho subscriber that only decodes the JSON of each message (on paho's thread, QoS 1)."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    tally = Tally()
    loads = json.loads

    def on_message(_c: Any, _u: Any, msg: Any) -> None:
        loads(msg.payload)
        tally.one()

    client = paho.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"bench-bare-{os.getpid()}"
    )
    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(TOPIC, qos=1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    time.sleep(0.5)
    conn.send("ready")
    serve_commands(conn, tally)
    client.disconnect()
    client.loop_stop()


def edge_main(conn: Connection, port: int, workdir: str) -> None:
    """The edge as ``fitroom-edge run`` wires it (``build_headless``), without the web server."""
    import logging

    logging.basicConfig(level=logging.WARNING)

    async def run() -> None:
        from edge.compose import build_headless
        from edge.config import EdgeSettings

        settings = EdgeSettings(
            layout=LAYOUT,
            mqtt_url=f"mqtt://127.0.0.1:{port}",
            db_url=f"sqlite:///{workdir}/bench-edge.db",
            mqtt_client_id=f"bench-edge-{uuid.uuid4().hex[:6]}",
        )
        service = build_headless(settings).service
        tally = Tally()
        handle = service.pipeline.handle

        def counted(topic: str, payload: bytes, now: float) -> Any:
            events = handle(topic, payload, now)
            tally.one()
            return events

        service.pipeline.handle = counted  # type: ignore[method-assign]  # count at the same point as bare
        await service.start()
        if not await service.mqtt.wait_connected(10):
            raise SystemExit("edge: no broker")
        await asyncio.sleep(0.5)
        conn.send("ready")
        await asyncio.to_thread(serve_commands, conn, tally)
        await service.stop()

    asyncio.run(run())
