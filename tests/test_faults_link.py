"""Fault: a half-open link to the central store (it accepts the connection and the request, then never
answers). The sync worker waits on it on the event loop with a bounded timeout (cloud_sync.client, 15 s a
phase); meanwhile the mirror API answers as fast as with no central store at all."""

from __future__ import annotations

import asyncio
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cloud_sync.client import CentralClient, CentralUnavailable
from edge.storage.outbox import add_outbox_event
from tests.mirror_support import eventually, mirror_edge

ROOM = "fr-1"


@pytest.fixture
def stalling_central() -> Iterator[str]:
    """A TCP server that accepts, reads whatever it is sent and never writes a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def latencies(edge_client: TestClient, headers: dict[str, str], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = edge_client.get(f"/api/mirror/{ROOM}", headers=headers)
        out.append(time.perf_counter() - started)
        assert response.status_code == 200
    return out


def test_a_stalled_central_store_never_stalls_the_mirrors(tmp_path: Path, stalling_central: str) -> None:
    with mirror_edge(tmp_path / "edge.db", central_url=stalling_central, store_key="k" * 32) as edge:
        headers = edge.mirror(ROOM)
        with Session(edge.service.db) as db:
            for n in range(20):
                add_outbox_event(session=db, type="go_back", store_id="s1", payload={"n": n})
            db.commit()
        eventually(lambda: edge.client.get("/api/sync/status").json()["state"] == "sending", timeout=10)
        stuck = latencies(edge.client, headers, 60)
        status = edge.client.get("/api/sync/status").json()
        assert status["state"] == "sending" and status["backlog"] == 20  # still waiting on the dead link
    with mirror_edge(tmp_path / "alone.db") as alone:
        baseline = latencies(alone.client, alone.mirror(ROOM), 60)
    print(
        f"mirror GET p50 {statistics.median(stuck) * 1000:.1f} ms, max {max(stuck) * 1000:.1f} ms "
        f"while sync is stuck; without a central store p50 {statistics.median(baseline) * 1000:.1f} ms"
    )
    assert max(stuck) < 0.5
    assert statistics.median(stuck) < max(0.05, 3 * statistics.median(baseline))


@pytest.fixture
def trickling_central() -> Iterator[str]:
    """A TCP server that starts an HTTP answer and then sends one header byte every 0.2 s, for ever: each
    read gets something in time, so only a deadline on the whole call ends it."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    def trickle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not stop.wait(0.2):
                    conn.sendall(b"a")
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    server.close()


def test_a_trickling_central_store_is_given_up_on_within_a_bounded_time(trickling_central: str) -> None:
    async def send() -> float:
        started = time.perf_counter()
        async with CentralClient(trickling_central, "k" * 32, timeout_s=0.5) as client:
            with pytest.raises(CentralUnavailable):
                await client.send_events("s1", [{"event_id": "e1"}])
        return time.perf_counter() - started

    # Without a deadline on the whole call this never ends (each byte arrives within the read timeout).
    took = asyncio.run(asyncio.wait_for(send(), timeout=5.0))
    assert took < 2.0
