"""Things that go wrong in a real store, as actors of ``simulators.store.Store``.

- ``Outages``: Impinj antennas drop out (the reader announces ``antennaDisconnected`` and later
  ``antennaConnected``), and whole readers of either vendor drop off the network (the broker publishes
  the reader's last will ``offline`` once its keep-alive lapses, 2–15 s later; the reader says ``online``
  when it is back). Zebra antenna outages are left out: its data interface has no event for them, so no
  edge could tell a dead antenna from an empty room (``Store.antenna_down`` still does them on request).
- BLE nodes lose power or Wi-Fi now and then: their last will ``offline``, then ``online``.
- ``Junk``: malformed JSON, unknown topics, unknown antenna ports, wrong field types and tags that are
  not merchandise (raw ``E280…`` chip ids), each recorded in the ground truth as ``junk``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from edge.layout import ReaderFormat
from simulators.formats import ZebraTagEvent, impinj_tag_inventory, zebra_inventory
from simulators.messages import Message
from simulators.readers import RfidReader
from simulators.store import Store

__all__ = ["Junk", "Outages"]


@dataclass(slots=True)
class _Down:
    reader: str
    port: int | None  # None: the whole reader
    until: float


class Outages:
    """Random antenna, reader and BLE node outages, each recorded in the ground truth."""

    def __init__(
        self,
        store: Store,
        rng: random.Random,
        *,
        antenna_every_s: float = 600.0,
        reader_every_s: float = 1500.0,
        node_every_s: float = 3600.0,
    ) -> None:
        self.rng = rng
        self.antenna_every_s = antenna_every_s
        self.reader_every_s = reader_every_s
        self.node_every_s = node_every_s
        t = store.now
        self.next_antenna = {r: t + rng.expovariate(1 / antenna_every_s) for r in store.readers}
        self.next_reader = {r: t + rng.expovariate(1 / reader_every_s) for r in store.readers}
        self.next_node = {n: t + rng.expovariate(1 / node_every_s) for n in store.nodes}
        self.down: list[_Down] = []
        self.nodes_down: dict[str, float] = {}

    def act(self, store: Store, t0: float, t1: float) -> None:
        for d in [d for d in self.down if d.until < t1]:
            self.down.remove(d)
            if d.port is None:
                store.reader_up(d.reader)
            else:
                store.antenna_up(d.reader, d.port)
        self._nodes(store, t0, t1)
        busy = {d.reader for d in self.down}
        for reader_id, reader in store.readers.items():
            if reader_id in busy:
                continue
            if self.next_reader[reader_id] < t1:
                seconds = self.rng.uniform(20, 120)
                will_at = store.reader_down(reader_id, self.rng.uniform(2, 15))
                store.truth.reader_outage(reader_id, t0, t0 + seconds, will_at)
                self.down.append(_Down(reader_id, None, t0 + seconds))
                self.next_reader[reader_id] = t0 + seconds + self.rng.expovariate(1 / self.reader_every_s)
            elif (reader.is_impinj or reader.is_llrp) and self.next_antenna[reader_id] < t1:
                port = self.rng.choice(sorted(reader.ports))
                seconds = self.rng.uniform(15, 90)
                store.antenna_down(reader_id, port)
                store.truth.antenna_outage(
                    reader_id, port, reader.ports[port], t0, t0 + seconds, announced=True
                )
                self.down.append(_Down(reader_id, port, t0 + seconds))
                self.next_antenna[reader_id] = t0 + seconds + self.rng.expovariate(1 / self.antenna_every_s)

    def _nodes(self, store: Store, t0: float, t1: float) -> None:
        for node_id, until in list(self.nodes_down.items()):
            if until < t1:
                del self.nodes_down[node_id]
                store.node_up(node_id)
        for node_id, node in store.nodes.items():
            if node_id in self.nodes_down or self.next_node[node_id] >= t1:
                continue
            seconds = self.rng.uniform(20, 120)
            will_at = store.node_down(node_id, self.rng.uniform(2, 15))
            store.truth.node_outage(node_id, node.spec.room, t0, t0 + seconds, will_at)
            self.nodes_down[node_id] = t0 + seconds
            self.next_node[node_id] = t0 + seconds + self.rng.expovariate(1 / self.node_every_s)


_KINDS = ["malformed_json", "unknown_topic", "unknown_antenna", "non_sgtin", "wrong_type", "ble_garbage"]


class Junk:
    """About one bad or foreign message every ``every_s`` seconds."""

    def __init__(self, store: Store, rng: random.Random, *, every_s: float = 15.0) -> None:
        self.rng = rng
        self.every_s = every_s
        self.next_at = store.now + rng.expovariate(1 / every_s)

    def act(self, store: Store, t0: float, t1: float) -> None:
        while self.next_at < t1:
            t = max(t0, self.next_at) + self.rng.uniform(0.001, 0.02)
            self.next_at += self.rng.expovariate(1 / self.every_s)
            kind = self.rng.choice(_KINDS)
            for msg in self._make(store, kind, t):
                store.emit(msg)
                store.truth.junk(msg.t, msg.topic, kind)

    def _make(self, store: Store, kind: str, t: float) -> list[Message]:
        rng = self.rng
        if not store.readers and kind != "ble_garbage":
            kind = "unknown_topic"
        store_id = store.layout.store.id
        if kind == "unknown_topic":
            topic = rng.choice(
                [
                    f"stores/{store_id}/rfid/unconfigured-reader",
                    f"stores/{store_id}/rfid",
                    f"stores/{store_id}/rfid/impinj-x/extra/level",
                ]
            )
            payload = _impinj(_random_epc(rng, "30"), 1, -5500, t)
            return [Message(t, topic, payload, "junk")]
        if kind == "ble_garbage":
            node = next(iter(store.nodes.values()), None)
            if node is None:
                return [Message(t, "espresense/devices/garbage", "{", "junk", qos=0)]
            topic = f"{node.spec.root}/devices/apple:1007:11-22/{node.spec.id}"
            payload = rng.choice(['{"id":"apple:1007:11-22","rssi":"strong"}', "\x00\x01", "[1,2,3]", ""])
            return [Message(t, topic, payload, node.spec.id, qos=0)]
        # An LLRP reader's reports travel over LLRP, not the broker: no MQTT junk in its name.
        online = sorted(r for r, reader in store.readers.items() if reader.online and not reader.is_llrp)
        if not online:
            return []
        reader = store.readers[rng.choice(online)]
        topic = reader.spec.topic
        port = rng.choice(sorted(reader.ports))
        if kind == "malformed_json":
            good = _encode(reader, _random_epc(rng, "30"), port, -60.0, t)
            return [Message(t, topic, good[: rng.randrange(1, len(good) - 1)], reader.spec.id)]
        if kind == "unknown_antenna":
            port = max(reader.ports) + rng.randint(1, 4)
            # A real garment on a port nobody mapped in the layout (a spare antenna left plugged in).
            epcs = [g for g in store.garments if store.garments[g].gtin is not None]
            epc = rng.choice(epcs) if epcs else _random_epc(rng, "30")
            return [Message(t, topic, _encode(reader, epc, port, -66.0, t), reader.spec.id)]
        if kind == "non_sgtin":
            # An unencoded chip (raw TID-style EPC) in a bag, read a few times.
            epc = "E280" + "".join(f"{rng.randrange(16):X}" for _ in range(20))
            return [
                Message(ti, topic, _encode(reader, epc, port, -58.0 - i, ti), reader.spec.id)
                for i, ti in enumerate(t + 0.3 * k for k in range(rng.randint(1, 4)))
            ]
        # wrong_type: right shape, wrong JSON types.
        doc = json.loads(_encode(reader, _random_epc(rng, "30"), port, -61.0, t))
        if reader.spec.format is ReaderFormat.IMPINJ_IOT:
            doc["tagInventoryEvent"]["antennaPort"] = str(port)
            doc["tagInventoryEvent"]["peakRssiCdbm"] = "loud"
        else:
            doc["data"]["antenna"] = [port]
            doc["data"]["idHex"] = 12345
        return [Message(t, topic, json.dumps(doc, separators=(",", ":")), reader.spec.id)]


def _random_epc(rng: random.Random, header: str) -> str:
    return header + "".join(f"{rng.randrange(16):X}" for _ in range(22))


def _impinj(epc: str, port: int, cdbm: int, t: float) -> str:
    return impinj_tag_inventory(epc_hex=epc, antenna_port=port, peak_rssi_cdbm=cdbm, t=t)


def _encode(reader: RfidReader, epc: str, port: int, rssi: float, t: float) -> str:
    if reader.is_impinj:
        return _impinj(epc, port, round(rssi * 100), reader.reader_time(t))
    event = ZebraTagEvent(reader.reader_time(t), epc, port, round(rssi), 1, 0)
    return zebra_inventory([event], reader.utc_offset_minutes, batched=False)
