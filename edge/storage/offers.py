"""The offers pulled from the central store (kept so a restart without the centre still has them) and
what happened to them in this store: ``presented`` (shown on a room's mirror in a session) and
``redeemed`` (an offered item bought in that session), for analytics. Redemptions go to the central
store through the outbox (``offer_redeemed``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import UniqueConstraint, delete
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, select

from edge.offers import Offer, applies_to_item
from edge.storage.outbox import add_outbox_event

__all__ = [
    "OfferEvent",
    "StoreOffer",
    "load_offers",
    "offers_presented_in",
    "record_presented",
    "record_redemptions",
    "replace_offers",
]


class StoreOffer(SQLModel, table=True):
    __tablename__ = "store_offer"

    id: str = Field(primary_key=True, max_length=32)
    document: str = Field(description="The offer as the central store sent it (JSON)")
    valid_until: float
    pulled_at: float


class OfferEvent(SQLModel, table=True):
    """An offer presented on a mirror in a session, or redeemed in it (one row per offer, kind, GTIN)."""

    __tablename__ = "offer_event"
    __table_args__ = (UniqueConstraint("session_id", "offer_id", "kind", "gtin"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: str = Field(max_length=64)
    room_id: str = Field(max_length=64)
    session_id: str = Field(foreign_key="fitting_room_session.id", index=True, max_length=32)
    offer_id: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=16, description="presented | redeemed")
    gtin: str = Field(default="", max_length=14, description="The item redeemed ('' when presented)")
    at: float


def replace_offers(*, session: Session, offers: Sequence[Offer], now: float) -> None:
    session.execute(delete(StoreOffer))
    for offer in offers:
        session.add(
            StoreOffer(
                id=offer.id, document=offer.model_dump_json(), valid_until=offer.valid_until, pulled_at=now
            )
        )


def load_offers(*, session: Session, now: float) -> list[Offer]:
    rows = session.exec(select(StoreOffer).where(StoreOffer.valid_until > now)).all()
    return [Offer.model_validate_json(r.document) for r in rows]


def record_presented(
    *, session: Session, store_id: str, room_id: str, session_id: str, offer_id: str, now: float
) -> None:
    """The mirror showed ``offer_id`` in this session (recorded once, even when two requests for the
    room's view race: the insert itself skips a row the unique constraint already holds)."""
    session.execute(
        sqlite_insert(OfferEvent)
        .values(
            store_id=store_id,
            room_id=room_id,
            session_id=session_id,
            offer_id=offer_id,
            kind="presented",
            gtin="",
            at=now,
        )
        .on_conflict_do_nothing(index_elements=["session_id", "offer_id", "kind", "gtin"])
    )


def offers_presented_in(*, session: Session, session_id: str) -> set[str]:
    return set(
        session.exec(
            select(OfferEvent.offer_id).where(
                OfferEvent.session_id == session_id, OfferEvent.kind == "presented"
            )
        ).all()
    )


def record_redemptions(
    *,
    session: Session,
    store_id: str,
    room_id: str,
    session_id: str,
    bought: Sequence[tuple[str, str | None]],
    member_id: str | None,
    now: float,
) -> int:
    """Items bought (gtin, category) that an offer presented in this session applies to: redemptions,
    each recorded and staged for the central store. Returns how many."""
    presented = offers_presented_in(session=session, session_id=session_id)
    if not presented:
        return 0
    offers = [o for o in load_offers(session=session, now=now - 86400.0) if o.id in presented]
    count = 0
    for offer in offers:
        for gtin, category in bought:
            if not applies_to_item(offer, gtin, category) or _redeemed(session, session_id, offer.id, gtin):
                continue
            session.add(
                OfferEvent(
                    store_id=store_id,
                    room_id=room_id,
                    session_id=session_id,
                    offer_id=offer.id,
                    kind="redeemed",
                    gtin=gtin,
                    at=now,
                )
            )
            add_outbox_event(
                session=session,
                type="offer_redeemed",
                store_id=store_id,
                now=now,
                member_id=member_id,
                payload={"offer_id": offer.id, "session_id": session_id, "room_id": room_id, "gtin": gtin},
            )
            count += 1
    return count


def _redeemed(session: Session, session_id: str, offer_id: str, gtin: str) -> bool:
    found = session.exec(
        select(OfferEvent.id).where(
            OfferEvent.session_id == session_id,
            OfferEvent.offer_id == offer_id,
            OfferEvent.kind == "redeemed",
            OfferEvent.gtin == gtin,
        )
    ).first()
    return found is not None
