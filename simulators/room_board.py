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
    # Rooms an associate prepared for a shopper who reserved to try (their phone's iBeacon minor), and
    # the garments put there for them: no one else takes such a room.
    held: dict[str, int] = field(default_factory=dict)
    prepared: dict[str, list[str]] = field(default_factory=dict)

    def next_errand_id(self) -> str:
        self.errands += 1
        return f"associate-errand-{self.errands}"

    def free_rooms(self) -> list[str]:
        return [r for r in self.rooms if r not in self.taken and r not in self.held]

    def hold(self, room: str, phone_minor: int) -> None:
        """Keep ``room`` for the shopper with this phone (a reservation to try)."""
        self.held[room] = phone_minor

    def held_for(self, phone_minor: int | None) -> str | None:
        """The room held for this phone, if any."""
        return next((r for r, m in self.held.items() if m == phone_minor), None)

    def claim(self, room: str, who: str) -> None:
        self.taken[room] = who

    def release(self, room: str, t: float) -> None:
        self.taken.pop(room, None)
        self.vacated_at[room] = t
