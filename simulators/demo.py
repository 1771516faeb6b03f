"""``make demo`` (``python -m simulators.demo``): a whole store on one machine, with one command.

Starts, in order: a broker (a private Mosquitto on a free port when the binary is on PATH or in
/usr/sbin, else an embedded amqtt broker in this process — it says which), the edge (``EdgeService``
with the demo layout and catalog, its database in ``./demo-data``), demo associates and one mirror token
per fitting room, the store simulator's shoppers (real device formats over MQTT), simulated associates
working the console's queue over the API, and shoppers tapping the mirrors (asking for sizes, buying,
calling for help). It prints each mirror's URL, carrying its token, and the console URL with the demo
PIN. Ctrl-C (or SIGTERM) stops everything in reverse order; the Mosquitto child is also told to die
with this process, so nothing is left running.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import getpass
import importlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from edge.config import DEMO_CATALOG, load_settings
from edge.layout import Layout, load_layout
from edge.service import EdgeService
from edge.web.app import create_app
from edge.web.auth import add_associate, issue_mirror_token
from simulators.associates import AssociateProfile, Pace, run_associates
from simulators.live import LivePublisher
from simulators.mirror_taps import run_mirror_taps
from simulators.trace import Scenario, Simulation

__all__ = ["DEMO_PIN", "DemoBroker", "main"]

log = logging.getLogger("fitroom-demo")

ROOT = Path(__file__).resolve().parent.parent
DEMO_LAYOUT = ROOT / "deploy" / "layouts" / "demo.toml"
DEMO_PIN = "1234"
CONSOLE_ASSOCIATE = AssociateProfile("sam", "Sam", DEMO_PIN)  # the one a person signs in as
SIMULATED_ASSOCIATES = (AssociateProfile("ana", "Ana", DEMO_PIN), AssociateProfile("luis", "Luis", DEMO_PIN))
SIM_HOURS = 3.0  # one simulated shift; a new one starts when it ends


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_mosquitto() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    for candidate in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _die_with_parent() -> None:
    """In the Mosquitto child: get SIGTERM if the demo dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class DemoBroker:
    """A private MQTT broker on 127.0.0.1: Mosquitto when installed, else amqtt in this process."""

    def __init__(self, workdir: Path, *, prefer_embedded: bool = False) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.binary = None if prefer_embedded else find_mosquitto()
        self.why_embedded = "as asked" if prefer_embedded else "no mosquitto binary found"
        self.kind = "mosquitto" if self.binary else "embedded amqtt"
        self._proc: subprocess.Popen[bytes] | None = None
        self._amqtt: Any = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def describe(self) -> str:
        if self.binary:
            return f"private Mosquitto ({self.binary}) on 127.0.0.1:{self.port}"
        return f"embedded Python broker (amqtt; {self.why_embedded}) on 127.0.0.1:{self.port}"

    async def start(self) -> None:
        if self.binary:
            conf = self.workdir / "mosquitto.conf"
            conf.write_text(
                f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                # Run as whoever runs the demo: a switch of user would clear the parent-death signal.
                f"user {getpass.getuser()}\n"
                f"log_dest file {self.workdir / 'mosquitto.log'}\nlog_type error\nlog_type warning\n"
            )
            self._proc = subprocess.Popen(
                [self.binary, "-c", str(conf)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,  # only sets the parent-death signal
                # Its own process group: Ctrl-C reaches the demo, which stops the broker last, after
                # the devices have said "offline" and the edge has drained.
                start_new_session=True,
            )
        else:
            try:
                broker_module = importlib.import_module("amqtt.broker")
            except ImportError:
                raise SystemExit(
                    "fitroom-demo: no MQTT broker: install Mosquitto (apt-get install mosquitto) or the "
                    "embedded one (pip install -e '.[embedded-broker]')"
                ) from None
            self._amqtt = broker_module.Broker(
                {
                    "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
                    "plugins": {
                        "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
                    },
                }
            )
            await self._amqtt.start()  # listening once this returns
            return
        await self._wait_listening()

    async def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise SystemExit(f"fitroom-demo: mosquitto exited with {self._proc.returncode}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise SystemExit(f"fitroom-demo: the broker did not listen on {self.port} within {timeout}s")

    async def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    await asyncio.to_thread(self._proc.wait, 5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    await asyncio.to_thread(self._proc.wait)
            self._proc = None
        if self._amqtt is not None:
            await self._amqtt.shutdown()
            self._amqtt = None


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the demo owns Ctrl-C and stops things in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ShopperTraffic:
    """The store simulator's shoppers, published live in real time (times ``speed``) on a thread."""

    def __init__(self, layout: Layout, mqtt_url: str, *, per_hour: float, speed: float, seed: int) -> None:
        self.layout = layout
        self.per_hour = per_hour
        self.speed = speed
        self.seed = seed
        self.publisher = LivePublisher(layout, mqtt_url, client_prefix=f"fitroom-demo-{os.getpid()}")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-shoppers", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self.publisher.connect()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.publisher.wait_idle()
        self.publisher.close()

    def _run(self) -> None:
        seed = self.seed
        try:
            while not self._stop.is_set():
                duration = SIM_HOURS * 3600.0
                scenario = Scenario(
                    seed=seed,
                    duration_s=duration,
                    shoppers=max(1, round(self.per_hour * SIM_HOURS)),
                    associates=1,
                    start=round(time.time(), 3),
                )
                sim = Simulation(self.layout, scenario, catalog_path=DEMO_CATALOG)
                wall0, sim0 = time.monotonic(), scenario.start
                for msg in sim.messages(opening=False):
                    delay = wall0 + (msg.t - sim0) / self.speed - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        return
                    self.publisher.publish(msg)
                seed += 1
        except BaseException as exc:  # reported by the demo rather than lost with the thread
            self.error = exc
            log.exception("shopper simulation stopped")


async def _start_edge(
    args: argparse.Namespace, broker: DemoBroker, data: Path
) -> tuple[EdgeService, _Server]:
    db = data / "edge.db"
    for stale in (db, db.with_name("edge.db-wal"), db.with_name("edge.db-shm")):
        stale.unlink(missing_ok=True)  # every demo starts with an empty store
    settings = load_settings(
        {
            "layout": str(args.layout),
            "catalog": str(DEMO_CATALOG),
            "db_url": f"sqlite:///{db}",
            "mqtt_url": broker.url,
            "host": "127.0.0.1",
            "port": args.port,
        }
    )
    service = EdgeService(settings)
    config = uvicorn.Config(
        create_app(service),
        host="127.0.0.1",
        port=args.port,
        lifespan="on",
        log_level="warning",
        access_log=False,
        log_config=None,
    )
    server = _Server(config)
    return service, server


async def _run(args: argparse.Namespace) -> int:
    data = Path(args.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    layout = load_layout(args.layout)
    if not port_is_free(args.port):
        taken = args.port
        args.port = free_port()
        print(f"port {taken} is in use: serving on {args.port} instead")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    broker = DemoBroker(data, prefer_embedded=args.embedded_broker)
    await broker.start()
    service, server = await _start_edge(args, broker, data)
    serving = asyncio.create_task(server.serve(), name="demo-edge")
    traffic: ShopperTraffic | None = None
    workers: list[asyncio.Task[Any]] = []
    try:
        while not server.started:
            if serving.done() or stop.is_set():
                print("fitroom-demo: the edge did not start (see the log above)", file=sys.stderr)
                return 1
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{args.port}"
        crew = SIMULATED_ASSOCIATES[: args.associates]
        for person in (CONSOLE_ASSOCIATE, *crew):
            await asyncio.to_thread(
                add_associate,
                service.db,
                associate_id=person.associate_id,
                first_name=person.first_name,
                pin=person.pin,
            )
        tokens = {
            room.id: await asyncio.to_thread(issue_mirror_token, service.db, room.id, label="demo mirror")
            for room in layout.fitting_rooms
        }
        _print_banner(layout, broker, base, tokens, crew, args, data)

        if args.shoppers_per_hour > 0:
            traffic = ShopperTraffic(
                layout, broker.url, per_hour=args.shoppers_per_hour, speed=args.speed, seed=args.seed
            )
            await asyncio.to_thread(traffic.start)
        pace = Pace(speed=args.speed)
        workers.append(asyncio.create_task(run_associates(base, crew, stop, pace=pace, seed=args.seed)))
        if args.shoppers_per_hour > 0:
            workers.append(
                asyncio.create_task(run_mirror_taps(base, tokens, stop, speed=args.speed, seed=args.seed))
            )
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({stopped, serving}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        print("\nstopping…")
        return 0
    finally:
        stop.set()
        for task in workers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=15)
        if traffic is not None:
            await asyncio.to_thread(traffic.stop)
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(serving, timeout=20)
        await broker.stop()
        print("demo stopped: broker, edge, shoppers and associates are down.")


def _print_banner(
    layout: Layout,
    broker: DemoBroker,
    base: str,
    tokens: dict[str, str],
    crew: tuple[AssociateProfile, ...],
    args: argparse.Namespace,
    data: Path,
) -> None:
    names = {room.id: room.name for room in layout.rooms}
    width = max(len(n) for n in names.values())
    lines = [
        "",
        f"fitroom demo · {layout.store.name} (store {layout.store.id})",
        f"  broker   {broker.describe()}",
        f"  edge     {base}   (data in {data})",
        "",
        "  mirrors (open one per screen or tab; each URL carries its room's device token)",
    ]
    lines += [
        f"    {names[room].ljust(width)}  {base}/mirror/{room}?token={token}"
        for room, token in tokens.items()
    ]
    lines += [
        "",
        f"  console  {base}/associate?associate={CONSOLE_ASSOCIATE.associate_id}",
        f"           sign in as associate ID '{CONSOLE_ASSOCIATE.associate_id}' with the demo PIN {DEMO_PIN}",
        "",
        f"  simulated: ~{args.shoppers_per_hour:g} shoppers an hour, associates "
        f"{', '.join(p.first_name for p in crew) or 'none'}, at {args.speed:g}x speed",
        "  Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m simulators.demo", description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=8000, help="edge web port (a free one if it is taken)")
    p.add_argument("--layout", type=Path, default=DEMO_LAYOUT, help="store layout TOML")
    p.add_argument("--data-dir", default="demo-data", help="where the demo's database and broker log go")
    p.add_argument("--shoppers-per-hour", type=float, default=40.0, help="shopper arrivals (0: none)")
    p.add_argument(
        "--associates",
        type=int,
        default=2,
        choices=range(len(SIMULATED_ASSOCIATES) + 1),
        help="simulated associates working the queue",
    )
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall second")
    p.add_argument("--seed", type=int, default=7, help="random seed")
    p.add_argument("--embedded-broker", action="store_true", help="use amqtt even when Mosquitto exists")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.speed <= 0:
        print("fitroom-demo: --speed must be positive", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(_run(args))


if __name__ == "__main__":
    raise SystemExit(main())
