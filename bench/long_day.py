"""A long day (issue 21): a 12-hour shift at 20x speed against the real edge, watching for leaks.

A private Mosquitto; ``fitroom-sim run --speed 20`` plays the demo store (``deploy/layouts/demo.toml``)
with shoppers arriving all day; the edge (``build_edge`` served by uvicorn, as ``fitroom-edge run``) runs
in its own process with its clock (``edge.clock.now``, which presence, sessions and ticks read) running
at the same speed, so the dwell rules and idle timeouts see the store's own times. Every ``--sample-s``
wall seconds (default 60) the edge's RSS and open file descriptors (/proc/PID/fd), the SQLite
database's size and its sessions are sampled, for the whole shift (the simulator's traffic ends earlier:
shoppers arrive in its first 70 %). At the end, after the last shopper left and the store was quiet for a
while, the edge reports how many garments, shoppers and sessions it still keeps in memory.

Printed: the samples, the growth of RSS and fds from the end of the first (simulated) hour to the end
(goal under 10 %), the database size per session, and the in-memory counts at the end.

    .venv/bin/python bench/long_day.py                    # 12 hours at 20x: 36 minutes
    .venv/bin/python bench/long_day.py --hours 1 --sample-s 10
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulators.mosquitto import Mosquitto, free_port  # noqa: E402

LAYOUT = ROOT / "deploy" / "layouts" / "demo.toml"


def in_memory(service: Any) -> dict[str, int]:
    """Sizes of the per-garment, per-phone and per-session state the running edge keeps."""
    engine = service.engine
    items, shoppers = engine._items, engine._shoppers
    counts = {
        "garments": len(items._garments),
        "room_residents": sum(len(r) for r in items._residents.values()),
        "arrival_anchors": len(items._arrival._anchors),
        "phones": len(shoppers._devices),
        "phone_departures": len(shoppers._departures),
    }
    for name, value in vars(items).items():
        if isinstance(value, dict) and f"items.{name}" not in counts and name not in {"_garments"}:
            counts[f"items.{name}"] = len(value)
    for owner_name, owner in (("neighbours", getattr(items, "_neighbours", None)),):
        if owner is not None:
            for name, value in vars(owner).items():
                if isinstance(value, dict):
                    counts[f"{owner_name}.{name}"] = len(value)
    return counts


def edge_main(conn: Any, speed: float, mqtt_url: str, db_url: str, port: int, layout: Path) -> None:
    """The edge at ``speed`` times real time; answers ("counts",) and ("stop",) on the pipe."""
    import logging

    import edge.clock as clock

    wall0, mono0 = time.time(), time.monotonic()
    clock.now = lambda: wall0 + speed * (time.monotonic() - mono0)  # type: ignore[assignment]
    logging.basicConfig(level=logging.WARNING)

    async def run() -> None:
        import uvicorn

        from edge.compose import build_edge
        from edge.config import EdgeSettings

        settings = EdgeSettings(
            layout=layout,
            mqtt_url=mqtt_url,
            db_url=db_url,
            mqtt_client_id=f"long-day-{uuid.uuid4().hex[:6]}",
            environment="development",
        )
        edge = build_edge(settings)
        server = uvicorn.Server(
            uvicorn.Config(edge.app, host="127.0.0.1", port=port, log_config=None, access_log=False)
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        await edge.service.mqtt.wait_connected(15)
        conn.send(("ready", os.getpid()))
        while True:
            cmd = await asyncio.to_thread(conn.recv)
            if cmd[0] == "counts":
                counts = in_memory(edge.service)
                open_sessions = getattr(edge.sessions, "open_sessions", None)
                if callable(open_sessions):
                    counts["open_sessions"] = len(open_sessions())
                conn.send(counts)
            else:
                break
        server.should_exit = True
        await asyncio.wait_for(task, 20)

    asyncio.run(run())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def db_size_kb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=12, help="simulated hours (default 12)")
    parser.add_argument("--speed", type=float, default=20, help="simulated seconds per second (20)")
    parser.add_argument("--sample-s", type=float, default=60, help="wall seconds between samples")
    parser.add_argument("--shoppers-per-hour", type=int, default=30, help="shoppers arriving an hour")
    parser.add_argument("--quiet-s", type=float, default=900, help="simulated quiet seconds at the end")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (database and logs)")
    args = parser.parse_args()
    sim_s = args.hours * 3600
    with tempfile.TemporaryDirectory(prefix="long-day-") as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        broker = Mosquitto(work)
        broker.start()
        db = work / "edge.db"
        # The demo layout's LLRP reader on a free port: nothing else on this machine answers for it.
        layout = work / "layout.toml"
        llrp_port = f"port = {free_port()}"
        layout.write_text(LAYOUT.read_text().replace("port = 5084", llrp_port), encoding="utf-8")
        ctx = mp.get_context("spawn")
        conn, child = ctx.Pipe()
        proc = ctx.Process(
            target=edge_main,
            args=(child, args.speed, broker.url, f"sqlite:///{db}", free_port(), layout),
            daemon=True,
        )
        proc.start()
        if not conn.poll(60):
            raise SystemExit("edge did not start")
        _, pid = conn.recv()
        sim = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "fitroom-sim"),
                "run",
                "--layout",
                str(layout),
                "--mqtt-url",
                broker.url,
                "--speed",
                str(args.speed),
                "--duration",
                str(sim_s),
                "--shoppers",
                str(max(1, int(args.shoppers_per_hour * args.hours))),
                "--seed",
                str(args.seed),
            ],
            stdout=subprocess.DEVNULL,
            stderr=(work / "sim.log").open("wb"),
        )
        samples: list[tuple[float, float, int, float]] = []  # simulated hours, RSS MB, fds, DB kB
        last_traffic: float | None = None  # when the simulator had published its last message
        t0 = time.monotonic()
        wall_total = sim_s / args.speed
        print("sim_h  rss_mb  fds  db_kb  sessions")
        try:
            while True:
                elapsed = time.monotonic() - t0
                sample = (elapsed * args.speed / 3600, rss_mb(pid), fds(pid), db_size_kb(db))
                samples.append(sample)
                line = f"{sample[0]:5.2f}  {sample[1]:6.1f}  {sample[2]:3d}  {sample[3]:7.0f}"
                print(f"{line}  {db_sessions(db)[0]:8d}", flush=True)
                if sim.poll() not in (None, 0):
                    raise SystemExit(f"the simulator failed (exit {sim.returncode}): see {work / 'sim.log'}")
                if sim.poll() == 0 and last_traffic is None:
                    last_traffic = sample[0]  # arrivals end at 70 % of the shift; its last shoppers left
                if elapsed >= wall_total:
                    break  # the whole shift, traffic or not
                time.sleep(min(args.sample_s, max(0.5, wall_total - elapsed + 0.5)))
            quiet = args.quiet_s / args.speed
            time.sleep(quiet)  # the store is quiet: departures and idle timeouts run out
            conn.send(("counts",))
            counts = conn.recv() if conn.poll(30) else {}
            end = (time.monotonic() - t0) * args.speed / 3600, rss_mb(pid), fds(pid), db_size_kb(db)
        finally:
            if sim.poll() is None:
                sim.terminate()
                sim.wait(20)
            conn.send(("stop",))
            proc.join(30)
            if proc.is_alive():
                proc.kill()
            broker.stop()
        sessions, tried = db_sessions(db)
    after_first = next((s for s in samples if s[0] >= 1.0), samples[0])
    print("command: .venv/bin/python bench/long_day.py " + " ".join(sys.argv[1:]))
    print(
        f"end ({end[0]:.2f} simulated h, after {args.quiet_s:.0f} s quiet): RSS {end[1]:.1f} MB, fds {end[2]}"
    )
    rss_growth = 100 * (end[1] - after_first[1]) / after_first[1]
    fd_growth = 100 * (end[2] - after_first[2]) / after_first[2]
    print(
        f"growth after {after_first[0]:.2f} h: RSS {after_first[1]:.1f} -> {end[1]:.1f} MB "
        f"({rss_growth:+.1f} %), fds {after_first[2]} -> {end[2]} ({fd_growth:+.1f} %)"
    )
    per = f", {end[3] / sessions:.1f} kB per session" if sessions else ""
    print(f"database: {end[3]:.0f} kB, {sessions} sessions{per}; {tried} distinct garments tried")
    if last_traffic is not None:
        print(f"the simulator's traffic ended by {last_traffic:.2f} simulated h (arrivals: first 70 %)")
    print("in memory at the end:", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def db_sessions(db: Path) -> tuple[int, int]:
    import sqlite3

    try:
        with sqlite3.connect(db) as c:
            sessions = c.execute("select count(*) from fitting_room_session").fetchone()[0]
            garments = c.execute("select count(distinct epc) from session_item").fetchone()[0]
            return int(sessions), int(garments)
    except sqlite3.Error:
        return 0, 0


if __name__ == "__main__":
    raise SystemExit(main())
