"""Exactly once, end to end, with real processes: the central store (uvicorn) stops while the store keeps
producing events, then comes back; the edge's sync worker is SIGKILLed mid-sync and restarted. Every
event arrives once: the counts at the edge and at the centre match."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from cloud_sync import ledger
from tests.central_support import (
    CentralServer,
    EdgeProcess,
    WorkerProcess,
    add_store,
    database_url,
    edge_engine,
    outbox_counts,
    produce,
    wait_for,
)
from tests.mirror_support import MirrorEdge, mirror_edge

STORE = "store-042"


@pytest.fixture(params=["postgresql", "sqlite"])
def central_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path / "central.db") as url:
        yield url


@pytest.fixture
def central(central_db: str, tmp_path: Path) -> Iterator[tuple[CentralServer, str]]:
    key = add_store(central_db, STORE, "Flagship")
    server = CentralServer(central_db, tmp_path)
    server.start()
    yield server, key
    server.stop()


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    path = tmp_path / "edge.db"
    engine = edge_engine(path)
    yield engine, f"sqlite:///{path}"
    engine.dispose()


def drained(engine: Engine) -> bool:
    return ledger.counts(engine).backlog == 0


def assert_exactly_once(engine: Engine, server: CentralServer) -> None:
    at_edge = outbox_counts(engine)
    counts = ledger.counts(engine)
    assert counts.backlog == 0
    assert counts.sent_total == sum(at_edge.values())
    assert server.stats()["events"] == at_edge


def test_events_queue_while_the_centre_is_down_and_arrive_once(
    central: tuple[CentralServer, str], edge: tuple[Engine, str], tmp_path: Path
) -> None:
    server, key = central
    engine, edge_url = edge
    worker = WorkerProcess(edge_url, server.url, key, STORE, tmp_path, batch_size=50)
    worker.start()
    try:
        produce(engine, STORE, 200)
        wait_for(lambda: drained(engine), 120, "the first events to drain")

        server.stop()
        # The store goes on: sessions end, shoppers buy, all into the outbox.
        producer = threading.Thread(target=produce, args=(engine, STORE, 300), kwargs={"start": 200})
        producer.start()
        producer.join()
        assert ledger.counts(engine).backlog == 300  # queued, nothing lost, nothing sent
        sent_before = ledger.counts(engine).sent_total

        server.start()
        produce(engine, STORE, 50, start=500)
        wait_for(lambda: drained(engine), 180, "the backlog to drain after the centre came back")
        assert ledger.counts(engine).sent_total == sent_before + 350
        assert_exactly_once(engine, server)
    finally:
        worker.stop()


def test_a_worker_killed_mid_sync_resumes_without_loss_or_duplicates(
    central: tuple[CentralServer, str], edge: tuple[Engine, str], tmp_path: Path
) -> None:
    server, key = central
    engine, edge_url = edge
    produce(engine, STORE, 3000)
    worker = WorkerProcess(edge_url, server.url, key, STORE, tmp_path, batch_size=25)
    kills = 0
    try:
        for _ in range(3):
            worker.start()
            # Kill it while it is part-way through: some sent, some still queued.
            sent = ledger.counts(engine).sent_total
            wait_for(
                lambda s=sent: ledger.counts(engine).sent_total > s + 100, 120, "the worker to make progress"
            )
            if ledger.counts(engine).backlog == 0:
                break
            worker.kill()
            kills += 1
        assert kills >= 1, "the worker was never killed mid-sync"
        worker.start()
        wait_for(lambda: drained(engine), 180, "the backlog to drain after the kills")
        assert_exactly_once(engine, server)
        assert server.stats()["events"] == outbox_counts(engine)
    finally:
        worker.stop()


def test_the_edge_killed_with_sigkill_mid_sync_and_restarted_delivers_every_event_once(
    central: tuple[CentralServer, str], edge: tuple[Engine, str], tmp_path: Path
) -> None:
    server, key = central
    engine, edge_url = edge
    store = EdgeProcess(edge_url, server.url, key, tmp_path)
    produced = 0
    killed = False
    try:
        for _ in range(4):
            produce(engine, STORE, 10_000, start=produced)
            produced += 10_000
            store.start()
            # Watch the edge's own status endpoint until it is part-way through the backlog.
            wait_for(
                lambda: store.status()["sent_total"] > 0 or store.status()["backlog"] == 0,
                120,
                "the edge to start sending",
                interval=0.05,
            )
            status = store.status()
            if status["backlog"] > 0:
                store.kill()
                killed = True
                break
            store.stop()
        assert killed, "the edge drained everything before it could be killed mid-sync"
        store.start()
        wait_for(lambda: store.status()["backlog"] == 0, 180, "the restarted edge to drain the backlog")
        status = store.status()
        assert status["sent_total"] == produced
        assert server.stats()["events"] == outbox_counts(engine)
        assert sum(server.stats()["events"].values()) == produced
    finally:
        store.stop()


def test_the_store_keeps_serving_while_the_centre_is_down_and_nothing_is_lost(
    central: tuple[CentralServer, str], tmp_path: Path
) -> None:
    server, key = central

    def shop(edge: MirrorEdge, n: int, start: int) -> None:
        """Shoppers at the mirrors: buy what they try, ask for another size."""
        for i in range(start, start + n):
            room = f"fr-{i % 3 + 1}"
            style = edge.style(i, category="tops")
            epc = edge.put_in_room(room, edge.sku_in_stock(style), 1000 + i)
            headers = edge.mirror(room)
            bought = edge.client.post(f"/api/mirror/{room}/purchases", headers=headers, json={"epcs": [epc]})
            asked = edge.client.post(
                f"/api/mirror/{room}/requests",
                headers=headers,
                json={"gtin": edge.sku_in_stock(style, skip=1).gtin},
            )
            assert bought.status_code == 201 and asked.status_code == 201, (bought.text, asked.text)

    def status(edge: MirrorEdge) -> dict[str, Any]:
        body: dict[str, Any] = edge.client.get("/api/sync/status").json()
        return body

    with mirror_edge(tmp_path / "edge.db", central_url=server.url, store_key=key) as edge:
        shop(edge, 3, 0)
        wait_for(lambda: status(edge)["backlog"] == 0 and status(edge)["sent_total"] > 0, 60, "first sync")

        server.stop()
        shop(edge, 6, 3)  # mirrors, requests and purchases go on
        wait_for(lambda: status(edge)["state"] == "retrying", 60, "the worker to notice the centre is down")
        queued = status(edge)
        assert queued["backlog"] == 12 and queued["oldest_age_s"] >= 0

        server.start()
        wait_for(lambda: status(edge)["backlog"] == 0, 120, "the backlog to drain")
        at_edge = outbox_counts(edge.service.db)
        assert status(edge)["sent_total"] == sum(at_edge.values())
    assert server.stats()["events"] == at_edge
    assert at_edge["purchase"] == 9 and at_edge["size_request"] == 9
