"""Real parts for the central store and sync tests: a fresh PostgreSQL database (or SQLite file) per test,
the central store as a real uvicorn process, the edge sync worker as a real process, and outbox helpers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import Engine
from sqlmodel import Session

from edge.storage.db import make_engine
from edge.storage.migrations import upgrade
from edge.storage.outbox import OutboxEvent, add_outbox_event
from tests.broker import free_port
from tests.conftest import require

PG_ADMIN_DSN = os.environ.get("FITROOM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ADMIN_TOKEN = "test-admin-token"
EVENT_TYPES = ("session_ended", "purchase", "size_request", "go_back", "email_opt_in")


def pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty database on the real PostgreSQL, dropped afterwards; yields its plain URL."""
    name = f"fitroom_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_url(kind: str, sqlite_file: Path) -> Iterator[str]:
    """A database for one test: ``sqlite`` (a file at ``sqlite_file``) or ``postgresql`` (a fresh database
    on the real server, dropped afterwards; in CI its absence fails the test)."""
    if kind == "sqlite":
        yield f"sqlite:///{sqlite_file}"
        return
    require(pg_available(), "PostgreSQL at 127.0.0.1:5432 (database test, trust auth)")
    with fresh_pg_database() as url:
        yield url


def central_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
    env.update({"FITROOM_CENTRAL_DB_URL": db_url, "FITROOM_CENTRAL_ADMIN_TOKEN": ADMIN_TOKEN, **extra})
    return env


def add_store(db_url: str, store_id: str, name: str = "Test store") -> str:
    """Register a store with the real ``fitroom-central add-store`` and return the key it printed."""
    out = subprocess.run(
        [sys.executable, "-m", "cloud_sync.central.cli", "add-store", "--id", store_id, "--name", name],
        env=central_env(db_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.strip()


class ChildProcess:
    """A service the test runs as a real child process: stopped with SIGTERM, or killed with SIGKILL."""

    stop_timeout_s = 15.0

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    def kill(self) -> None:
        """SIGKILL: no clean-up, no last write."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait()
        self._proc = None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within ``stop_timeout_s``."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None


class CentralServer(ChildProcess):
    """``fitroom-central serve`` in a subprocess on a fixed free port; stop and start again at will."""

    def __init__(self, db_url: str, workdir: Path, **env: str) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.env = central_env(db_url, **env)
        self.log = workdir / f"central-{self.port}.log"
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cloud_sync.central.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = self.log.read_text()[-2000:]
                raise RuntimeError(f"central exited with {self._proc.returncode}: {tail}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"central did not answer within {timeout}s")

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.url}{path}",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30,
            **kwargs,
        )

    def stats(self) -> dict[str, Any]:
        response = self.admin("GET", "/v1/admin/stats")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body


class WorkerProcess(ChildProcess):
    """The edge sync worker as a real process (``python -m cloud_sync.worker_cli``)."""

    def __init__(
        self,
        edge_db_url: str,
        central_url: str,
        store_key: str,
        store_id: str,
        workdir: Path,
        *,
        batch_size: int = 500,
    ) -> None:
        self.args = [
            sys.executable,
            "-m",
            "cloud_sync.worker_cli",
            "--db-url",
            edge_db_url,
            "--central-url",
            central_url,
            "--store-id",
            store_id,
            "--batch-size",
            str(batch_size),
        ]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
        self.env["FITROOM_STORE_KEY"] = store_key
        self.env["FITROOM_ENVIRONMENT"] = "development"  # the test's central store is http on 127.0.0.1
        self.log = workdir / "worker.log"
        super().__init__()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)


def edge_engine(path: Path) -> Engine:
    """An edge database at ``path``, migrated as the edge migrates it."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def produce(engine: Engine, store_id: str, count: int, *, start: int = 0, member_every: int = 5) -> None:
    """Write ``count`` outbox events as the store would: each in its own transaction, every type, some
    naming a member."""
    for i in range(start, start + count):
        kind = EVENT_TYPES[i % len(EVENT_TYPES)]
        member = f"member-{i % 7}" if i % member_every == 0 else None
        payload: dict[str, Any] = {"room": "fr-1", "n": i}
        if kind == "email_opt_in":
            payload = {"email": f"shopper{i}@example.org", "consent": False}
        with Session(engine) as session:
            add_outbox_event(
                session=session,
                type=kind,
                store_id=store_id,
                payload=payload,
                member_id=member,
                now=time.time(),
            )
            session.commit()


def outbox_counts(engine: Engine) -> dict[str, int]:
    from sqlalchemy import func, select

    with Session(engine) as session:
        rows = session.execute(select(OutboxEvent.type, func.count()).group_by(OutboxEvent.type)).all()
    return {str(t): int(n) for t, n in rows}


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class EdgeProcess(ChildProcess):
    """The whole edge (``fitroom-edge run``, demo layout) as a real process with cloud sync configured;
    its MQTT broker address has nobody listening: the edge runs (and syncs) without one."""

    stop_timeout_s = 20.0

    def __init__(self, db_url: str, central_url: str, store_key: str, workdir: Path) -> None:
        self.port = free_port()
        root = Path(__file__).resolve().parent.parent
        layout = str(root / "deploy/layouts/demo.toml")
        self.args = [
            sys.executable,
            "-m",
            "edge.cli",
            "run",
            "--layout",
            layout,
            "--db-url",
            db_url,
            "--mqtt-url",
            f"mqtt://127.0.0.1:{free_port()}",
            "--port",
            str(self.port),
        ]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
        self.env.update(
            {
                "FITROOM_CENTRAL_URL": central_url,
                "FITROOM_STORE_KEY": store_key,
                "FITROOM_ENVIRONMENT": "development",
            }
        )  # the test's central store: http, loopback
        self.log = workdir / "edge.log"
        super().__init__()

    def start(self, timeout: float = 90.0) -> None:
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: self._answers(), timeout, "the edge to serve /api/sync/status")

    def _answers(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise RuntimeError(f"edge exited with {self._proc.returncode}: {self.log.read_text()[-2000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/api/sync/status", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"http://127.0.0.1:{self.port}/api/sync/status", timeout=10).json()
        return body


def central_for_edge(kind: str, tmp_path: Path, store_id: str) -> Iterator[tuple[CentralServer, str]]:
    """A central store server (``kind``: ``postgresql`` or ``sqlite``) with ``store_id`` enrolled; yields
    the server and the store's key (the body of the edge tests' parametrised ``central`` fixture)."""

    def serve(url: str) -> Iterator[tuple[CentralServer, str]]:
        key = add_store(url, store_id, "Flagship")
        server = CentralServer(url, tmp_path)
        server.start()
        try:
            yield server, key
        finally:
            server.stop()

    if kind == "sqlite":
        yield from serve(f"sqlite:///{tmp_path / 'central.db'}")
        return
    require(pg_available(), "PostgreSQL at 127.0.0.1:5432 (database test, trust auth)")
    with fresh_pg_database() as url:
        yield from serve(url)
