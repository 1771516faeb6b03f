"""Offers where the shopper stands: the chain defines them here (``POST /v1/offers``), edges pull the ones
for their store, mirrors show them, and when an opted-in member's phone enters a zone an offer targets,
the edge's ``offer_presented`` event comes back here: within the member's consent to offers and the
offer's daily cap it is recorded and sent to the member's app as a signed webhook (target ``app``).
``offer_redeemed`` events (an offered item bought in the same session) are recorded beside them, so
analytics can count presented and redeemed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy import JSON, Column, UniqueConstraint, func
from sqlmodel import Field, Session, col, select

from catalog.model import Category
from cloud_sync.central.models import CentralModel
from cloud_sync.central.webhooks import enqueue_webhook
from cloud_sync.wire import WireEvent

__all__ = [
    "Offer",
    "OfferConsent",
    "OfferIn",
    "OfferOut",
    "OfferRecord",
    "accept_offer_events",
    "create_offer",
    "offer_out",
    "offers_for_store",
]

RoomKindName = Literal["fitting_room", "sales_floor", "entrance", "checkout", "stockroom"]
DAY_S = 86400.0


class Offer(CentralModel, table=True):
    __tablename__ = "offer"

    id: str = Field(primary_key=True, max_length=32)
    title: str = Field(max_length=120)
    body: str = Field(max_length=500)
    store_ids: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    room_kinds: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    gtins: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    categories: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    discount_pct: int | None = None
    members_only: bool = False
    valid_from: float = Field(index=True)
    valid_until: float = Field(index=True)
    max_per_member_per_day: int
    created_at: float


class OfferConsent(CentralModel, table=True):
    """A member's consent to offers on their phone (given in the member app; none recorded: no offers)."""

    __tablename__ = "offer_consent"

    member_id: str = Field(primary_key=True, max_length=128)
    consent: bool
    updated_at: float


class OfferRecord(CentralModel, table=True):
    """One offer presented to a member (sent to the app) or redeemed (an offered item bought)."""

    __tablename__ = "offer_record"
    __table_args__ = (UniqueConstraint("store_id", "event_id", name="uq_offer_record_event"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64)
    store_id: str = Field(max_length=64)
    offer_id: str = Field(index=True, max_length=32)
    member_id: str | None = Field(default=None, index=True, max_length=128)
    kind: str = Field(max_length=16, description="presented | redeemed")
    at: float = Field(index=True)


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=500)
    store_ids: list[str] | None = Field(default=None, min_length=1, description="None: every store")
    room_kinds: list[RoomKindName] | None = Field(default=None, min_length=1, description="None: any")
    gtins: list[str] | None = Field(default=None, min_length=1, description="The items it applies to")
    categories: list[Category] | None = Field(default=None, min_length=1, description="Or their categories")
    discount_pct: int | None = Field(default=None, ge=1, le=90)
    members_only: bool
    valid_from: dt.datetime
    valid_until: dt.datetime
    max_per_member_per_day: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _consistent(self) -> OfferIn:
        if self.gtins is not None and self.categories is not None:
            raise ValueError("give gtins or categories, not both")
        for gtin in self.gtins or ():
            if len(gtin) != 14 or not gtin.isdigit():
                raise ValueError(f"gtins: {gtin!r} is not a GTIN-14")
        if self.valid_from.tzinfo is None or self.valid_until.tzinfo is None:
            raise ValueError("valid_from and valid_until need a time zone (e.g. 2026-12-05T09:00:00Z)")
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class OfferOut(BaseModel):
    id: str
    title: str
    body: str
    store_ids: list[str] | None
    room_kinds: list[str] | None
    gtins: list[str] | None
    categories: list[str] | None
    discount_pct: int | None
    members_only: bool
    valid_from: float
    valid_until: float
    max_per_member_per_day: int


class OfferList(BaseModel):
    offers: list[OfferOut]


def offer_out(offer: Offer) -> OfferOut:
    return OfferOut.model_validate(offer, from_attributes=True)


def create_offer(session: Session, body: OfferIn, *, now: float) -> Offer:
    offer = Offer(
        id=uuid.uuid4().hex,
        title=body.title,
        body=body.body,
        store_ids=body.store_ids,
        room_kinds=list(body.room_kinds) if body.room_kinds else None,
        gtins=body.gtins,
        categories=[c.value for c in body.categories] if body.categories else None,
        discount_pct=body.discount_pct,
        members_only=body.members_only,
        valid_from=body.valid_from.timestamp(),
        valid_until=body.valid_until.timestamp(),
        max_per_member_per_day=body.max_per_member_per_day,
        created_at=now,
    )
    session.add(offer)
    return offer


def offers_for_store(session: Session, store_id: str, *, now: float) -> list[Offer]:
    """Offers for this store that have not ended (those still to come too: edges check the time)."""
    rows = session.exec(select(Offer).where(col(Offer.valid_until) > now).order_by(col(Offer.valid_from)))
    return [o for o in rows.all() if o.store_ids is None or store_id in o.store_ids]


def _consents(session: Session, member_id: str) -> bool:
    row = session.get(OfferConsent, member_id)
    return row is not None and row.consent


def _presented_today(session: Session, offer_id: str, member_id: str, now: float) -> int:
    since = now - now % DAY_S  # the UTC day
    return int(
        session.exec(
            select(func.count())
            .select_from(OfferRecord)
            .where(
                OfferRecord.offer_id == offer_id,
                OfferRecord.member_id == member_id,
                OfferRecord.kind == "presented",
                col(OfferRecord.at) >= since,
            )
        ).one()
    )


def _presented(session: Session, ev: WireEvent, offer: Offer, now: float) -> None:
    member = ev.member_id
    if member is None or not _consents(session, member):
        return  # no consent to offers: nothing is sent, nothing counted
    if not offer.valid_from <= ev.created_at < offer.valid_until:
        return
    if _presented_today(session, offer.id, member, ev.created_at) >= offer.max_per_member_per_day:
        return
    session.add(
        OfferRecord(
            event_id=ev.event_id,
            store_id=ev.store_id,
            offer_id=offer.id,
            member_id=member,
            kind="presented",
            at=ev.created_at,
        )
    )
    session.flush()  # the next event of the batch counts this one against the cap
    document: dict[str, Any] = {
        "type": "offer_presented",
        "id": ev.event_id,
        "member_id": member,
        "store_id": ev.store_id,
        "room_id": ev.payload.get("room_id"),
        "presented_at": ev.created_at,
        "offer": offer_out(offer).model_dump(mode="json"),
    }
    enqueue_webhook(session, target="app", key=ev.event_id, document=document, now=now)


def accept_offer_events(session: Session, events: list[WireEvent], now: float) -> None:
    """New ``offer_presented`` events (sent to the app within consent and the daily cap) and
    ``offer_redeemed`` events (recorded); the caller commits."""
    for ev in events:
        if ev.type not in ("offer_presented", "offer_redeemed"):
            continue
        offer_id = ev.payload.get("offer_id")
        offer = session.get(Offer, offer_id) if isinstance(offer_id, str) else None
        if offer is None:
            continue
        if ev.type == "offer_presented":
            _presented(session, ev, offer, now)
        else:
            session.add(
                OfferRecord(
                    event_id=ev.event_id,
                    store_id=ev.store_id,
                    offer_id=offer.id,
                    member_id=ev.member_id,
                    kind="redeemed",
                    at=ev.created_at,
                )
            )
