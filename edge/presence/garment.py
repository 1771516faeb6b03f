"""What the engine knows of one tagged garment: its evidence per room, the room it is in, and what its
reads since the last one at home say about where it went."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from edge.presence.evidence import RoomEvidence, weight
from edge.presence.params import PresenceParams

__all__ = ["Garment", "Surroundings", "behind", "passed", "standing", "usual"]

# Evidence elsewhere that began at most this long before home's last read is fresh: the garment moved.
FRESH_S = 2.0


@dataclass(frozen=True, slots=True)
class Surroundings:
    """What the rest of the presence engine tells the garment tracker about the store right now."""

    covered: Callable[[str], bool]  # False while an antenna or reader covering the room is down
    blind_any: Callable[[], bool]  # is any room blind
    # When every reader covering a room has gone improbably quiet: (since when, their other rooms).
    reader_silence: Callable[[str, float], tuple[float, frozenset[str]] | None]
    reader_last: Callable[[str], float]  # when a reader covering the room last reported anything
    shopper_since: Callable[[str], float]  # since when a known shopper has been in the room (inf: none)
    shopper_arrived: Callable[[str], float]  # when the latest known shopper in the room came in (-inf: none)
    # The latest shoppers who left the room: (entered, last heard there).
    shopper_departures: Callable[[str], Iterable[tuple[float, float]]]


class Garment:
    """One tag's state. ``room`` is where it is believed to be (None: in no room), ``since`` when it got
    there; ``rooms`` holds each room's evidence. The ``away`` fields collect, since the last read at
    home, what other rooms' reads say about the garment having left."""

    __slots__ = (
        "away",
        "away_rooms",
        "away_since",
        "beside_blind",
        "beyond_at",
        "epc",
        "escort",
        "gtin",
        "last_read",
        "left",
        "moved_at",
        "room",
        "rooms",
        "since",
        "t_decay",
        "tau",
        "trail_at",
    )

    def __init__(self, epc: str, gtin: str | None, now: float, tau: float) -> None:
        self.epc = epc
        self.gtin = gtin
        self.room: str | None = None
        self.since = now
        self.t_decay = now
        self.last_read = now  # the latest report of it, by any room
        self.tau = tau  # the time scale over which its evidence decays
        self.rooms: dict[str, RoomEvidence] = {}
        self.away = 0  # seconds read elsewhere, unshielded, since the last read at home
        # When the tag, silent at home, had been read elsewhere unshielded ``away_seconds`` times.
        self.away_since = math.inf
        # Rooms that never used to read it at home and have read it since (a trail along the corridor),
        # and when the latest of them joined.
        self.away_rooms: set[str] = set()
        self.trail_at = math.inf
        # When a room read it far stronger than it reads it while it is at home.
        self.moved_at = math.inf
        # The room it last left, and when: a garment just carried out is not carried back in with
        # the next shopper's armful it meets at the door.
        self.left: tuple[str, float] | None = None
        # When a room that never reads its room's garments read it unshielded: it is not there.
        self.beyond_at = math.inf
        # The garment it was carried into its room with, when it entered by convoy (None otherwise).
        self.escort: str | None = None
        # It entered its room while a room next door was blind: its reads may have been of a garment
        # inside that one.
        self.beside_blind = False

    def at_home(self) -> None:
        """Read at home again (or just arrived): evidence of having left is void."""
        self.away, self.away_since, self.moved_at, self.trail_at = 0, math.inf, math.inf, math.inf
        self.beyond_at = math.inf
        self.away_rooms.clear()

    def left_since(self, since: float) -> bool:
        """Did it leave a room at ``since`` or later?"""
        return self.left is not None and self.left[1] >= since

    def home_evidence(self) -> RoomEvidence | None:
        return self.rooms.get(self.room) if self.room is not None else None


def usual(ev: RoomEvidence) -> float:
    """The RSSI a room usually reads the tag at: its level while read steadily, or the current
    episode's when higher (a garment on the body is read rarely and far weaker, which must not lower the
    bar for reads elsewhere to count as unshielded)."""
    return max(ev.episode_rssi(), ev.steady if ev.steady > -math.inf else ev.level)


def standing(ev: RoomEvidence, params: PresenceParams) -> float:
    """A room's evidence for a tag that is not in it. A room whose latest reads are far weaker than its
    best of this episode is one the tag has moved away from (its door, passed on the way): only what it
    reads now counts, not the strong reads of the moment the tag went by."""
    if ev.fading_since_best(params.fade_db):
        return min(ev.score, weight(max(ev.peak, ev.prev_peak), params))
    return ev.score


def passed(other: RoomEvidence, here: RoomEvidence, now: float) -> bool:
    """Did the tag pass ``other`` on its way ``here``: other stopped reading it before here began to, a
    while ago, and here has read it for longer than a door is passed? Such evidence is history: however
    strong the pass-by reads were, they do not hold off the room reading it now."""
    return here.seen >= 3 and other.last < here.first and now - other.last > FRESH_S


def behind(other: RoomEvidence, here: RoomEvidence) -> bool:
    """Did ``other`` stop reading the tag before ``here`` began to? Its reads are of the way here and do
    not compete with here's (a garment just passing ``here``'s door is held back by the entry checks)."""
    return other.last < here.first
