"""``make demo`` (``python -m simulators.demo``): a whole store on one machine, with one command.

Starts, in order: a broker (a private Mosquitto on a free port when the binary is on PATH or in
/usr/sbin, else an embedded amqtt broker in this process — it says which; see ``demo_broker``), the
demo's central profile store (``cloud_sync.demo.DemoCentral``, a child process; opted-in shoppers' phones
are enrolled as members so the mirror can greet them), the edge (``EdgeService`` with the demo layout and
catalog, its database in ``./demo-data``), demo associates and one mirror token per fitting room, the
store simulator's shoppers (real device formats over MQTT), simulated associates working the console's
queue over the API, and shoppers tapping the mirrors (asking for sizes, buying, calling for help,
leaving an email). It prints each mirror's URL, carrying its token, and the console URL with the demo
PIN. The store opens with a few shoppers who already chose their garments on their way to the fitting
rooms (``--first-shoppers``), so mirrors fill within seconds; the realistic shift's arrivals follow.
Ctrl-C (or SIGTERM) stops everything in reverse order; child processes are also told to die with this
process, so nothing is left running.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from cloud_sync.demo import DemoCentral
from edge.catalog.model import load_catalog
from edge.compose import build_edge
from edge.config import DEMO_CATALOG, load_settings
from edge.credentials import add_associate, issue_display_token, issue_mirror_token
from edge.layout import Layout, load_layout
from edge.service import EdgeService
from simulators.associates import AssociateProfile, Pace, run_associates
from simulators.demo_aisle import DemoWebhooks, post_demo_offers, run_ship_to_home_taps
from simulators.demo_banner import print_banner, summary
from simulators.demo_broker import DemoBroker, free_port, port_is_free
from simulators.demo_checkout import DemoCheckout
from simulators.demo_history import prepare_demo_store
from simulators.demo_queue import run_walk_ins
from simulators.demo_traffic import Reserved, ShopperTraffic
from simulators.formats import IBEACON_APP_UUID
from simulators.lights import LightPrinter
from simulators.llrp_addresses import relocate_readers
from simulators.mirror_taps import run_mirror_taps
from simulators.store import SimConfig

if TYPE_CHECKING:
    from simulators.llrp import ReaderEmulator

__all__ = ["DEMO_PIN", "main"]

log = logging.getLogger("fitroom-demo")

ROOT = Path(__file__).resolve().parent.parent
DEMO_LAYOUT = ROOT / "deploy" / "layouts" / "demo.toml"
DEMO_PIN = "1234"
CONSOLE_ASSOCIATE = AssociateProfile("sam", "Sam", DEMO_PIN)  # the one a person signs in as
SIMULATED_ASSOCIATES = (AssociateProfile("ana", "Ana", DEMO_PIN), AssociateProfile("luis", "Luis", DEMO_PIN))
MANAGER = AssociateProfile("mia", "Mia", DEMO_PIN)  # signs in on the console, reads /manager
FIRST_SHOPPERS = 3  # already on their way to the fitting rooms when the demo opens


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the demo owns Ctrl-C and stops things in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _start_llrp_readers(layout: Layout, path: Path, data: Path) -> tuple[dict[str, ReaderEmulator], Path]:
    """An emulated reader on each LLRP reader's address, before the edge connects; on free ports (and a
    copy of the layout saying so, in ``data``) when the layout's are taken."""
    readers = [r for r in layout.readers if r.is_llrp]
    if not readers:
        return {}, path
    from simulators.llrp import start_readers  # the fitroom[llrp] extra, which `make demo` installs

    try:
        emulators = start_readers(readers)
    except OSError as exc:
        moved = data / "layout.toml"
        ports = {r.id: free_port() for r in readers}
        moved.write_text(relocate_readers(path.read_text(encoding="utf-8"), ports), encoding="utf-8")
        print(f"{exc}: using {moved} with the LLRP readers on ports {sorted(ports.values())} instead")
        path = moved
        emulators = start_readers(load_layout(path).readers)
    for reader_id, emulator in emulators.items():
        print(f"LLRP reader {reader_id}: emulated on {emulator.host}:{emulator.port} (LLRP over TCP)")
    return emulators, path


def _start_central(
    layout: Layout, data: Path, log_level: str = "warning", hooks: DemoWebhooks | None = None
) -> DemoCentral | None:
    """The demo's central profile store (a child process); None, with a note, when it cannot start."""
    central = DemoCentral(
        data / "central",
        store_id=layout.store.id,
        store_name=layout.store.name,
        catalog_path=DEMO_CATALOG,
        log_level=log_level,
        extra_env=hooks.central_env() if hooks else None,
    )
    try:
        central.start()
        if hooks is not None:  # the endless aisle's and offers' receivers, and the demo's offers
            post_demo_offers(central.url, central.admin_token)
    except (RuntimeError, OSError) as exc:
        print(f"note: the central store did not start ({exc}); shoppers stay anonymous", file=sys.stderr)
        central.stop()
        return None
    return central


async def _start_edge(
    args: argparse.Namespace,
    broker: DemoBroker,
    data: Path,
    central: DemoCentral | None,
    checkout: DemoCheckout | None = None,
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
            "central_url": central.url if central else None,
            "store_key": central.store_key if central else None,
            "environment": "demo",  # the demo's own central store answers plain http on 127.0.0.1
            **(checkout.settings() if checkout else {}),  # ship-to-home paid on a phone
        }
    )
    layout = load_layout(args.layout)
    staff = [(p.associate_id, p.first_name, p.pin) for p in (CONSOLE_ASSOCIATE, *SIMULATED_ASSOCIATES)]
    history = await asyncio.to_thread(
        prepare_demo_store,
        settings,
        layout,
        load_catalog(DEMO_CATALOG),
        staff=staff,
        manager=(MANAGER.associate_id, MANAGER.first_name, MANAGER.pin),
        days=args.history_days,
        seed=args.seed,
    )
    if history is not None:
        print(f"history: the last {history.days} days' {history.visits} fitting-room visits for the manager")
    edge = build_edge(settings, layout=layout)
    config = uvicorn.Config(
        edge.app,
        host="127.0.0.1",
        port=args.port,
        lifespan="on",
        log_level="warning",
        access_log=False,
        log_config=None,
    )
    server = _Server(config)
    return edge.service, server


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

    llrp, args.layout = await asyncio.to_thread(_start_llrp_readers, layout, args.layout, data)
    broker = DemoBroker(data, prefer_embedded=args.embedded_broker)
    await broker.start()
    hooks = DemoWebhooks()  # the e-commerce system's and member app's stand-in (used with a central)
    hooks.start()
    central = (
        await asyncio.to_thread(_start_central, layout, data, args.log_level, hooks) if args.central else None
    )
    checkout = None if args.pay_at_bag_desk else DemoCheckout(out=lambda line: print(line, flush=True))
    if checkout is not None:
        checkout.edge_url = f"http://127.0.0.1:{args.port}"
        checkout.start()
    service, server = await _start_edge(args, broker, data, central, checkout)
    serving = asyncio.create_task(server.serve(), name="demo-edge")
    traffic: ShopperTraffic | None = None
    lights = LightPrinter(layout, broker.url, out=lambda line: print(line, flush=True))  # what bulbs get
    lights.start()
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
        entrance = await asyncio.to_thread(issue_display_token, service.db, "entrance")
        print_banner(
            layout,
            broker,
            central,
            base,
            tokens,
            crew,
            args,
            data,
            queue_token=entrance,
            console=CONSOLE_ASSOCIATE,
            manager=MANAGER,
            pin=DEMO_PIN,
        )

        if args.shoppers_per_hour > 0:
            major = SimConfig().ibeacon_major

            reserved: list[str] = []

            def enrol(minors: list[int]) -> Reserved | None:
                if central is None or not minors:
                    return None
                members = central.enrol(IBEACON_APP_UUID, major, minors)
                if reserved:
                    return None
                # The first opted-in shopper reserved to try; an associate prepares a room for them.
                rid, gtins = central.reserve(members[0])
                reserved.append(rid)
                print("reserve to try: one opted-in shopper of the first wave has a reservation")
                return Reserved(minors[0], gtins)

            traffic = ShopperTraffic(
                layout,
                broker.url,
                per_hour=args.shoppers_per_hour,
                speed=args.speed,
                seed=args.seed,
                on_wave=enrol,
                llrp=llrp,
                first_shoppers=args.first_shoppers,
            )
            await asyncio.to_thread(traffic.start)
        pace = Pace(speed=args.speed)
        workers.append(asyncio.create_task(run_associates(base, crew, stop, pace=pace, seed=args.seed)))
        if args.shoppers_per_hour > 0:
            workers.append(
                asyncio.create_task(run_mirror_taps(base, tokens, stop, speed=args.speed, seed=args.seed))
            )
            ship = run_ship_to_home_taps(base, tokens, stop, speed=args.speed, seed=args.seed)
            workers.append(asyncio.create_task(ship))
            walk_ins = run_walk_ins(
                base, CONSOLE_ASSOCIATE.associate_id, DEMO_PIN, stop, speed=args.speed, seed=args.seed
            )
            workers.append(asyncio.create_task(walk_ins))
        if args.duration > 0:
            loop.call_later(args.duration, stop.set)
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({stopped, serving}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        print("\nstopping…")
        return 0
    finally:
        stop.set()
        done: list[str] = []
        for task in workers:
            with contextlib.suppress(Exception):
                result = await asyncio.wait_for(task, timeout=15)
                done.append(summary(result))
        if traffic is not None:
            await asyncio.to_thread(traffic.stop)
        lights.stop()
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(serving, timeout=20)
        await broker.stop()
        for emulator in llrp.values():
            await asyncio.to_thread(emulator.close)
        if central is not None:
            await asyncio.to_thread(central.stop)
        hooks.stop()
        if checkout is not None:
            checkout.stop()
        for line in filter(None, done):
            print(line)
        print("demo stopped: broker, edge, central store, shoppers and associates are down.")


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
    p.add_argument(
        "--first-shoppers",
        type=int,
        default=FIRST_SHOPPERS,
        help="shoppers already on their way to the fitting rooms at opening (mirrors fill within seconds)",
    )
    p.add_argument("--history-days", type=int, default=30, help="days of past visits for /manager (0: none)")
    p.add_argument("--duration", type=float, default=0.0, help="stop after this many seconds (0: Ctrl-C)")
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall second")
    p.add_argument("--seed", type=int, default=7, help="random seed")
    p.add_argument(
        "--log-level",
        default="warning",
        choices=("debug", "info", "warning", "error"),
        help="of the demo, the edge and the central store (its log: <data-dir>/central/central.log)",
    )
    p.add_argument("--embedded-broker", action="store_true", help="use amqtt even when Mosquitto exists")
    p.add_argument(
        "--pay-at-bag-desk",
        action="store_true",
        help="no demo payment provider: ship-to-home orders are paid at the bag desk only",
    )
    p.add_argument(
        "--no-central",
        dest="central",
        action="store_false",
        help="no central profile store: every shopper is anonymous",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.speed <= 0:
        print("fitroom-demo: --speed must be positive", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return asyncio.run(_run(args))


if __name__ == "__main__":
    raise SystemExit(main())
