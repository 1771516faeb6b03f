"""Presence parameters, read from the store layout's optional ``[presence]`` table.

Every parameter has a default that suits a typical store; a store only sets what its radio environment
needs. The engine learns most of what matters per tag (read rates, hence windows) and per room (the RSSI
of garments that are really inside), so these are bounds and risk levels rather than thresholds fitted to
one building. Example::

    [presence]
    miss_probability = 0.0001
    worn_hold_s = 150
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PresenceParams"]


class PresenceParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # -- RFID: per-tag adaptive windows (SMURF) ------------------------------------------------------
    miss_probability: float = Field(
        default=1e-4,
        gt=0,
        lt=0.5,
        description=(
            "Accepted probability that a garment which is still in its room is missed for a whole window. "
            "Each tag's window is the number of one-second epochs w with (1 - p)^w <= this, where p is the "
            "tag's learned per-second read probability in that room (SMURF's binomial bound). A window can "
            "start at any second, so this is also about the rate of false exits per second of presence"
        ),
    )
    min_window_s: float = Field(
        default=3.0, gt=0, description="Shortest silence window, whatever a tag's read rate"
    )
    exit_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Longest silence window: an item silent this long has left, unless its session says it is "
            "more likely worn (then worn_hold_s applies) or nothing says where it went (then "
            "unexplained_hold_s applies)"
        ),
    )
    prior_read_interval_s: float = Field(
        default=2.0,
        ge=1.0,
        description="Assumed mean time between seconds-with-a-read for a tag not yet learned",
    )
    rate_horizon_s: float = Field(
        default=60.0,
        gt=0,
        description="A tag's read rate is learned over about this many recent seconds",
    )
    tail_factor: float = Field(
        default=1.5,
        ge=1.0,
        description=(
            "A window is at least this times the tag's recent longest gap: reads come in bursts, so the "
            "binomial bound alone would be optimistic"
        ),
    )

    # -- RFID: arbitration between rooms ------------------------------------------------------------
    rssi_scale_db: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Evidence of a second with a read grows by a factor e per this many dB of peak RSSI, so a "
            "neighbour's weaker cross-reads weigh little against the room's own antenna"
        ),
    )
    missing_rssi_dbm: float = Field(default=-70.0, description="RSSI assumed for a report that carries none")
    dominance: float = Field(
        default=2.5,
        gt=1.0,
        description="Hysteresis: a room must hold this many times the evidence of any other room to win",
    )
    confirm_s: float = Field(
        default=2.0,
        ge=0,
        description="A room must keep winning this long after its first read before an item enters it",
    )
    confirm_seconds_read: int = Field(
        default=2,
        ge=1,
        description="Distinct seconds with a read a room needs before an item enters it",
    )
    entry_dwell_s: float = Field(
        default=1.0,
        ge=0,
        description=(
            "A garment read once by a room waits this long for a door further along the corridor to read "
            "it (carried on) before that read lets it enter (persistent reads and garments arriving with a "
            "group do not wait)"
        ),
    )
    first_door_dwell_s: float = Field(
        default=2.0,
        ge=0,
        description=(
            "A garment read at full in-room strength by a room, with no door read before to compare it "
            "with (the first doors from the shop floor, which every shopper passes), enters after this "
            "long if no door further along has read it: long enough to reach the next door walking"
        ),
    )
    found_within_s: float = Field(
        default=120.0,
        ge=0,
        description=(
            "For this long after a room's antenna comes back from an outage, a garment it reads at in-room "
            "strength, last read before that on its way in while the room was blind and by no room since, "
            "enters after one read and entry_dwell_s (at once when no room read it for passing_memory_s "
            "before): it was brought in unseen (perhaps worn, silent, since)"
        ),
    )
    convoy_window_s: float = Field(
        default=1.0,
        gt=0,
        description="Garments read by the same door within this long of each other are carried together",
    )
    convoy_doors: int = Field(
        default=2,
        ge=1,
        description=(
            "When a garment enters a room on its own evidence, garments read with it by this many of the "
            "doors it passed (the room's own door included), and read nowhere further on, enter with it "
            "(one door could be two shoppers crossing in the corridor)"
        ),
    )
    group_entry_s: float = Field(
        default=4.0,
        ge=0,
        description=(
            "Garments arrive together: for this long after one enters a room on its own evidence, another "
            "whose reads there began within this long of the first one's needs only one winning read, "
            "within standout_db of the first one's RSSI (within in_room_margin_db once read over two "
            "seconds). Likewise a known shopper's phone heard into a room up to this long before a "
            "garment's reads there began: a garment read there far stronger than by the doors it passed "
            "enters without waiting entry_dwell_s"
        ),
    )
    in_room_margin_db: float = Field(
        default=12.0,
        ge=0,
        description=(
            "Next to a blind room whose neighbours are not learned yet, a garment entering must be read "
            "within this many dB of how the room reads garments inside it (or 2.5 standard deviations, "
            "whichever is wider; people in the room absorb several dB); once learned, it must be read "
            "likelier inside than next door. A garment read over two seconds joins a group within this "
            "many dB of the garment that anchored it"
        ),
    )
    standout_db: float = Field(
        default=8.0,
        ge=0,
        description=(
            "A garment read by a room at least this many dB stronger than other rooms read it moments "
            "before (passing their doors on its way) is inside: it enters on that evidence alone (still "
            "dominant). A garment moves from its room only when the new room reads it within this many "
            "dB of its RSSI at home, and not as that room has always cross-read it; another room reading "
            "a garment silent at home this much stronger than it usually does says it left"
        ),
    )
    passing_memory_s: float = Field(
        default=10.0,
        ge=0,
        description=(
            "How far back reads by other rooms count as the garment's way here (for standout_db and "
            "convoys), how recently two other rooms must have read it for it to be on the move, and how "
            "long a garment found after an outage must have been silent to enter without a dwell"
        ),
    )
    away_seconds: int = Field(
        default=2,
        ge=1,
        description="Seconds read elsewhere, unshielded, that prove a tag silent at home is alive elsewhere",
    )
    away_margin_db: float = Field(
        default=15.0,
        ge=0,
        description=(
            "A tag silent at home but read elsewhere within this many dB of its home RSSI is alive and "
            "unshielded, so not worn: after away_seconds such reads it leaves one window later unless home "
            "reads it again. A worn tag is shielded by the body and read far weaker everywhere"
        ),
    )

    elsewhere_share: float = Field(
        default=0.7,
        gt=0,
        le=1,
        description=(
            "A silent garment with evidence of being elsewhere (read since by another room about as "
            "strongly as at home, far stronger than that room reads it at home, or by two rooms in turn "
            "that never read it at home) leaves after this share of its window of silence"
        ),
    )

    fade_db: float = Field(
        default=6.0,
        ge=0,
        description=(
            "A tag whose last second with a read (right after another), or whose last report (within a "
            "second and a half of the one before), was this many dB below its usual RSSI at home, then "
            "silent, was carried away from the antenna: it leaves after fade_hold_s, without a worn hold "
            "(a garment put on goes quiet abruptly instead). A room whose latest reads of a garment not "
            "in it are this much below its best was passed on the way: only what it reads now counts"
        ),
    )
    fade_hold_s: float = Field(
        default=10.0,
        ge=0,
        description=(
            "How long a tag that faded out (see fade_db) is held at least: a garment put on right after "
            "a weak read looks alike until its next faint read"
        ),
    )

    # -- RFID: session context ----------------------------------------------------------------------
    worn_hold_s: float = Field(
        default=150.0,
        ge=0,
        description=(
            "How long a silent item is kept while other items in its room are still read or a shopper is "
            "there: it is more likely worn against the body than gone"
        ),
    )

    unexplained_hold_s: float = Field(
        default=120.0,
        ge=0,
        description=(
            "How long a silent item is kept when nothing says where it went: no read elsewhere, nobody "
            "seen leaving, no other garment of its session still read, and it did not fade out (0: its "
            "plain window). A garment that goes quiet abruptly in a fitting room is most often being "
            "tried on, for a minute or two"
        ),
    )

    together_min: int = Field(
        default=3,
        ge=2,
        description=(
            "When at least this many garments of a room fall silent within a couple of seconds of each "
            "other, they were carried out together: they leave after their windows, whether or not "
            "others stay (a body shields the one outfit being tried on, not a pile)"
        ),
    )

    next_shopper_min: int = Field(
        default=2,
        ge=1,
        description=(
            "A fitting room holds one shopper at a time: once this many garments have been carried into "
            "a room from the shop floor after one of its garments fell silent, and have stayed there "
            "longer than passing_memory_s, the shopper who had that garment has gone, and it with them "
            "(it leaves after its window instead of worn_hold_s), unless a phone that was in the room when "
            "it was last read still is. Raise it where associates bring shoppers several garments at once"
        ),
    )

    reader_stall_hold_s: float = Field(
        default=60.0,
        ge=0,
        description=(
            "A reader that falls silent in all its busy rooms at once is taken to be down: its garments "
            "are held this long at most while its last will (or its next report) is awaited"
        ),
    )

    # -- BLE shoppers -------------------------------------------------------------------------------
    ble_exit_timeout_s: float = Field(
        default=30.0, gt=0, description="Longest silence after which a BLE device has left its room"
    )
    ble_min_window_s: float = Field(
        default=12.0, gt=0, description="Shortest silence window for a BLE device"
    )
    ble_min_rssi: float = Field(default=-95.0, description="BLE reports weaker than this (dBm) are ignored")
    ble_max_distance_m: float = Field(
        default=3.0,
        gt=0,
        description=(
            "A device is in a node's room only while the node's (smoothed) distance estimate is within "
            "this: a fitting room is a couple of metres across, and a phone heard through the curtain "
            "from the floor is not in it"
        ),
    )
    ble_margin_db: float = Field(
        default=4.0,
        ge=0,
        description="Hysteresis: another node must hear a device this much louder (smoothed) to win",
    )
    ble_confirm_reports: int = Field(
        default=2, ge=1, description="Reports a node needs before a device enters or moves to its room"
    )
