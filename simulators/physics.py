"""The radio physics of a fitting-room corridor: where things are, and how likely an antenna reads a tag.

Pure and seeded: every random draw comes from a ``random.Random`` the caller owns. What callers may rely on:

- Fitting rooms stand along one corridor in layout order, one room width apart; the corridor's mouth
  (towards the sales floor and the entrance) is at x = -1. Neighbours are the adjacent rooms.
- A tag has an orientation-dependent read probability per inventory round, drawn anywhere from
  ``p_min`` to ``p_max`` and redrawn whenever the garment is moved or handled; garments bunched on the
  same hooks sometimes shadow each other, down to about ``0.6 * p_min``.
- A worn garment is nearly silent (its probability times ``worn_factor``) and weaker.
- A neighbouring room's antenna reads a tag with a fraction of the own-room probability, at an RSSI
  ``cross_attenuation_db`` lower. Rooms further away do not by default; with ``far_factor_max`` > 0 every
  other room's antenna reads it now and then (reflections off mirrors and rails), weaker still.
- Body shielding is not directional by default (a worn garment is as quiet to the neighbours as to its
  own antenna); with ``worn_cross_factor`` set, the neighbour on one side (behind the partition, drawn per
  try-on) keeps that share of its usual cross-read probability while the own antenna hears almost nothing.
- The corridor's physical order of rooms is the layout's, unless the store is told otherwise
  (``Corridor(order)``; ``SimConfig.shuffle_floor``).
- A garment carried along the corridor is read by the antenna of each room it passes, briefly.
- People in a room absorb: while it is occupied, its garments read less often and weaker, by a factor
  that drifts as they move (``body_factor``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "BleParams",
    "Corridor",
    "Place",
    "PlaceKind",
    "RadioParams",
    "Sight",
    "TagRadio",
    "ble_distance_m",
    "drift_body_factor",
    "rfid_sight",
]


class PlaceKind(StrEnum):
    ROOM = "room"  # inside a layout room (fitting room, entrance, sales floor, ...)
    CORRIDOR = "corridor"  # walking along the fitting-room corridor, in no room
    AWAY = "away"  # on the shelves or out of the store: no antenna and no node reaches it


@dataclass(frozen=True, slots=True)
class Place:
    kind: PlaceKind
    room: str | None = None
    x: float = 0.0

    @staticmethod
    def in_room(room_id: str) -> Place:
        return Place(PlaceKind.ROOM, room_id)

    @staticmethod
    def corridor(x: float) -> Place:
        return Place(PlaceKind.CORRIDOR, None, x)

    @staticmethod
    def away() -> Place:
        return Place(PlaceKind.AWAY)


class Corridor:
    """Fitting rooms in the given (physical) order along one corridor; the mouth is at x = -1."""

    MOUTH = -1.0

    def __init__(self, fitting_rooms: list[str]) -> None:
        """``fitting_rooms`` in their physical order along the corridor, from its mouth."""
        self.rooms = list(fitting_rooms)
        self._index = {room: i for i, room in enumerate(self.rooms)}

    def position(self, room: str) -> float | None:
        """The room's door position on the corridor, or None for rooms off the corridor."""
        i = self._index.get(room)
        return None if i is None else float(i)

    def neighbours(self, room: str) -> list[str]:
        i = self._index.get(room)
        if i is None:
            return []
        return [self.rooms[j] for j in (i - 1, i + 1) if 0 <= j < len(self.rooms)]

    def are_neighbours(self, a: str, b: str) -> bool:
        ia, ib = self._index.get(a), self._index.get(b)
        return ia is not None and ib is not None and abs(ia - ib) == 1

    def x_of(self, place: Place) -> float:
        """Where a place is along the corridor (rooms off the corridor sit at its mouth)."""
        if place.kind is PlaceKind.CORRIDOR:
            return place.x
        if place.kind is PlaceKind.ROOM and place.room is not None:
            pos = self.position(place.room)
            return self.MOUTH if pos is None else pos
        return self.MOUTH


@dataclass(frozen=True, slots=True)
class RadioParams:
    p_min: float = 0.05
    p_max: float = 0.9
    own_rssi_dbm: float = -52.0
    orientation_rssi_sd_db: float = 4.0
    read_rssi_sd_db: float = 1.5
    worn_factor: float = 0.015
    worn_rssi_drop_db: float = 12.0
    cross_factor_min: float = 0.03
    cross_factor_max: float = 0.3
    cross_attenuation_min_db: float = 9.0
    cross_attenuation_max_db: float = 18.0
    corridor_reach: float = 0.7  # room widths either side of a door an antenna still sees into the corridor
    corridor_factor: float = 0.6
    corridor_rssi_dbm: float = -61.0
    # Bunching: each further garment on the same hooks may shadow this one.
    # Reflections: every room beyond the neighbours reads a tag with a fraction of its own-room
    # probability drawn from [far_factor_min, far_factor_max] per orientation, this many dB weaker.
    # 0 (the default) keeps the simple corridor where rooms two doors away never read a tag.
    far_factor_min: float = 0.0
    far_factor_max: float = 0.0
    far_attenuation_min_db: float = 20.0
    far_attenuation_max_db: float = 28.0
    # Directional body shielding: None (default) = a worn garment is quiet to every antenna; a number =
    # the neighbour behind the partition keeps this share of its cross-read probability when worn.
    worn_cross_factor: float | None = None
    shadow_chance_per_garment: float = 0.06
    shadow_chance_max: float = 0.5
    shadow_factor_min: float = 0.2
    shadow_factor_max: float = 0.6
    # People in a room absorb UHF: while a room is occupied its tags read less, and it varies as they move.
    body_factor_mean: float = 0.8
    body_factor_sd: float = 0.06
    body_factor_min: float = 0.35
    body_rssi_drop_db: float = 6.0


@dataclass(frozen=True, slots=True)
class Sight:
    """How an antenna sees a tag this round: read probability and mean RSSI (dBm)."""

    p: float
    rssi_dbm: float


@dataclass(slots=True)
class TagRadio:
    """A tag's current orientation-dependent radio state; ``reorient`` when the garment is moved."""

    p_own: float = 0.5
    rssi_offset_db: float = 0.0
    cross: dict[str, tuple[float, float]] = field(default_factory=dict)
    worn: bool = False
    behind: str | None = None  # the neighbour room whose antenna a worn garment is not shielded from

    def reorient(self, rng: random.Random, params: RadioParams, *, crowd: int = 1) -> None:
        """Draw a new orientation; ``crowd`` garments hanging together (this one included) may shadow it."""
        # A symmetric beta spreads orientations over the whole range, not just around the middle.
        self.p_own = params.p_min + (params.p_max - params.p_min) * rng.betavariate(0.9, 0.9)
        shadow_chance = min(params.shadow_chance_max, params.shadow_chance_per_garment * (crowd - 1))
        if rng.random() < shadow_chance:
            shadowed = self.p_own * rng.uniform(params.shadow_factor_min, params.shadow_factor_max)
            self.p_own = max(params.p_min * 0.6, shadowed)
        self.rssi_offset_db = rng.gauss(0.0, params.orientation_rssi_sd_db)
        self.cross.clear()
        self.behind = None

    def cross_for(self, antenna_room: str, rng: random.Random, params: RadioParams) -> tuple[float, float]:
        """(probability factor, attenuation dB) toward a neighbour room's antenna; fixed per orientation."""
        found = self.cross.get(antenna_room)
        if found is None:
            found = (
                rng.uniform(params.cross_factor_min, params.cross_factor_max),
                rng.uniform(params.cross_attenuation_min_db, params.cross_attenuation_max_db),
            )
            self.cross[antenna_room] = found
        return found

    def far_for(self, antenna_room: str, rng: random.Random, params: RadioParams) -> tuple[float, float]:
        """(probability factor, attenuation dB) toward a room beyond the neighbours (a reflection)."""
        found = self.cross.get(antenna_room)
        if found is None:
            found = (
                rng.uniform(params.far_factor_min, params.far_factor_max),
                rng.uniform(params.far_attenuation_min_db, params.far_attenuation_max_db),
            )
            self.cross[antenna_room] = found
        return found

    def worn_toward(
        self, antenna_room: str, neighbours: list[str], rng: random.Random, params: RadioParams
    ) -> float:
        """The worn factor toward a neighbour's antenna: the body shields one side only when directional."""
        if params.worn_cross_factor is None or not self.worn:
            return params.worn_factor if self.worn else 1.0
        if self.behind is None and neighbours:
            self.behind = neighbours[0] if len(neighbours) == 1 else rng.choice(sorted(neighbours))
        return params.worn_cross_factor if antenna_room == self.behind else params.worn_factor


def drift_body_factor(current: float | None, rng: random.Random, params: RadioParams) -> float:
    """The next value of an occupied room's absorption factor (mean-reverting, clipped to [min, 1])."""
    f = params.body_factor_mean if current is None else current
    f = params.body_factor_mean + 0.9 * (f - params.body_factor_mean) + rng.gauss(0.0, params.body_factor_sd)
    return min(1.0, max(params.body_factor_min, f))


def rfid_sight(
    radio: TagRadio,
    place: Place,
    antenna_room: str,
    corridor: Corridor,
    rng: random.Random,
    params: RadioParams,
) -> Sight | None:
    """How the antenna covering ``antenna_room`` sees a tag at ``place``; None when it cannot."""
    worn = params.worn_factor if radio.worn else 1.0
    drop = params.worn_rssi_drop_db if radio.worn else 0.0
    own_rssi = params.own_rssi_dbm + radio.rssi_offset_db - drop
    if place.kind is PlaceKind.ROOM:
        if place.room == antenna_room:
            return Sight(radio.p_own * worn, own_rssi)
        if place.room is not None and corridor.are_neighbours(place.room, antenna_room):
            factor, attenuation = radio.cross_for(antenna_room, rng, params)
            toward = radio.worn_toward(antenna_room, corridor.neighbours(place.room), rng, params)
            # A neighbour the body does not shield hears the garment at its unworn strength.
            rssi = own_rssi + (drop if toward > params.worn_factor else 0.0)
            return Sight(radio.p_own * toward * factor, rssi - attenuation)
        if (
            params.far_factor_max > 0
            and place.room is not None
            and corridor.position(place.room) is not None
            and corridor.position(antenna_room) is not None
        ):
            factor, attenuation = radio.far_for(antenna_room, rng, params)
            return Sight(radio.p_own * worn * factor, own_rssi - attenuation)
        return None
    if place.kind is PlaceKind.CORRIDOR:
        door = corridor.position(antenna_room)
        if door is None:
            return None
        gap = abs(place.x - door)
        if gap >= params.corridor_reach:
            return None
        closeness = 1.0 - gap / params.corridor_reach
        rssi = params.corridor_rssi_dbm + radio.rssi_offset_db - drop - 10.0 * gap
        return Sight(radio.p_own * worn * params.corridor_factor * closeness, rssi)
    return None


@dataclass(frozen=True, slots=True)
class BleParams:
    rssi_at_1m: int = -59
    path_loss_exponent: float = 2.2
    rssi_sd_db: float = 3.5
    wall_db: float = 8.0
    curtain_db: float = 3.0
    min_rssi: float = -92.0
    room_width_m: float = 1.5
    stationary_interval_s: float = 5.0
    moving_interval_s: float = 1.2


def ble_distance_m(
    phone: Place, node_room: str, corridor: Corridor, rng: random.Random, params: BleParams
) -> tuple[float, float] | None:
    """(distance m, extra wall loss dB) from a phone to the node in ``node_room``; None: out of range."""
    node_x = corridor.position(node_room)
    if phone.kind is PlaceKind.AWAY:
        return None
    if phone.kind is PlaceKind.ROOM and phone.room == node_room:
        return rng.uniform(0.8, 2.8), 0.0
    if node_x is None:
        # Nodes off the corridor (entrance, floor) hear their own room well and the corridor mouth faintly.
        if phone.kind is PlaceKind.ROOM and corridor.position(phone.room or "") is not None:
            return None
        if phone.kind is PlaceKind.CORRIDOR and phone.x > 0.5:
            return None
        return rng.uniform(7.0, 12.0), params.curtain_db
    phone_x = corridor.x_of(phone)
    if phone.kind is PlaceKind.ROOM and corridor.position(phone.room or "") is not None:
        if abs(phone_x - node_x) > 1.0:
            return None
        return math.hypot(params.room_width_m, rng.uniform(0.5, 2.0)), params.wall_db
    depth = 2.0 if phone.kind is PlaceKind.CORRIDOR else 5.0
    return math.hypot(params.room_width_m * (phone_x - node_x), depth), params.curtain_db
