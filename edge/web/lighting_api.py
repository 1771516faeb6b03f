"""``/api/mirror/{room_id}/lighting``: the fitting room's light scenes (edge/fitting_rooms/lights.py).

Mirror token as for every mirror route. GET lists the scenes a shopper may pick and the one last sent
(none when the room has no light); POST ``{"scene"}`` sends one to the room's light (404 when the
room has no light, 422 for an unknown scene).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from edge.errors import NotFound
from edge.fitting_rooms.lights import RoomLights
from edge.web.deps import MirrorRoom

__all__ = ["router"]

router = APIRouter(prefix="/api/mirror", tags=["mirror"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown device token"},
    403: {"description": "The token belongs to another room"},
    404: {"description": "Not a fitting room of this store, or the room has no light"},
}


class SceneIn(BaseModel):
    scene: str = Field(
        min_length=1, max_length=32, description="A scene of the layout (daylight, evening, ...)"
    )


class LightingView(BaseModel):
    scenes: list[str] = Field(description="Scenes the shopper may choose")
    scene: str | None = Field(description="The scene last sent to the room's light")


class SceneSent(BaseModel):
    scene: str
    command: dict[str, Any] = Field(description="What the light was sent, in its own dialect")


def _lights(request: Request, room_id: MirrorRoom) -> tuple[RoomLights, str]:
    lights: RoomLights | None = getattr(request.app.state, "lights", None)
    if lights is None or not lights.has_light(room_id):
        raise NotFound(f"room {room_id!r} has no light")
    return lights, room_id


RoomLight = Annotated[tuple[RoomLights, str], Depends(_lights)]


@router.get("/{room_id}/lighting", response_model=LightingView, responses=ERRORS)
def get_lighting(request: Request, room_id: MirrorRoom) -> LightingView:
    """The scenes a shopper may choose for this room's light, and the one on now (none without a light)."""
    lights: RoomLights | None = getattr(request.app.state, "lights", None)
    if lights is None or not lights.has_light(room_id):
        return LightingView(scenes=[], scene=None)
    return LightingView(scenes=lights.shopper_scenes(), scene=lights.scenes.get(room_id))


@router.post(
    "/{room_id}/lighting",
    response_model=SceneSent,
    responses={**ERRORS, 422: {"description": "Unknown scene"}},
)
def set_lighting(body: SceneIn, light: RoomLight) -> SceneSent:
    """Send ``scene`` to the room's light (QoS 1, in the light's dialect)."""
    lights, room_id = light
    return SceneSent(scene=body.scene, command=lights.set_scene(room_id, body.scene))
