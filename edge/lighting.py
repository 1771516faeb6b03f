"""Fitting-room lighting: the layout's lights and scenes, and each scene in a light's own dialect.

A fitting room may name its light (``light = { topic = "…", dialect = "zigbee2mqtt" }``); scenes live in
``[lighting.scenes.NAME]`` with ``brightness`` 0–100 (percent) and ``colour_temp_k`` (kelvin). Pure: the
edge's publisher sends :func:`command` to :meth:`Light.command_topic` at QoS 1.

Dialects:

- ``zigbee2mqtt``: ``topic`` is the device's base topic (``zigbee2mqtt/<friendly_name>``); commands go to
  ``<topic>/set`` as ``{"state": "ON", "brightness": 0..254, "color_temp": <mireds>}``.
- ``homeassistant``: the MQTT JSON light schema; ``topic`` is the light's ``command_topic``; commands are
  ``{"state": "ON", "brightness": 0..255, "color_temp": <mireds>}`` (default ``brightness_scale`` 255).

Brightness 0 is sent as ``{"state": "OFF"}`` in both dialects.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["DEFAULT_SCENES", "SHOPPER_SCENES", "Dialect", "Light", "Lighting", "Scene", "command"]


class Dialect(StrEnum):
    ZIGBEE2MQTT = "zigbee2mqtt"
    HOMEASSISTANT = "homeassistant"


_MAX_BRIGHTNESS = {Dialect.ZIGBEE2MQTT: 254, Dialect.HOMEASSISTANT: 255}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Light(_Strict):
    topic: str = Field(
        min_length=1, description="zigbee2mqtt: the device's base topic; homeassistant: command_topic"
    )
    dialect: Dialect = Field(description="zigbee2mqtt | homeassistant (MQTT JSON light schema)")

    @field_validator("topic")
    @classmethod
    def _no_wildcards(cls, topic: str) -> str:
        if any(ch in topic for ch in "+#") or not all(topic.split("/")):
            raise ValueError(f"{topic!r} is not a topic without wildcards or empty levels")
        return topic

    @property
    def command_topic(self) -> str:
        if self.dialect is Dialect.ZIGBEE2MQTT and not self.topic.endswith("/set"):
            return f"{self.topic}/set"
        return self.topic


class Scene(_Strict):
    brightness: int = Field(ge=0, le=100, description="Percent of full brightness")
    colour_temp_k: int = Field(ge=1000, le=10000, description="Colour temperature in kelvin")
    shopper: bool = Field(default=True, description="Offered to the shopper on the mirror")


DEFAULT_SCENES: dict[str, Scene] = {
    "welcome": Scene(brightness=80, colour_temp_k=4000, shopper=False),
    "idle": Scene(brightness=20, colour_temp_k=3000, shopper=False),
    "daylight": Scene(brightness=100, colour_temp_k=5500),
    "evening": Scene(brightness=60, colour_temp_k=2700),
    "sunset": Scene(brightness=45, colour_temp_k=2200),
}
SHOPPER_SCENES = ("daylight", "evening", "sunset")


class Lighting(_Strict):
    scenes: dict[str, Scene] = Field(
        default_factory=dict, description="Scenes by name; merged over the defaults"
    )

    @field_validator("scenes")
    @classmethod
    def _names(cls, scenes: dict[str, Scene]) -> dict[str, Scene]:
        for name in scenes:
            if not name.replace("_", "").replace("-", "").isalnum() or len(name) > 32:
                raise ValueError(f"{name!r}: a scene name is letters, digits, '-' or '_' (at most 32)")
        return scenes

    def all_scenes(self) -> dict[str, Scene]:
        return {**DEFAULT_SCENES, **self.scenes}

    def scene(self, name: str) -> Scene | None:
        return self.all_scenes().get(name)

    def shopper_scenes(self) -> list[str]:
        return [name for name, scene in self.all_scenes().items() if scene.shopper]


def command(scene: Scene, dialect: Dialect) -> dict[str, Any]:
    """The JSON command that sets ``scene`` on a light speaking ``dialect``."""
    if scene.brightness == 0:
        return {"state": "OFF"}
    top = _MAX_BRIGHTNESS[dialect]
    return {
        "state": "ON",
        "brightness": max(1, round(scene.brightness * top / 100)),
        "color_temp": round(1_000_000 / scene.colour_temp_k),
    }
