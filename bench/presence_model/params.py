"""The research model's parameters: each a physical rate, duration or risk level with where its default
came from. What differs between stores (how often and how loud each antenna reads garments inside its
room and elsewhere, which rooms neighbour which, each garment's own read rate and level) is learned from
the store's own traffic, not set here. Not read from a layout: this model is not the edge's engine."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ModelParams"]


class ModelParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # -- Garments: how they move (durations of the hidden states) ------------------------------------
    stay_s: float = Field(
        default=600.0,
        gt=0,
        description=(
            "Mean time a garment stays in a fitting room (a session of 5-15 minutes, go-backs longer): "
            "the prior chance per second that it leaves is 1/stay_s"
        ),
    )
    away_s: float = Field(
        default=1800.0,
        gt=0,
        description=(
            "Mean time a garment spends on the shop floor between visits to the rooms (a rail holds "
            "stock for hours; 30 min is a busy store): the prior chance per second it is carried in"
        ),
    )
    walk_s: float = Field(
        default=4.0,
        gt=0,
        description=(
            "Mean time a carried garment is in the corridor between the floor and a door (a few "
            "metres at 0.5-2 m/s)"
        ),
    )
    hang_s: float = Field(
        default=240.0,
        gt=0,
        description=(
            "Mean time a garment hangs in its room before it is handled: tried on, or moved aside while "
            "others are (a try-on cycle); handling turns the tag, changing how often and how loud it is read"
        ),
    )
    worn_s: float = Field(
        default=90.0,
        gt=0,
        description="Mean time a garment is worn (taking a look in the mirror: one to two minutes)",
    )

    # -- Garments: how they are heard (priors; the store's own traffic refines what can be learned) ---
    worn_share: float = Field(
        default=0.1,
        gt=0,
        lt=1,
        description=(
            "Share of its read rate a worn garment keeps towards an antenna its wearer shields it from "
            "(a body absorbs UHF: 15-25 dB, so a few % of rounds)"
        ),
    )
    door_share: float = Field(
        default=0.3,
        gt=0,
        lt=1,
        description=(
            "Share of its in-room read rate at which a garment carried past a door is read, in the second "
            "or two it is within the antenna's reach"
        ),
    )
    partition_db: float = Field(
        default=12.0,
        gt=0,
        description=(
            "Prior of how much weaker another room hears a garment than its own room does (a partition or "
            "curtain and distance: 8-18 dB); learned per pair of rooms from then on"
        ),
    )
    # -- Garments: decisions (risk levels) ------------------------------------------------------------
    decide_at: float = Field(
        default=0.95,
        gt=0.5,
        lt=1,
        description=(
            "A garment is placed in a room (or in none) once the posterior probability of that place "
            "reaches this; it stays where it is until another place does (hysteresis)"
        ),
    )
    lag_s: float = Field(
        default=2.0,
        ge=0,
        le=10,
        description=(
            "A decision waits this many seconds of further evidence (fixed-lag smoothing): a garment "
            "carried past a door is read by it for a second or two on its way to another room"
        ),
    )
