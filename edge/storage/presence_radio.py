"""What presence learned of the store's radio (one row), kept across restarts; ``edge.radio_memory``
reads and writes it."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

__all__ = ["PresenceRadio"]


class PresenceRadio(SQLModel, table=True):
    """The store's radio as the presence engine last learned it: JSON (``edge.radio_memory.snapshot``)."""

    __tablename__ = "presence_radio"

    id: int = Field(default=1, primary_key=True)
    body: str
    saved_at: float
