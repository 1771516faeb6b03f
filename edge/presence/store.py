"""What presence needs to know of a store's layout, as protocols: presence is the core and the layout file
is an adapter (``edge.layout.Layout`` satisfies ``StoreShape``), so the dependency points one way."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from edge.presence.params import PresenceParams

__all__ = ["NodeShape", "ReaderShape", "RoomShape", "StoreShape"]


class RoomShape(Protocol):
    @property
    def id(self) -> str: ...


class ReaderShape(Protocol):
    @property
    def id(self) -> str: ...

    def antenna_rooms(self) -> Mapping[int, str]:
        """Antenna number -> the room it covers."""
        ...


class NodeShape(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def room(self) -> str: ...


class StoreShape(Protocol):
    @property
    def rooms(self) -> Sequence[RoomShape]: ...

    @property
    def readers(self) -> Sequence[ReaderShape]: ...

    @property
    def ble_nodes(self) -> Sequence[NodeShape]: ...

    @property
    def presence(self) -> PresenceParams: ...

    @property
    def walls(self) -> Collection[tuple[str, str]]: ...  # rooms the layout says share a wall (a hint)
