"""Ingest throughput: how many Impinj tag reads a second the edge keeps up with, against a bare subscriber.

A private Mosquitto is started on a free loopback port. One publisher process offers tag reads in the
Impinj IoT format (docs/formats.md §1, QoS 1) at rising rates, each step for a fixed time, to two consumers,
each in its own process, one after the other at every rate:

- ``bare``: a paho subscriber (QoS 1) that only ``json.loads`` each message;
- ``edge``: the edge as it runs — ``EdgeService`` with the real MQTT adapter, hand-off, decoders,
  ingest pipeline and presence engine (everything but the web server).

A consumer keeps up with a rate when it processed every message published in the step (nothing lost,
nothing twice) and the last one within ``--grace`` seconds (default 1) of the last message being offered:
a backlog queued in the broker or in the hand-off does not pass. The highest rate each keeps up with is
reported, with the ratio edge / bare. The machine may be shared, so a rate that fails is tried again, up
to ``--attempts`` times, and a consumer stops at a rate it fails every time. Each consumer's process CPU
time per message is reported too: it does not depend on what else the machine is doing, and bare / edge
of it is the capacity ratio on an otherwise idle core. The publisher is ``--lanes`` ``mosquitto_pub``
clients fed by one process (Python paho cannot publish QoS 1 fast enough). Each step is bounded in time
and the whole run stops by itself (``--budget`` seconds, default 300).

    .venv/bin/python bench/ingest.py                 # the full run (a few minutes)
    .venv/bin/python bench/ingest.py --profile       # then where the edge's time goes (py-spy)
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_workers import TAGS, bare_main, edge_main, publisher_main  # noqa: E402

from simulators.mosquitto import Mosquitto  # noqa: E402  (the same private broker the tests use)

# -- the controller --------------------------------------------------------------------------------


@dataclass
class Step:
    consumer: str
    rate: int
    sent: int
    offered: float  # messages/s the publisher actually offered
    ack_lag_s: float  # last broker acknowledgement minus last offer: the publisher side's own lag
    in_time: int  # processed by grace seconds after the last offer
    total: int  # processed once the backlog drained (bounded wait)
    late_s: float | None  # last processed minus last offered; None when not all arrived
    cpu_us: float  # consumer process CPU time per processed message (all its threads), microseconds

    def kept_up(self, grace: float) -> bool:
        return self.total == self.sent and self.late_s is not None and self.late_s <= grace

    def publisher_short(self, grace: float) -> bool:
        return self.offered < 0.95 * self.rate or self.ack_lag_s > grace


class Worker:
    def __init__(self, name: str, target: Any, *args: Any) -> None:
        self.name = name
        self.conn, child = mp.Pipe()
        self.proc = mp.Process(target=target, args=(child, *args), name=name, daemon=True)
        self.proc.start()
        if not self.conn.poll(60):
            raise RuntimeError(f"{name} did not start")
        hello = self.conn.recv()
        if hello != "ready":
            raise RuntimeError(f"{name}: {hello}")

    def ask(self, *cmd: Any, timeout: float = 60) -> Any:
        self.conn.send(cmd)
        if not self.conn.poll(timeout):
            raise RuntimeError(f"{self.name} did not answer {cmd[0]!r}")
        return self.conn.recv()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(("stop",))
        self.proc.join(20)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)


def run_step(pub: Worker, consumer: Worker, rate: int, seconds: float, grace: float) -> Step:
    expected = int(rate * seconds)
    consumer.ask("expect", expected)
    sent, t_first, t_last, t_acked = pub.ask("publish", rate, seconds, timeout=seconds * 10 + 30)
    time.sleep(max(0.0, t_last + grace - time.time()) + 0.05)
    in_time, _, _ = consumer.ask("report")
    # Let the rest drain until nothing more arrives for a second (bounded), so a backlog does not spill
    # into the next step and a late message is told apart from a lost one.
    deadline = time.monotonic() + 30
    total, t_done, cpu = consumer.ask("report")
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now_total, now_done, now_cpu = consumer.ask("report")
        if now_total == total:
            break
        total, t_done, cpu = now_total, now_done, now_cpu
    late = None if t_done is None else t_done - t_last
    offered = sent / max(t_last - t_first, 1e-9)
    cpu_us = cpu / max(total, 1) * 1e6
    return Step(consumer.name, rate, sent, offered, t_acked - t_last, in_time, total, late, cpu_us)


def rates_from(start: int, factor: float, top: int) -> list[int]:
    out, r = [], float(start)
    while r <= top:
        out.append(int(round(r, -2)))
        r *= factor
    return out


HEADER = (
    f"{'rate/s':>8} {'consumer':>8} {'sent':>7} {'offered/s':>9} {'in time':>8} {'in all':>8} "
    f"{'last done':>10} {'CPU/msg':>8}  verdict"
)


def describe(step: Step, grace: float, attempt: int) -> str:
    late = "-" if step.late_s is None else f"{step.late_s:+.2f} s"
    verdict = "keeps up" if step.kept_up(grace) else ("lost some" if step.total < step.sent else "late")
    if step.publisher_short(grace):
        verdict += " (publisher/broker short of the rate)"
    if attempt > 1:
        verdict += " (retry)"
    return (
        f"{step.rate:>8} {step.consumer:>8} {step.sent:>7} {step.offered:>9.0f} {step.in_time:>8} "
        f"{step.total:>8} {late:>10} {step.cpu_us:>5.0f} µs  {verdict}"
    )


@dataclass
class Outcome:
    best: int = 0  # highest rate kept up with
    limited: bool = False  # True when a rate failed every attempt (the consumer's own limit was found)
    steps: list[Step] = field(default_factory=list)


def ladder(
    pub: Worker, consumers: dict[str, Worker], args: argparse.Namespace, started: float
) -> dict[str, Outcome]:
    """Rising rates, both consumers at each rate; a consumer stops at a rate it fails every attempt."""
    out = {name: Outcome() for name in consumers}
    failures = {name: 0 for name in consumers}
    print(HEADER, flush=True)
    for rate in rates_from(args.start, args.factor, args.top):
        short = 0
        for name, consumer in consumers.items():
            while failures[name] < args.attempts:
                if time.monotonic() - started > args.budget:
                    print("time budget spent: stopping", flush=True)
                    return out
                step = run_step(pub, consumer, rate, args.seconds, args.grace)
                print(describe(step, args.grace, failures[name] + 1), flush=True)
                out[name].steps.append(step)
                short += step.publisher_short(args.grace)
                if step.kept_up(args.grace):
                    out[name].best = rate
                    failures[name] = 0
                    break
                failures[name] += 1
                out[name].limited = failures[name] >= args.attempts
        if all(f >= args.attempts for f in failures.values()):
            break
        if short >= args.attempts:
            print("the publisher side cannot offer this rate: stopping", flush=True)
            break
    return out


def summarise(outcomes: dict[str, Outcome], grace: float) -> None:
    # CPU per message includes each process's fixed costs per second (timers, keep-alives), which weigh
    # on slow steps; the upper half of the rates both kept up with shows the cost of a message.
    common = min(outcomes["bare"].best, outcomes["edge"].best)
    print()
    print(f"{'consumer':>10} {'keeps up with':>14} {f'CPU/msg (median, {common // 2}-{common}/s)':>30}")
    cpu: dict[str, float] = {}
    for name, label in (("bare", "bare paho"), ("edge", "edge")):
        o = outcomes[name]
        kept = sorted(s.cpu_us for s in o.steps if s.kept_up(grace) and common // 2 <= s.rate <= common)
        cpu[name] = kept[len(kept) // 2] if kept else float("nan")
        rate = f"{o.best}/s" if o.limited else f">= {o.best}/s"
        print(f"{label:>10} {rate:>14} {cpu[name]:>27.0f} µs")
    bare, edge = outcomes["bare"], outcomes["edge"]
    ratio = edge.best / bare.best if bare.best else float("nan")
    note = "" if bare.limited else "  (bare never fell behind: its own limit lies above the rates tried)"
    print(f"ratio edge / bare (rates): {ratio:.2f}  (aim: >= 0.80){note}")
    print(f"ratio edge / bare (CPU per message, bare/edge): {cpu['bare'] / cpu['edge']:.2f}", flush=True)


def profile_edge(edge: Worker, pub: Worker, rate: int, seconds: float, workdir: str) -> None:
    """Sample every thread of the edge process with py-spy while it takes ``rate``; print where time goes."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not os.access(spy, os.X_OK):
        print("\n--profile needs py-spy (pip install py-spy)")
        return
    raw = Path(workdir) / "edge.stacks"
    # --gil: only samples holding the GIL, i.e. Python work, not threads waiting in select/epoll.
    cmd = [
        spy,
        "record",
        "-p",
        str(edge.proc.pid),
        "-d",
        str(int(seconds) + 1),
        "-r",
        "200",
        "--threads",
        "--gil",
        "--nonblocking",
        "-f",
        "raw",
        "-o",
        str(raw),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.5)
    run_step(pub, edge, rate, seconds, 1.0)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if not raw.exists():
        print(f"\npy-spy failed: {err.decode(errors='replace')[-300:]}")
        return
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        total += n
        own[_short(frames[-1])] += n
        for frame in {_short(f) for f in frames}:
            inclusive[frame] += n
    print(
        f"\nwhere the edge process's Python time goes at {rate}/s ({total} py-spy samples holding the GIL, "
        "inclusive):"
    )
    for name, n in inclusive.most_common():
        if name.startswith("thread") or name.split(" ")[0] in WATCH:
            print(f"  {100 * n / total:5.1f}%  {name}")
    print("top functions by own time:")
    for name, n in own.most_common(15):
        print(f"  {100 * n / total:5.1f}%  {name}")


WATCH = {
    "Client.loop_read",
    "Client.loop_write",
    "Client._handle_publish",
    "Client._send_puback",
    "MqttIngest._paho_on_message",
    "EdgeService._consume",
    "IngestPipeline.handle",
    "ImpinjDecoder.decode",
    "PresenceEngine.observe",
    "IngestPipeline.tick",
    "BaseEventLoop._run_once",
    "JSONDecoder.decode",
}


def _short(frame: str) -> str:
    """'Fn (path/to/file.py:123)' -> 'Fn (file path)': group a function's lines together."""
    if frame.startswith("thread ("):
        return "thread " + frame.partition(": ")[2]
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rpartition(":")[0] or where.rstrip(")")
    path = path.replace(str(ROOT) + "/", "").replace(".venv/lib/python3.11/site-packages/", "")
    return f"{name} ({path})" if where else name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", type=int, default=2000, help="first rate, messages/s (2000)")
    parser.add_argument("--factor", type=float, default=1.2, help="rate growth per step (1.2)")
    parser.add_argument("--top", type=int, default=60000, help="highest rate to try (60000)")
    parser.add_argument("--seconds", type=float, default=3.0, help="publishing time per step (3)")
    parser.add_argument("--grace", type=float, default=1.0, help="allowed lag after the last publish (1)")
    parser.add_argument("--budget", type=float, default=300.0, help="stop after this many seconds (300)")
    parser.add_argument("--attempts", type=int, default=3, help="tries per rate before giving up (3)")
    parser.add_argument("--lanes", type=int, default=4, help="parallel mosquitto_pub clients (4)")
    parser.add_argument("--profile", action="store_true", help="then sample the edge with py-spy")
    args = parser.parse_args(argv)

    started = time.monotonic()
    mp.set_start_method("spawn")
    with tempfile.TemporaryDirectory(prefix="fitroom-bench-") as tmp:
        broker = Mosquitto(Path(tmp))
        broker.start()
        workers: list[Worker] = []
        try:
            pub = Worker("publisher", publisher_main, broker.port, args.lanes)
            workers.append(pub)
            consumers = {
                "bare": Worker("bare", bare_main, broker.port),
                "edge": Worker("edge", edge_main, broker.port, tmp),
            }
            workers += consumers.values()
            print(
                f"broker 127.0.0.1:{broker.port}; {args.seconds:g} s per step, grace {args.grace:g} s; "
                f"Impinj tagInventory at QoS 1, {TAGS} tags on 4 antennas; "
                f"publisher: {args.lanes} x mosquitto_pub; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            outcomes = ladder(pub, consumers, args, started)
            summarise(outcomes, args.grace)
            if args.profile:
                rate = max(outcomes["edge"].best, args.start)
                profile_edge(consumers["edge"], pub, rate, 2 * args.seconds, tmp)
        finally:
            for worker in reversed(workers):
                worker.stop()
            broker.stop()
    print(f"bench took {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
