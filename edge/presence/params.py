"""Presence parameters, read from the store layout's optional ``[presence]`` table."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PresenceParams"]


class PresenceParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exit_timeout_s: float = Field(
        default=20.0, gt=0, description="Silence after which an item with no other evidence has left"
    )
    ble_exit_timeout_s: float = Field(
        default=30.0, gt=0, description="Silence after which a BLE device has left its room"
    )
    ble_min_rssi: float = Field(
        default=-95.0, description="BLE reports weaker than this (dBm) are ignored"
    )
