"""Presence parameters, read from the store layout's optional ``[presence]`` table.

Each is a physical rate, a duration (seconds, longer than the model's one-second step) or a risk level,
with where its default came from. What differs between stores (how often and how loud each antenna
reads garments in its room and elsewhere, which rooms neighbour which, each garment's own read rate and
level) is learned from the store's traffic, not set here (``edge/presence/README.md``). Example::

    [presence]
    stay_s = 900
    decide_at = 0.9
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PresenceParams"]


class PresenceParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # -- Garments: how they move (durations of the hidden states) ------------------------------------
    stay_s: float = Field(
        default=600.0,
        gt=1,
        description="Mean time a garment stays in a fitting room (a session of 5-15 minutes, go-backs "
        "longer): the prior chance per second that it leaves is 1/stay_s",
    )
    away_s: float = Field(
        default=1800.0,
        gt=1,
        description="Mean time a garment spends on the shop floor between visits to the rooms (a rail holds "
        "stock for hours; 30 min is a busy store): the prior chance per second it is carried in",
    )
    walk_s: float = Field(
        default=4.0,
        gt=1,
        description="Mean time a carried garment is in the corridor between the floor and a door (a few "
        "metres at 0.5-2 m/s)",
    )
    hang_s: float = Field(
        default=120.0,
        gt=1,
        description="Mean time a garment hangs in its room before it is handled: tried on, or once tried "
        "taken out (a few garments tried in a 5-15 min session); handling turns the tag: new read rate and "
        "level",
    )
    worn_s: float = Field(
        default=90.0,
        gt=2,
        description="Mean time a garment is worn (taking a look in the mirror: one to two minutes)",
    )

    # -- Garments: how they are heard (priors; the store's own traffic refines what can be learned) ---
    worn_share: float = Field(
        default=0.1,
        gt=0,
        lt=1,
        description="Share of its read rate a worn garment keeps towards an antenna its wearer shields it "
        "from (a body absorbs UHF: 15-25 dB, so a few % of rounds)",
    )
    door_share: float = Field(
        default=0.3,
        gt=0,
        lt=1,
        description="Share of its in-room read rate at which a garment carried past a door is read, in the "
        "second or two it is within the antenna's reach",
    )
    partition_db: float = Field(
        default=12.0,
        gt=0,
        description="Prior of how much weaker another room hears a garment than its own room does (a "
        "partition or curtain and distance: 8-18 dB); learned per pair of rooms from then on",
    )
    # -- Garments: decisions (risk levels) ------------------------------------------------------------
    decide_at: float = Field(
        default=0.975,
        gt=0.5,
        lt=1,
        description="A garment is placed in a room (or in none) once the posterior probability of that "
        "place reaches this; it stays where it is until another place does (hysteresis). A 1-in-40 risk per "
        "move: a card blinking on a mirror is worse than one a few seconds late (tune split, against 0.95: "
        "flicker 0.13/0.17 per stay, false stays 0.92/1.13 per item-hour, accuracy -0.1 point)",
    )
    lag_s: float = Field(
        default=2.0,
        ge=0,
        le=10,
        description="A decision waits this many seconds of further evidence (fixed-lag smoothing): a "
        "garment carried past a door is read by it for a second or two on its way to another room",
    )

    # -- Readers: telling a stalled reader from garments leaving (risk level and a bound) ------------
    miss_probability: float = Field(
        default=1e-4,
        gt=0,
        lt=0.5,
        description="Accepted probability that a working reader is silent for as long as it has been, given "
        "how often it reports: silence longer than that means the reader has stalled, and its rooms say "
        "nothing until it reports again (a one-in-ten-thousand risk per check: a false stall costs a few "
        "seconds' delay)",
    )
    reader_stall_hold_s: float = Field(
        default=60.0,
        ge=0,
        description="A reader silent longer than this is believed after all (nobody said it was down: its "
        "rooms really are empty); a broker notices a dead client within 1.5 keep-alives, 60 s by default",
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
        description="A device is in a node's room only while the node's (smoothed) distance estimate is "
        "within this: a fitting room is a couple of metres across, and a phone heard through the curtain "
        "from the floor is not in it",
    )
    ble_margin_db: float = Field(
        default=4.0,
        ge=0,
        description="Hysteresis: another node must hear a device this much louder (smoothed) to win",
    )
    ble_confirm_reports: int = Field(
        default=2, ge=1, description="Reports a node needs before a device enters or moves to its room"
    )
