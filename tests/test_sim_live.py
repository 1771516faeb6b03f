"""The simulator on a real Mosquitto: scripted shoppers, last wills from real dropped connections, the CLI."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge.decoders import DecodeError, TopicRouter
from edge.layout import Layout, load_layout
from edge.reads import BleSighting, Observation, TagRead
from simulators.script import ScriptedStore
from simulators.trace import read_trace, truth_path_for
from simulators.truth import read_truth
from tests.broker import Mosquitto

pytestmark = pytest.mark.broker

LAYOUTS = Path(__file__).resolve().parent.parent / "deploy" / "layouts"


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool


class Observer:
    """A plain subscriber to everything on the broker."""

    def __init__(self, broker: Mosquitto, name: str) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name)
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *_args: subscribed.set()
        # Subscribing on every connect also covers a broker restart.
        self.client.on_connect = lambda c, *_args: c.subscribe("#", qos=1)
        self.client.reconnect_delay_set(1, 2)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert subscribed.wait(10)

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Received(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain)))

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.messages)

    def wait_for(self, cond: Callable[[list[Received]], bool], timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond(self.snapshot()):
                return True
            time.sleep(0.05)
        return cond(self.snapshot())

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def observer(mosquitto: Mosquitto, request: pytest.FixtureRequest) -> Iterator[Observer]:
    obs = Observer(mosquitto, f"observer-{request.node.name[:40]}")
    yield obs
    obs.close()


@pytest.fixture(scope="module")
def demo() -> Layout:
    return load_layout(LAYOUTS / "demo.toml")


def _decoded(layout: Layout, received: list[Received]) -> list[Observation]:
    router = TopicRouter(layout)
    out: list[Observation] = []
    for r in received:
        try:
            out.extend(router.route(r.topic).decode(r.payload).observations)
        except DecodeError:
            continue
    return out


def test_a_shopper_walks_into_fr2_with_two_items(
    mosquitto: Mosquitto, observer: Observer, demo: Layout
) -> None:
    with ScriptedStore(demo, mosquitto.url, seed=3, speed=2.0) as store:
        shopper = store.walk_in("fr-2", ["05061234100015", "80614141123458"], shopper=42)
        assert len(shopper.epcs) == 2 and shopper.device_id is not None
        assert shopper.arrived.wait(30)

        def both_read_in_fr2(received: list[Received]) -> bool:
            decoded = _decoded(demo, received)
            reads = {o.epc for o in decoded if isinstance(o, TagRead) and o.room_id == "fr-2"}
            return set(shopper.epcs) <= reads

        assert observer.wait_for(both_read_in_fr2, 60)
        assert observer.wait_for(
            lambda rec: any(
                isinstance(o, BleSighting) and o.node_id == "fr-2" and o.device_id == shopper.device_id
                for o in _decoded(demo, rec)
            ),
            30,
        )
        truth = store.truth()
    stays = {(r["epc"], r["room"]) for r in truth if r["kind"] == "item_stay"}
    assert stays == {(e, "fr-2") for e in shopper.epcs}


def test_a_dropped_reader_gets_its_last_will_from_the_broker(
    mosquitto: Mosquitto, observer: Observer, demo: Layout
) -> None:
    reader = next(r for r in demo.readers if r.id == "impinj-a")
    with ScriptedStore(demo, mosquitto.url, seed=4, speed=1.0) as store:
        store.place(["05061234100015"], "fr-1")
        assert observer.wait_for(lambda rec: any(r.topic == reader.topic for r in rec), 30)
        store.reader_down("impinj-a")
        assert observer.wait_for(
            lambda rec: any(r.topic == reader.status_topic and r.payload == b"offline" for r in rec), 30
        )
        offline_at = len(observer.snapshot())
        store.reader_up("impinj-a")
        assert observer.wait_for(
            lambda rec: any(
                r.topic == reader.status_topic and r.payload == b"online" for r in rec[offline_at:]
            ),
            30,
        )
        assert observer.wait_for(lambda rec: any(r.topic == reader.topic for r in rec[offline_at:]), 30)


def test_run_command_publishes_every_device_with_its_qos_and_stops(
    mosquitto: Mosquitto, observer: Observer, tmp_path: Path
) -> None:
    layout = LAYOUTS / "bench6.toml"
    trace = tmp_path / "live.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulators.cli",
            "run",
            "--layout",
            str(layout),
            "--mqtt-url",
            mosquitto.url,
            "--seed",
            "2",
            "--shoppers",
            "4",
            "--duration",
            "240",
            "--speed",
            "40",
            "--trace",
            str(trace),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    received = observer.snapshot()
    topics = {r.topic for r in received}
    bench = load_layout(layout)
    assert {r.topic for r in bench.readers} <= topics
    qos_by_root = {(r.topic.split("/")[0], r.qos) for r in received if not r.topic.endswith("/status")}
    assert ("stores", 1) in qos_by_root and ("espresense", 0) in qos_by_root
    assert ("espresense", 1) not in qos_by_root
    lines = read_trace(trace)
    assert lines and read_truth(truth_path_for(trace))[0]["kind"] == "trace"
    online = {line["topic"] for line in lines if line["payload"] == "online"}
    assert online >= {r.status_topic for r in bench.readers}
    assert [line["t"] for line in lines] == sorted(line["t"] for line in lines)
    said_offline = {r.topic for r in received if r.payload == b"offline" and not r.retain}
    assert {r.status_topic for r in bench.readers} <= said_offline, "readers say offline when the run ends"


def test_devices_reconnect_after_a_broker_restart(own_mosquitto: Mosquitto, demo: Layout) -> None:
    observer = Observer(own_mosquitto, "observer-restart")
    reader = next(r for r in demo.readers if r.id == "impinj-a")
    try:
        with ScriptedStore(demo, own_mosquitto.url, seed=5) as store:
            store.place(["05061234100015", "05061234100022"], "fr-1")
            assert observer.wait_for(lambda rec: any(r.topic == reader.topic for r in rec), 30)
            own_mosquitto.stop()
            own_mosquitto.start()
            before = len(observer.snapshot())
            assert observer.wait_for(lambda rec: any(r.topic == reader.topic for r in rec[before:]), 60)
            assert observer.wait_for(
                lambda rec: any(
                    r.topic == reader.status_topic and r.payload == b"online" for r in rec[before:]
                ),
                30,
            )
            assert store.error is None
    finally:
        observer.close()


def test_an_associate_brings_a_size_and_later_collects_the_go_backs(
    mosquitto: Mosquitto, observer: Observer, demo: Layout
) -> None:
    with ScriptedStore(demo, mosquitto.url, seed=6, speed=4.0) as store:
        shopper = store.walk_in("fr-3", ["05061234100015"])
        assert shopper.arrived.wait(30)
        delivery = store.bring("fr-3", ["05061234100022"])
        assert delivery.arrived.wait(30) and delivery.left.wait(30)
        store.walk_out(shopper, leave=shopper.epcs)
        assert shopper.left.wait(30)
        pickup = store.collect("fr-3", shopper.epcs + delivery.epcs)
        assert pickup.left.wait(30)
        truth = store.truth()
    stays = [r for r in truth if r["kind"] == "item_stay"]
    assert {(r["epc"], r["room"]) for r in stays} == {(e, "fr-3") for e in shopper.epcs + delivery.epcs}
    assert all(r["exit"] < truth[0]["end"] for r in stays), "the go-backs left the room with the associate"
    brought = next(r for r in stays if r["epc"] == delivery.epcs[0])
    assert brought["enter"] > next(r for r in stays if r["epc"] == shopper.epcs[0])["enter"]
