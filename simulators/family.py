"""A family of stores' radio environments, so presence is measured on stores it was not tuned on.

Each environment is drawn from ranges (``Ranges``) covering what real fitting rooms do (issue 14, "What
stores' radio does"):

- own read rates anywhere from 5 % to 90 % of inventory rounds (less when bunched garments shadow one
  another), redrawn when a garment is handled or bunched (``p_min``/``p_max``), at 4–12 rounds a second;
- neighbours' cross-reads for the whole stay, at up to the own antenna's rate (``cross_factor_max`` up
  to 1), 8–18 dB weaker;
- body shielding that is directional (a worn garment nearly silent to its own antenna while the neighbour
  behind the partition keeps reading it) or not;
- rooms further away reading a garment a few % of rounds, weaker still (reflections): no room "never"
  reads, unless a preset says the store is that well shielded;
- shoppers walking from strolling to brisk, stopping at a door and turning back, sharing a room with a
  companion, associates bringing one to five garments, a garment handed out while the rest stay, go-backs
  left for minutes;
- antenna and reader outages at store-specific rates;
- the rooms' physical order on the corridor shuffled against the layout's listing.

Reader formats and modes (Impinj raw or de-duplicated, Zebra aggregates) are the layout's and the
scenario's, not the environment's. ``draw(name, seed)`` gives one environment: a named preset
(``PRESETS``) narrows some ranges, ``"random"`` uses the whole family. The same name and seed always give
the same environment; ``Environment.scenario(...)`` turns it into a ``simulators.trace.Scenario``.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, replace
from typing import Any

from simulators.physics import RadioParams
from simulators.shoppers import Behaviour
from simulators.store import derive_rng
from simulators.trace import Scenario

__all__ = ["FAMILY", "PRESETS", "Environment", "Ranges", "draw", "preset_names"]

Span = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Ranges:
    """Where each property of a store is drawn from: (low, high), uniformly (shares: probabilities)."""

    p_min: Span = (0.05, 0.1)
    p_max: Span = (0.5, 0.9)
    rounds_per_s: Span = (4.0, 12.0)
    orientation_rssi_sd_db: Span = (3.0, 6.0)
    cross_factor_max: Span = (0.1, 1.0)  # a neighbour's read rate, as a share of the own antenna's
    cross_attenuation_min_db: Span = (8.0, 12.0)
    cross_attenuation_span_db: Span = (2.0, 6.0)  # the widest gap is min + span, at most 18 dB
    worn_factor: Span = (0.005, 0.08)
    directional_share: float = 0.5  # chance the body shields one side only
    worn_cross_factor: Span = (0.6, 1.0)  # when directional: what the neighbour behind keeps
    far_factor_max: Span = (0.01, 0.06)  # rooms beyond the neighbours, as a share of the own rate
    far_attenuation_min_db: Span = (14.0, 22.0)
    body_factor_mean: Span = (0.6, 0.9)
    walk_slow: Span = (0.3, 0.6)  # room widths per second (a room is about 1.5 m wide)
    walk_fast: Span = (0.8, 1.5)
    turn_back_share: Span = (0.0, 0.25)
    companion_share: Span = (0.0, 0.3)
    bring_share: Span = (0.0, 0.4)
    hand_out_share: Span = (0.0, 0.3)
    max_worn: Span = (2.0, 3.0)
    go_back_delay_s: Span = (60.0, 1200.0)
    antenna_outage_every_s: Span = (300.0, 1200.0)
    reader_outage_every_s: Span = (900.0, 3000.0)


FAMILY = Ranges()

PRESETS: dict[str, Ranges] = {
    # Full-height partitions with metal backing: little cross-talk, hardly any reflections, bodies shield
    # all round.
    "shielded": replace(
        FAMILY,
        cross_factor_max=(0.05, 0.2),
        cross_attenuation_min_db=(13.0, 15.0),
        cross_attenuation_span_db=(2.0, 3.0),
        directional_share=0.0,
        far_factor_max=(0.005, 0.02),
        far_attenuation_min_db=(22.0, 26.0),
    ),
    # Curtained cubicles with low walls: neighbours read almost as often as the own antenna, only 8–12 dB
    # weaker; the neighbour behind a shopper keeps reading what they wear.
    "open_plan": replace(
        FAMILY,
        cross_factor_max=(0.6, 1.0),
        cross_attenuation_min_db=(8.0, 9.0),
        cross_attenuation_span_db=(2.0, 4.0),
        directional_share=1.0,
        worn_cross_factor=(0.8, 1.0),
        far_factor_max=(0.02, 0.06),
    ),
    # Mirrors and metal rails everywhere: rooms far down the corridor read garments now and then.
    "reflective": replace(
        FAMILY,
        cross_factor_max=(0.2, 0.7),
        far_factor_max=(0.05, 0.09),
        far_attenuation_min_db=(14.0, 17.0),
        directional_share=0.7,
    ),
    # A busy store: brisk walkers, shoppers turning back at doors, parents with children, associates
    # bringing sizes and taking garments handed out.
    "busy": replace(
        FAMILY,
        walk_fast=(1.2, 1.6),
        turn_back_share=(0.2, 0.35),
        companion_share=(0.25, 0.4),
        bring_share=(0.3, 0.5),
        hand_out_share=(0.2, 0.35),
        max_worn=(3.0, 3.0),
    ),
}


def preset_names() -> list[str]:
    """The named presets, and ``random`` (the whole family)."""
    return [*sorted(PRESETS), "random"]


@dataclass(frozen=True, slots=True)
class Environment:
    """One store drawn from the family: its radio, its people's behaviour, its readers and its faults."""

    name: str
    seed: int
    radio: RadioParams
    behaviour: Behaviour
    rounds_per_s: float
    antenna_outage_every_s: float
    reader_outage_every_s: float
    shuffle_floor: bool = True

    def scenario(self, **fields: Any) -> Scenario:
        """A ``Scenario`` in this environment; ``fields`` are the scenario's own (seed, duration_s, ...)."""
        return Scenario(
            radio=self.radio,
            behaviour=self.behaviour,
            rounds_per_s=self.rounds_per_s,
            antenna_outage_every_s=self.antenna_outage_every_s,
            reader_outage_every_s=self.reader_outage_every_s,
            shuffle_floor=self.shuffle_floor,
            environment=f"{self.name}/{self.seed}",
            **fields,
        )

    def describe(self) -> dict[str, Any]:
        """The drawn values, for a bench's log (JSON-ready)."""
        return {
            "name": self.name,
            "seed": self.seed,
            "radio": asdict(self.radio),
            "behaviour": asdict(self.behaviour),
            "rounds_per_s": self.rounds_per_s,
            "antenna_outage_every_s": self.antenna_outage_every_s,
            "reader_outage_every_s": self.reader_outage_every_s,
        }


def draw(name: str, seed: int) -> Environment:
    """The environment ``seed`` of the preset ``name`` (or of the whole family for ``"random"``)."""
    if name == "random":
        ranges = FAMILY
    elif name in PRESETS:
        ranges = PRESETS[name]
    else:
        raise ValueError(f"unknown environment {name!r}; choose from {', '.join(preset_names())}")
    rng = derive_rng(seed, "environment", name)
    return Environment(
        name=name,
        seed=seed,
        radio=_radio(ranges, rng),
        behaviour=_behaviour(ranges, rng),
        rounds_per_s=round(_u(rng, ranges.rounds_per_s), 2),
        antenna_outage_every_s=_u(rng, ranges.antenna_outage_every_s),
        reader_outage_every_s=_u(rng, ranges.reader_outage_every_s),
    )


def _u(rng: random.Random, span: Span) -> float:
    return rng.uniform(*span)


def _radio(r: Ranges, rng: random.Random) -> RadioParams:
    cross_max = _u(rng, r.cross_factor_max)
    att_min = _u(rng, r.cross_attenuation_min_db)
    far_max = _u(rng, r.far_factor_max)
    far_att = _u(rng, r.far_attenuation_min_db)
    directional = rng.random() < r.directional_share
    worn_cross = _u(rng, r.worn_cross_factor)
    return replace(
        RadioParams(),
        p_min=_u(rng, r.p_min),
        p_max=_u(rng, r.p_max),
        orientation_rssi_sd_db=_u(rng, r.orientation_rssi_sd_db),
        cross_factor_min=cross_max * rng.uniform(0.1, 0.4),
        cross_factor_max=cross_max,
        cross_attenuation_min_db=att_min,
        cross_attenuation_max_db=min(18.0, att_min + _u(rng, r.cross_attenuation_span_db)),
        worn_factor=_u(rng, r.worn_factor),
        worn_cross_factor=worn_cross if directional else None,
        far_factor_min=far_max * rng.uniform(0.1, 0.5),
        far_factor_max=far_max,
        far_attenuation_min_db=far_att,
        far_attenuation_max_db=far_att + rng.uniform(3.0, 8.0),
        body_factor_mean=_u(rng, r.body_factor_mean),
    )


def _behaviour(r: Ranges, rng: random.Random) -> Behaviour:
    return Behaviour(
        items_max=5,
        max_worn=round(_u(rng, r.max_worn)),
        walk_speed=(_u(rng, r.walk_slow), _u(rng, r.walk_fast)),
        turn_back_share=_u(rng, r.turn_back_share),
        companion_share=_u(rng, r.companion_share),
        bring_share=_u(rng, r.bring_share),
        hand_out_share=_u(rng, r.hand_out_share),
        go_back_delay_s=(r.go_back_delay_s[0], _u(rng, r.go_back_delay_s)),
    )
