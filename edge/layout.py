"""The store layout file (docs/formats.md §7): rooms, readers and their antennas, BLE nodes.

The keys are a contract shared with other tools. Loading validates everything up front: an unknown key,
a duplicate id or an antenna pointing at a room that does not exist raises ``LayoutError`` whose message
names the key at fault, so the edge exits before it starts.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from edge.lighting import Light, Lighting
from edge.presence.params import PresenceParams

__all__ = [
    "LLRP_CHANNEL",
    "LLRP_PORT",
    "BleFormat",
    "BleNode",
    "Layout",
    "LayoutError",
    "Reader",
    "ReaderFormat",
    "Room",
    "RoomKind",
    "Store",
    "load_layout",
    "parse_layout",
]

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]


class LayoutError(ValueError):
    """The layout file is unusable; the message names each key at fault."""


class RoomKind(StrEnum):
    FITTING_ROOM = "fitting_room"
    SALES_FLOOR = "sales_floor"
    ENTRANCE = "entrance"
    CHECKOUT = "checkout"
    STOCKROOM = "stockroom"


class ReaderFormat(StrEnum):
    IMPINJ_IOT = "impinj_iot"
    ZEBRA_IOTC = "zebra_iotc"
    LLRP = "llrp"  # driven by the edge itself over LLRP (TCP), publishes nothing to MQTT


class BleFormat(StrEnum):
    ESPRESENSE = "espresense"
    OPENMQTTGATEWAY = "openmqttgateway"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Store(_Strict):
    id: Id = Field(description="Store id, as used in topics and at the central store")
    name: str = Field(description="Human name of the store")
    timezone: str = Field(
        default="UTC", description="IANA time zone of the store (its hours in the manager's figures)"
    )
    request_target_s: float = Field(
        default=120.0,
        gt=0,
        description="Seconds within which a size request or help call should be claimed (figures, console)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as 'Europe/Madrid')") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Room(_Strict):
    id: Id = Field(description="Stable room id used in URLs, topics and the API")
    name: str = Field(description="Name shown to people")
    kind: RoomKind = Field(default=RoomKind.FITTING_ROOM, description="What the room is for")
    light: Light | None = Field(default=None, description="The fitting room's light (edge/lighting.py)")
    neighbours: list[Id] = Field(
        default_factory=list,
        description="Rooms that share a wall or partition with this one (optional, either side may say it): "
        "a hint that seeds which rooms presence expects to read each other's garments, until the store's "
        "own traffic says",
    )


LLRP_PORT = 5084
NAMED_ANTENNA_BASE = 65  # ports are 1..64; an antenna the layout names is numbered from here
# An LLRP reader's reads enter the pipeline on this internal channel (never subscribed on the broker), so
# traces, replay and dead letters treat them like any reader's messages (edge/decoders/llrp.py).
LLRP_CHANNEL = "llrp/{id}"


class Reader(_Strict):
    id: Id = Field(description="Reader id")
    format: ReaderFormat = Field(description="impinj_iot | zebra_iotc | llrp")
    topic: str = Field(
        min_length=1,
        description="MQTT topic the reader publishes its events to (llrp readers: none, set internally)",
    )
    antennas: dict[str, str] = Field(
        description="Antenna port (as a string) -> room id; impinj_iot readers may name antennas instead "
        '(their antennaName, e.g. "Dressing A"), for readers reporting names rather than ports'
    )
    will_topic: str | None = Field(
        default=None,
        description="Topic of the reader's MQTT last will; defaults to '<topic>/status'",
    )
    will_message: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="The reader's last-will message if the store changed it (Impinj: 'connection lost')",
    )
    connect_message: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="The reader's connect message when the store changed it (Impinj default 'connected')",
    )

    ble_room: str | None = Field(
        default=None,
        description="zebra_iotc readers that also scan BLE (FXR90 BLE_DATA): the room their BLE reports "
        "place a phone in; default the one room the reader's antennas cover",
    )

    @property
    def status_topic(self) -> str:
        return self.will_topic or f"{self.topic}/status"

    host: str | None = Field(default=None, min_length=1, description="llrp only: the reader's address")
    port: int = Field(default=LLRP_PORT, ge=1, le=65535, description="llrp only: the reader's LLRP port")

    @model_validator(mode="before")
    @classmethod
    def _llrp_channel(cls, data: Any) -> Any:
        # LLRP readers publish nothing to MQTT: their topic is the internal channel, and MQTT-only keys
        # are refused rather than silently unused.
        if not isinstance(data, dict):
            return data
        if data.get("format") == ReaderFormat.LLRP.value:
            given = [k for k in ("topic", "will_topic", "will_message", "connect_message") if k in data]
            if given:
                raise ValueError(f"{given[0]}: an llrp reader publishes nothing to MQTT; give its host, port")
            if not data.get("host"):
                raise ValueError("host: an llrp reader needs the reader's host name or address")
            return {**data, "topic": LLRP_CHANNEL.format(id=data.get("id", ""))}
        given = [k for k in ("host", "port") if k in data]
        if given:
            raise ValueError(f"{given[0]}: only llrp readers have a host and port")
        return data

    @property
    def is_llrp(self) -> bool:
        return self.format is ReaderFormat.LLRP

    def antenna_rooms(self) -> dict[int, str]:
        """Antenna number -> room: ports as numbered, named antennas as ``named_antennas`` numbers them."""
        rooms = {int(port): room for port, room in self.antennas.items() if port.isdigit()}
        for number, room in self.named_antennas().values():
            rooms[number] = room
        return rooms

    def named_antennas(self) -> dict[str, tuple[int, str]]:
        """Antenna name -> (its number in reads, room). Named antennas are numbered from 65 (past any
        port) in layout order, so coverage and metrics key them like ports."""
        named = [(name, room) for name, room in self.antennas.items() if not name.isdigit()]
        return {name: (NAMED_ANTENNA_BASE + i, room) for i, (name, room) in enumerate(named)}


class BleNode(_Strict):
    id: Id = Field(description="ESPresense node id, or the gateway name for OpenMQTTGateway/Theengs")
    format: BleFormat = Field(description="espresense | openmqttgateway")
    room: str = Field(description="Room id the node covers")
    base_topic: str | None = Field(
        default=None,
        description="Topic root: 'espresense' for ESPresense, 'home' for OpenMQTTGateway/Theengs",
    )

    topic: str | None = Field(
        default=None,
        min_length=1,
        description="openmqttgateway only: the gateway's own topic, under which it publishes "
        "'<topic>/BTtoMQTT/<MAC>' (or Theengs' two-level '<topic>/<MAC>') and '<topic>/LWT'; "
        "default '<base_topic>/<id>'. No two gateways may share one",
    )

    @property
    def root(self) -> str:
        if self.base_topic:
            return self.base_topic.rstrip("/")
        return "espresense" if self.format is BleFormat.ESPRESENSE else "home"

    @property
    def gateway_topic(self) -> str:
        """An OpenMQTTGateway/Theengs gateway's topic: the ``topic`` key, else ``<root>/<id>``."""
        return self.topic.rstrip("/") if self.topic else f"{self.root}/{self.id}"


class Layout(_Strict):
    store: Store
    rooms: list[Room] = Field(min_length=1)
    readers: list[Reader] = Field(default_factory=list)
    ble_nodes: list[BleNode] = Field(default_factory=list)
    presence: PresenceParams = Field(default_factory=PresenceParams)
    lighting: Lighting = Field(default_factory=Lighting)

    @model_validator(mode="after")
    def _check_references(self) -> Layout:
        problems: list[str] = []
        _duplicates(problems, "rooms", [r.id for r in self.rooms])
        _duplicates(problems, "readers", [r.id for r in self.readers])
        _duplicates(problems, "ble_nodes", [n.id for n in self.ble_nodes])
        room_ids = {r.id for r in self.rooms}
        _check_lights(problems, self)
        for i, here in enumerate(self.rooms):
            for other in here.neighbours:
                if other not in room_ids or other == here.id:
                    problems.append(f"rooms[{i}].neighbours: {other!r} is not another room of the layout")
        topics: dict[str, str] = {}
        addresses: dict[str, str] = {}
        for i, reader in enumerate(self.readers):
            if reader.topic in topics:
                problems.append(
                    f"readers[{i}].topic: {reader.topic!r} is also reader {topics[reader.topic]!r}'s topic"
                )
            topics[reader.topic] = reader.id
            if reader.is_llrp:  # a reader serves one LLRP client: two entries would fight over it
                address = f"{reader.host}:{reader.port}"
                if address in addresses:
                    problems.append(f"readers[{i}].host: {address} is also reader {addresses[address]!r}'s")
                addresses[address] = reader.id
            if any(ch in reader.topic for ch in "+#"):
                problems.append(f"readers[{i}].topic: wildcards are not allowed in a reader's topic")
            if not reader.antennas:
                problems.append(f"readers[{i}].antennas: a reader needs at least one antenna")
            for port, room in reader.antennas.items():
                if not port.isdigit():
                    if reader.format is not ReaderFormat.IMPINJ_IOT or not port.strip() or len(port) > 64:
                        problems.append(
                            f"readers[{i}].antennas.{port}: antenna port must be 1..64 (only impinj_iot "
                            "readers may name an antenna, by its antennaName)"
                        )
                elif not 1 <= int(port) <= 64:
                    problems.append(f"readers[{i}].antennas.{port}: antenna port must be 1..64")
                if room not in room_ids:
                    problems.append(f"readers[{i}].antennas.{port}: room {room!r} does not exist")
            if reader.ble_room is not None and reader.ble_room not in room_ids:
                problems.append(f"readers[{i}].ble_room: room {reader.ble_room!r} does not exist")
        gateways: dict[str, str] = {}
        for i, node in enumerate(self.ble_nodes):
            if node.room not in room_ids:
                problems.append(f"ble_nodes[{i}].room: room {node.room!r} does not exist")
            if node.format is BleFormat.ESPRESENSE:
                if node.topic is not None:
                    problems.append(f"ble_nodes[{i}].topic: only openmqttgateway nodes have a topic")
                continue
            gw = node.gateway_topic
            if any(ch in gw for ch in "+#") or not all(gw.split("/")):
                problems.append(f"ble_nodes[{i}].topic: {gw!r} is not a topic without wildcards")
            elif gw in gateways:
                problems.append(
                    f"ble_nodes[{i}].topic: {gw!r} is also gateway {gateways[gw]!r}'s topic; "
                    "give each gateway its own topic"
                )
            gateways[gw] = node.id
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def room(self, room_id: str) -> Room | None:
        return next((r for r in self.rooms if r.id == room_id), None)

    @property
    def walls(self) -> frozenset[tuple[str, str]]:
        """(room, room) for each room and each of the rooms its ``neighbours`` hint names."""
        return frozenset((r.id, other) for r in self.rooms for other in r.neighbours)

    @property
    def fitting_rooms(self) -> list[Room]:
        return [r for r in self.rooms if r.kind is RoomKind.FITTING_ROOM]


def _check_lights(problems: list[str], layout: Layout) -> None:
    reader_topics = {r.topic for r in layout.readers}
    seen: dict[str, str] = {}
    for i, room in enumerate(layout.rooms):
        if room.light is None:
            continue
        if room.kind is not RoomKind.FITTING_ROOM:
            problems.append(f"rooms[{i}].light: only a fitting room has a light")
        topic = room.light.command_topic
        if topic in seen or topic in reader_topics:
            problems.append(
                f"rooms[{i}].light.topic: {topic!r} is already used by {seen.get(topic, 'a reader')!r}"
            )
        seen[topic] = room.id


def _duplicates(problems: list[str], key: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            problems.append(f"{key}[{i}].id: duplicate id {ident!r}")
        seen.add(ident)


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        path = _dotted(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        lines.append(f"{path}: {msg}" if path and not msg.startswith(path) else msg)
    return "\n".join(lines)


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_layout(data: dict[str, Any], *, source: str = "layout") -> Layout:
    """Validate an already-parsed TOML document."""
    try:
        return Layout.model_validate(data)
    except ValidationError as exc:
        raise LayoutError(f"{source}: invalid store layout\n{_format_errors(exc)}") from None


def load_layout(path: str | Path) -> Layout:
    """Read and validate a layout TOML file; raises ``LayoutError`` naming the key at fault."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise LayoutError(f"{p}: cannot read store layout: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LayoutError(f"{p}: not valid TOML: {exc}") from None
    return parse_layout(data, source=str(p))
