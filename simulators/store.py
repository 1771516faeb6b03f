"""The simulated store: garments, people, readers and BLE nodes, advanced in discrete steps.

Pure and deterministic: time is ``Store.now`` (starting at ``SimConfig.start``), every random draw comes
from generators seeded from ``SimConfig.seed``, and ``step()`` returns the messages received in the
step, in receive order. Actors (shoppers, associates, fault and junk generators) are called once per
step before the devices run; a test or script may instead move things directly with the methods below.

Ground truth is recorded as things move (``Store.truth``).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from edge.epc import encode_sgtin96
from edge.layout import Layout, ReaderFormat
from simulators.ble import BleNodeDevice, Phone
from simulators.messages import Message
from simulators.physics import (
    BleParams,
    Corridor,
    Place,
    PlaceKind,
    RadioParams,
    Sight,
    TagRadio,
    drift_body_factor,
    rfid_sight,
)
from simulators.readers import ReaderSettings, RfidReader
from simulators.truth import GroundTruth

__all__ = ["Actor", "Garment", "Person", "SimConfig", "Store", "derive_rng"]

DEFAULT_START = 1_795_000_000.0


@dataclass(frozen=True, slots=True)
class SimConfig:
    seed: int = 0
    start: float = DEFAULT_START
    step_s: float = 0.25
    readers: ReaderSettings = field(default_factory=ReaderSettings)
    radio: RadioParams = field(default_factory=RadioParams)
    ble: BleParams = field(default_factory=BleParams)
    walk_speed: float = 0.8  # room widths per second (a person's own ``speed`` overrides it)
    # False: rooms stand along the corridor in layout order. True: in an order drawn from the seed, so
    # the layout's listing says nothing about which rooms are neighbours (as in real stores).
    shuffle_floor: bool = False
    legacy_impinj_share: float = 0.25  # Impinj readers on older firmware (no ``eventType``)
    espresense_v3_share: float = 0.3
    ibeacon_major: int = 100


def derive_rng(seed: int, *names: str) -> random.Random:
    """A generator of its own for one component, stable across runs and Python versions."""
    key = "/".join([str(seed), *names]).encode()
    return random.Random(zlib.crc32(key) * 1_000_003 + seed)


class Actor(Protocol):
    def act(self, store: Store, t0: float, t1: float) -> None: ...


@dataclass(slots=True)
class Garment:
    epc: str
    gtin: str | None
    place: Place
    radio: TagRadio
    carrier: str | None = None


@dataclass(slots=True)
class _Walk:
    x0: float
    x1: float
    t0: float
    dest: Place


@dataclass(slots=True)
class Person:
    id: str
    place: Place
    phone: Phone | None = None
    carrying: list[str] = field(default_factory=list)
    walk: _Walk | None = None
    speed: float | None = None  # room widths per second; None: the store's ``walk_speed``

    @property
    def walking(self) -> bool:
        return self.walk is not None


class Store:
    def __init__(self, layout: Layout, config: SimConfig | None = None) -> None:
        self.layout = layout
        self.config = config or SimConfig()
        cfg = self.config
        self.now = cfg.start
        floor = [r.id for r in layout.fitting_rooms]
        if cfg.shuffle_floor:
            derive_rng(cfg.seed, "floor").shuffle(floor)
        self.corridor = Corridor(floor)
        covered = {room for r in layout.readers for room in r.antenna_rooms().values()}
        self.truth = GroundTruth(covered_rooms=covered)
        self.rng = derive_rng(cfg.seed, "store")
        self._radio_rng = derive_rng(cfg.seed, "radio")
        self._body_rng = derive_rng(cfg.seed, "bodies")
        self._body: dict[str, float] = {}  # occupied room -> how much of the signal its people let through
        self.readers: dict[str, RfidReader] = {}
        for spec in layout.readers:
            rng = derive_rng(cfg.seed, "reader", spec.id)
            legacy = spec.format is ReaderFormat.IMPINJ_IOT and rng.random() < cfg.legacy_impinj_share
            offset = rng.choice([0, 60, 120, 180, -300]) if spec.format is ReaderFormat.ZEBRA_IOTC else 0
            self.readers[spec.id] = RfidReader(
                spec, cfg.readers, rng, legacy_envelope=legacy, utc_offset_minutes=offset
            )
        self.nodes: dict[str, BleNodeDevice] = {}
        for node in layout.ble_nodes:
            rng = derive_rng(cfg.seed, "ble", node.id)
            firmware = 3 if rng.random() < cfg.espresense_v3_share else 4
            self.nodes[node.id] = BleNodeDevice(node, self.corridor, cfg.ble, rng, firmware=firmware)
        self.garments: dict[str, Garment] = {}
        self._in_view: dict[str, Garment] = {}  # garments somewhere an antenna might reach
        self.people: dict[str, Person] = {}
        self.actors: list[Actor] = []
        self._pending: list[Message] = []
        self._serials: dict[str, int] = {}
        self._sight_cache: dict[str, list[tuple[str, Sight]]] = {}
        self._ended = False

    # --- garments -------------------------------------------------------------------------------

    def new_garment(self, gtin: str | None = None, *, epc: str | None = None) -> str:
        """A garment off the shelf (not yet anywhere an antenna reaches); returns its EPC (upper hex)."""
        if epc is None:
            if gtin is None:
                raise ValueError("give a GTIN or an EPC")
            serial = self._serials.get(gtin)
            if serial is None:
                serial = derive_rng(self.config.seed, "serial", gtin).randrange(10_000, 1_000_000)
            while True:
                serial += 1
                epc = encode_sgtin96(gtin, serial)
                if epc not in self.garments:
                    break
            self._serials[gtin] = serial
        epc = epc.upper()
        if epc in self.garments:
            return epc
        radio = TagRadio()
        radio.reorient(self._radio_rng, self.config.radio)
        self.garments[epc] = Garment(epc, gtin, Place.away(), radio)
        self.truth.item_created(epc, gtin, self.now)
        return epc

    def room_of_kind(self, kind: str) -> Place:
        """Inside the layout's first room of ``kind`` (e.g. ``sales_floor``), or away when it has none."""
        room = next((r for r in self.layout.rooms if r.kind.value == kind), None)
        return Place.in_room(room.id) if room is not None else Place.away()

    def garment(self, epc: str) -> Garment:
        """The garment with this EPC; ``ValueError`` if the store has never seen it."""
        found = self.garments.get(epc.upper())
        if found is None:
            raise ValueError(f"no garment with EPC {epc!r} in the simulated store")
        return found

    def put(self, epcs: Iterable[str], place: Place) -> None:
        """Put garments down somewhere (out of anyone's hands); each is moved, so it reorients."""
        for epc in epcs:
            g = self.garment(epc)
            if g.carrier is not None:
                carrier = self.people.get(g.carrier)
                if carrier is not None and g.epc in carrier.carrying:
                    carrier.carrying.remove(g.epc)
                g.carrier = None
            self.wear(g.epc, False)
            self._move_garment(g, place)

    def handle(self, epc: str) -> None:
        """Someone moves the garment on its hook: a new orientation, a new read probability."""
        self._reorient(self.garment(epc))

    def wear(self, epc: str, worn: bool) -> None:
        g = self.garment(epc)
        if g.radio.worn == worn:
            return
        g.radio.worn = worn
        self._reorient(g)
        room = g.place.room if g.place.kind is PlaceKind.ROOM else None
        self.truth.worn(g.epc, room, worn, self.now)

    def _move_garment(self, g: Garment, place: Place) -> None:
        moved = place.kind is not g.place.kind or place.room != g.place.room
        g.place = place
        if moved:
            self._reorient(g)
        if place.kind is PlaceKind.AWAY:
            self._in_view.pop(g.epc, None)
        else:
            self._in_view[g.epc] = g
        self.truth.item_in(g.epc, place.room if place.kind is PlaceKind.ROOM else None, self.now)

    def _reorient(self, g: Garment) -> None:
        crowd = 1
        if g.place.kind is PlaceKind.ROOM:
            crowd += sum(1 for o in self._in_view.values() if o.place == g.place and o.epc != g.epc)
        g.radio.reorient(self._radio_rng, self.config.radio, crowd=crowd)

    # --- people ---------------------------------------------------------------------------------

    def add_person(
        self, person_id: str, place: Place, *, phone_minor: int | None = None, speed: float | None = None
    ) -> Person:
        """Someone arrives at ``place``; with ``phone_minor`` they carry the app's iBeacon; ``speed``:
        how fast they walk (room widths per second; default the store's ``walk_speed``)."""
        phone = None
        if phone_minor is not None:
            rng = derive_rng(self.config.seed, "phone", person_id)
            mac = "%02x" % (rng.randrange(256) & 0xFC | 0x02) + "".join(
                f"{rng.randrange(256):02x}" for _ in range(5)
            )
            phone = Phone(self.config.ibeacon_major, phone_minor, mac, place, moved_at=self.now)
        person = Person(person_id, place, phone, speed=speed)
        self.people[person_id] = person
        self.truth.shopper_arrived(person_id, phone.device_id if phone else None, self.now)
        self._set_person_place(person, place)
        return person

    def pick_up(self, person_id: str, epcs: Iterable[str]) -> None:
        person = self.people[person_id]
        for epc in epcs:
            g = self.garment(epc)
            self.put([g.epc], person.place)
            g.carrier = person_id
            person.carrying.append(g.epc)

    def walk_to(self, person_id: str, dest: Place) -> float:
        """Start walking (along the corridor where needed); returns the arrival time."""
        person = self.people[person_id]
        x0 = self.corridor.x_of(person.place)
        x1 = self.corridor.x_of(dest)
        person.walk = _Walk(x0, x1, self.now, dest)
        if abs(x1 - x0) > 1e-9:
            self._set_person_place(person, Place.corridor(x0))
        return self.now + abs(x1 - x0) / self._speed(person)

    def _speed(self, person: Person) -> float:
        return self.config.walk_speed if person.speed is None else person.speed

    def leave_store(self, person_id: str) -> None:
        """The person walks out; whatever they carry leaves with them (bought)."""
        person = self.people.pop(person_id)
        for epc in person.carrying:
            g = self.garments[epc]
            g.carrier = None
            self._move_garment(g, Place.away())
        self.truth.shopper_left(person_id, self.now)

    def _set_person_place(self, person: Person, place: Place) -> None:
        moved_room = place.kind is not person.place.kind or place.room != person.place.room
        person.place = place
        if person.phone is not None:
            person.phone.place = place
            person.phone.moved_at = self.now
        for epc in person.carrying:
            self._move_garment(self.garments[epc], place)
        if moved_room or place.kind is PlaceKind.ROOM:
            room = place.room if place.kind is PlaceKind.ROOM else None
            self.truth.shopper_in(person.id, room, self.now)

    def _advance_walks(self, t: float) -> None:
        for person in self.people.values():
            w = person.walk
            if w is None:
                continue
            span = abs(w.x1 - w.x0)
            speed = self._speed(person)
            done = span <= 1e-9 or (t - w.t0) * speed >= span
            if done:
                person.walk = None
                self._set_person_place(person, w.dest)
            else:
                direction = 1.0 if w.x1 > w.x0 else -1.0
                x = w.x0 + direction * (t - w.t0) * speed
                self._set_person_place(person, Place.corridor(x))

    # --- faults ---------------------------------------------------------------------------------

    def emit(self, message: Message) -> None:
        """Queue a message for receipt at ``message.t`` (actors use this for junk)."""
        self._pending.append(message)

    def antenna_down(self, reader_id: str, port: int) -> None:
        msg = self.readers[reader_id].antenna_event(port, False, self.now)
        if msg is not None:
            self.emit(msg)

    def antenna_up(self, reader_id: str, port: int) -> None:
        msg = self.readers[reader_id].antenna_event(port, True, self.now)
        if msg is not None:
            self.emit(msg)

    def reader_down(self, reader_id: str, will_delay_s: float) -> float:
        """The reader drops off the network; the broker publishes its last will after the keep-alive
        lapses. Returns when the will is received."""
        reader = self.readers[reader_id]
        reader.go_offline()
        will_at = self.now + will_delay_s
        self.emit(reader.status_message(will_at, online=False))
        return will_at

    def reader_up(self, reader_id: str) -> None:
        self.emit(self.readers[reader_id].go_online(self.now + 0.05))

    def node_down(self, node_id: str, will_delay_s: float) -> float:
        """A BLE node loses power or Wi-Fi; its last will follows after the keep-alive. Returns when."""
        node = self.nodes[node_id]
        node.go_offline()
        will_at = self.now + will_delay_s
        self.emit(node.status_message(will_at, online=False))
        return will_at

    def node_up(self, node_id: str) -> None:
        node = self.nodes[node_id]
        node.online = True
        self.emit(node.status_message(self.now + 0.05, online=True))

    # --- time -----------------------------------------------------------------------------------

    def opening_messages(self) -> list[Message]:
        """What the devices publish when they connect: readers and ESPresense nodes say ``online``."""
        out = [r.status_message(self.now, online=True) for r in self.readers.values()]
        out.extend(node.status_message(self.now, online=True) for node in self.nodes.values())
        return [
            Message(self.now + i * 0.001, m.topic, m.payload, m.device, m.qos, m.retain)
            for i, m in enumerate(out)
        ]

    def step(self) -> list[Message]:
        """Advance one step; returns the messages received in it, in receive order."""
        t0 = self.now
        t1 = t0 + self.config.step_s
        for actor in list(self.actors):
            actor.act(self, t0, t1)
        self._advance_walks(t0)
        self._drift_bodies()
        self._sight_cache.clear()
        for reader in self.readers.values():
            self._pending.extend(reader.inventory(t0, t1, self._sight))
        phones = [p.phone for p in self.people.values() if p.phone is not None]
        if phones:
            for node in self.nodes.values():
                self._pending.extend(node.listen(t0, t1, phones))
        self._pending.sort(key=lambda m: m.t)
        cut = next((i for i, m in enumerate(self._pending) if m.t >= t1), len(self._pending))
        due, self._pending = self._pending[:cut], self._pending[cut:]
        self.now = t1
        return due

    def _drift_bodies(self) -> None:
        occupied = {p.place.room for p in self.people.values() if p.place.kind is PlaceKind.ROOM}
        self._body = {
            room: drift_body_factor(self._body.get(room), self._body_rng, self.config.radio)
            for room in sorted(r for r in occupied if r is not None)
        }

    def _sight(self, antenna_room: str) -> list[tuple[str, Sight]]:
        cached = self._sight_cache.get(antenna_room)
        if cached is not None:
            return cached
        seen = []
        drop = self.config.radio.body_rssi_drop_db
        for g in self._in_view.values():
            s = rfid_sight(g.radio, g.place, antenna_room, self.corridor, self._radio_rng, self.config.radio)
            if s is None or s.p <= 0:
                continue
            body = self._body.get(g.place.room or "") if g.place.kind is PlaceKind.ROOM else None
            if body is not None:
                s = Sight(s.p * body, s.rssi_dbm - drop * (1.0 - body))
            seen.append((g.epc, s))
        self._sight_cache[antenna_room] = seen
        return seen
