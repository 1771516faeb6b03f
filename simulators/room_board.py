"""The fitting rooms as the simulated store's people share them: which room is taken by whom, the
go-backs left in each and when it was vacated (shoppers claim and release rooms; associates collect)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RoomBoard"]


@dataclass
class RoomBoard:
    """Which fitting room is taken by whom, and the go-backs left in each."""

    rooms: list[str]
    taken: dict[str, str] = field(default_factory=dict)
    go_backs: dict[str, list[str]] = field(default_factory=dict)
    vacated_at: dict[str, float] = field(default_factory=dict)
    errands: int = 0  # errands run so far (their people's ids)

    def next_errand_id(self) -> str:
        self.errands += 1
        return f"associate-errand-{self.errands}"

    def free_rooms(self) -> list[str]:
        return [r for r in self.rooms if r not in self.taken]

    def claim(self, room: str, who: str) -> None:
        self.taken[room] = who

    def release(self, room: str, t: float) -> None:
        self.taken.pop(room, None)
        self.vacated_at[room] = t
