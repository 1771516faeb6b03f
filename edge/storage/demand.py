"""Demand the store could not meet: a shopper at a mirror asked for a size or colour that was sold out in
this store (the mirror answers "sold out here", and offers to ship it). One row per ask, for the
manager's lost-demand figures; no shopper identity is kept here.

Keyword-only functions over a SQLModel ``Session``; none commits.
"""

from __future__ import annotations

from sqlmodel import Field, Session, SQLModel

__all__ = ["SoldOutAsk", "record_sold_out_ask"]


class SoldOutAsk(SQLModel, table=True):
    __tablename__ = "sold_out_ask"

    id: int | None = Field(default=None, primary_key=True)
    store_id: str = Field(max_length=64)
    room_id: str = Field(max_length=64)
    session_id: str = Field(foreign_key="fitting_room_session.id", index=True, max_length=32)
    gtin: str = Field(index=True, max_length=14)
    at: float = Field(index=True)


def record_sold_out_ask(
    *, session: Session, store_id: str, room_id: str, session_id: str, gtin: str, now: float
) -> None:
    session.add(SoldOutAsk(store_id=store_id, room_id=room_id, session_id=session_id, gtin=gtin, at=now))
