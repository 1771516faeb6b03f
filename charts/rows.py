"""The rows of the work figures a store's manager (``/api/manager/...``) and head office
(``/v1/admin/...``) both read: one shape, so a store's CSV and the chain's line up column for column.

Pydantic models (the APIs' response schemas); the tallies that fill them are in ``charts.tallies``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from charts.tallies import FIT_PROBLEM_MIN_TRIED, FIT_PROBLEM_SHARE

__all__ = ["HourRow", "OfferRow", "StyleRow"]


class StyleRow(BaseModel):
    style_id: str
    name: str | None
    tried: int
    bought: int
    try_to_buy: float | None
    fit_problem: bool = Field(
        description=f"Tried {FIT_PROBLEM_MIN_TRIED}+ times, try-to-buy under {FIT_PROBLEM_SHARE:.0%} of the "
        "rate of its scope (the store's own; the chain's or the store's at head office)"
    )


class HourRow(BaseModel):
    hour: int = Field(description="Hour of the store's day (each store's own time zone)")
    sessions_started: int
    occupied_s: float
    available_s: float
    utilisation: float | None


class OfferRow(BaseModel):
    offer_id: str
    title: str | None
    presented: int = Field(description="Sessions whose mirror showed it")
    redeemed: int = Field(description="Offered items bought in those sessions")
    sessions_redeemed: int
