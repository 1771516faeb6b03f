"""The central store for ``make demo``: SQLite in the demo's data folder, served by ``fitroom-central
serve`` in a child process, with the demo catalog loaded and the demo's opted-in shoppers enrolled.

The demo uses it like this::

    central = DemoCentral(workdir, store_id=layout.store.id, store_name=layout.store.name,
                          catalog_path=DEMO_CATALOG)
    central.start()
    central.enrol(IBEACON_APP_UUID, major, minors)   # the phones of the simulated opted-in shoppers
    os.environ.update(central.edge_env())            # FITROOM_CENTRAL_URL / FITROOM_STORE_KEY, then
    ...                                              # build the edge's settings as usual
    central.stop()
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlmodel import Session

from cloud_sync.central.catalog import upsert_online_stock, upsert_store_stock, upsert_styles
from cloud_sync.central.db import make_engine, migrate
from cloud_sync.central.stores import create_store
from cloud_sync.client import redact_http_logs
from edge.catalog.model import Catalog, load_catalog

__all__ = ["DemoCentral", "demo_member_id"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the demo dies, even by SIGKILL (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


FIRST_NAMES = (
    "Alex",
    "Bea",
    "Carmen",
    "Dev",
    "Elif",
    "Femi",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kai",
    "Lucia",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tomas",
    "Uma",
    "Yara",
)
SIZED = ("tops", "dresses", "trousers", "outerwear", "shoes")


MEMBER_LANGUAGES = ("en", "en", "en", "es", "fr", "de", "pt", "ar")


def demo_member_id(minor: int) -> str:
    return f"demo-member-{minor}"


class DemoCentral:
    """A central store of the demo's own. ``start()`` wipes and rebuilds it; ``stop()`` ends the child."""

    def __init__(
        self,
        workdir: Path,
        *,
        store_id: str,
        store_name: str,
        catalog_path: Path | None,
        port: int | None = None,
        log_level: str = "warning",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.extra_env = dict(extra_env or {})  # e.g. the webhook URLs and secret
        self.workdir = workdir
        self.log_level = log_level
        self.store_id = store_id
        self.store_name = store_name
        self.catalog_path = catalog_path
        self.port = port or _free_port()
        self.db_path = workdir / "central.db"
        self.admin_token = secrets.token_urlsafe(24)
        self.store_key = ""
        self.catalog = Catalog()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def edge_env(self) -> dict[str, str]:
        """The edge's settings for talking to this central store."""
        return {"FITROOM_CENTRAL_URL": self.url, "FITROOM_STORE_KEY": self.store_key}

    def start(self, timeout_s: float = 60.0) -> None:
        redact_http_logs()  # enrolment PUTs name the members in their URLs
        self.workdir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{self.db_path}"
        engine = make_engine(db_url)
        migrate(engine)
        if self.catalog_path is not None:
            self.catalog = load_catalog(self.catalog_path)
        with Session(engine) as session:
            self.store_key = create_store(
                session, store_id=self.store_id, name=self.store_name, now=time.time()
            )
            stock = self.catalog.stock
            upsert_styles(session, self.catalog.styles, self.catalog.co_purchases)
            upsert_online_stock(session, [(s.gtin, s.online) for s in stock])
            upsert_store_stock(session, self.store_id, [(s.gtin, s.floor, s.stockroom) for s in stock])
            session.commit()
        engine.dispose()
        env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
        env.update({"FITROOM_CENTRAL_DB_URL": db_url, "FITROOM_CENTRAL_ADMIN_TOKEN": self.admin_token})
        env.update(self.extra_env)
        with (self.workdir / "central.log").open("ab") as log:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "cloud_sync.central.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--log-level",
                    self.log_level,
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
                start_new_session=True,  # Ctrl-C goes to the demo, which stops this child in order
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"central store exited with {self._proc.returncode}; see central.log")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"central store did not answer on {self.url} within {timeout_s}s")

    def enrol(self, beacon_uuid: str, major: int, minors: Iterable[int]) -> list[str]:
        """Give each opted-in phone a member profile with plausible preferences; returns the member ids."""
        categories: dict[str, set[str]] = {}
        colours: set[str] = set()
        brands: set[str] = set()
        for style in self.catalog.styles:
            categories.setdefault(style.category.value, set()).update(s.size for s in style.skus)
            colours.update(s.colour for s in style.skus)
            brands.add(style.brand)
        members = []
        with httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.admin_token}"}, timeout=30
        ) as client:
            for minor in minors:
                rng = random.Random(minor)  # the same shopper gets the same tastes every demo run
                body = {
                    "first_name": rng.choice(FIRST_NAMES),
                    "preferred_sizes": {
                        c: rng.choice(sorted(s)) for c, s in sorted(categories.items()) if c in SIZED
                    },
                    "favourite_colours": rng.sample(sorted(colours), min(2, len(colours))),
                    "favourite_brands": rng.sample(sorted(brands), min(1, len(brands))),
                    "beacons": [{"uuid": beacon_uuid, "major": major, "minor": minor}],
                    # Some members' app is in another language: their mirror greets them in it.
                    "language": rng.choice(MEMBER_LANGUAGES),
                }
                member = demo_member_id(minor)
                client.put(f"/v1/admin/profiles/{member}", json=body).raise_for_status()
                # Demo members said yes to offers on their phone in the app.
                client.put(
                    f"/v1/admin/profiles/{member}/offer-consent", json={"consent": True}
                ).raise_for_status()
                members.append(member)
        return members

    def reserve(self, member_id: str, *, count: int = 2) -> tuple[str, list[str]]:
        """Reserve ``count`` garments in stock here for ``member_id`` to try within the next two hours (the
        chain's app would); returns the reservation id and the GTINs reserved."""
        gtins = [s.gtin for s in self.catalog.stock if s.floor + s.stockroom > 0][:count]
        now = time.time()
        body = {
            "member_id": member_id,
            "store_id": self.store_id,
            "gtins": gtins,
            "arrive_from": datetime.fromtimestamp(now, UTC).isoformat(),
            "arrive_until": datetime.fromtimestamp(now + 7200, UTC).isoformat(),
            "note": "reserved in the app",
        }
        response = httpx.post(
            f"{self.url}/v1/reservations",
            json=body,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10,
        )
        response.raise_for_status()
        rid: str = response.json()["id"]
        return rid, gtins

    def stats(self) -> dict[str, object]:
        response = httpx.get(
            f"{self.url}/v1/admin/stats", headers={"Authorization": f"Bearer {self.admin_token}"}, timeout=10
        )
        response.raise_for_status()
        body: dict[str, object] = response.json()
        return body

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
