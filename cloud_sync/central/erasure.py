"""Erasure ("right to be forgotten"): remove a member's profile centrally and publish it to every edge."""

from __future__ import annotations

import json

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select, update

from cloud_sync.central.dead_letters import forget_dead_letters
from cloud_sync.central.models import (
    Beacon,
    Erasure,
    FittingSessionRecord,
    FollowUpEmail,
    Profile,
    ProfilePurchase,
    Reservation,
    SyncEvent,
    UnboughtItem,
)
from cloud_sync.central.offers import OfferConsent, OfferRecord
from cloud_sync.central.sql import insert_for
from cloud_sync.central.webhooks import WebhookDelivery
from cloud_sync.wire import ErasurePage, ErasureRecord, guest_member_id

__all__ = ["checkpoint", "erase_email", "erase_member", "erasures_since"]


def erase_member(session: Session, *, member_id: str, now: float) -> None:
    """Delete everything held about ``member_id``, anonymise their events (kept for counts only), and
    append them to the erasure feed. Idempotent; the caller commits."""
    for table in (ProfilePurchase, FittingSessionRecord, UnboughtItem, Beacon, FollowUpEmail, Reservation):
        session.execute(delete(table).where(col(table.member_id) == member_id))
    session.execute(delete(Profile).where(col(Profile.member_id) == member_id))
    session.execute(delete(OfferConsent).where(col(OfferConsent.member_id) == member_id))
    session.execute(update(OfferRecord).where(col(OfferRecord.member_id) == member_id).values(member_id=None))
    # An offer not yet sent to an erased member's app is never sent (orders still ship: they were bought).
    session.execute(
        delete(WebhookDelivery).where(
            col(WebhookDelivery.target) == "app",
            col(WebhookDelivery.delivered_at).is_(None),
            col(WebhookDelivery.body).contains(f'"member_id":{json.dumps(member_id)}'),
        )
    )
    _redact_delivered(session, f'"member_id":{json.dumps(member_id)}')
    forget_dead_letters(session, member_id=member_id)
    session.execute(
        update(SyncEvent)
        .where(col(SyncEvent.member_id) == member_id)
        .values(member_id=None, payload={"erased": True})
    )
    session.execute(
        insert_for(session, Erasure)
        .values(member_id=member_id, erased_at=now)
        .on_conflict_do_nothing(index_elements=["member_id"])
    )


def erase_email(session: Session, *, email: str, now: float) -> list[str]:
    """Erase the shopper known by ``email``: the email-only guest filed under its hash, and any member
    whose profile holds that address (the same person). Returns the ids erased; the feed names only
    them, so the centre keeps the address's hash, never the address. Idempotent; the caller commits."""
    address = email.strip().lower()
    members = session.exec(select(Profile.member_id).where(func.lower(Profile.email) == address)).all()
    erased = sorted({guest_member_id(address), *members})
    for member_id in erased:
        erase_member(session, member_id=member_id, now=now)
    # A guest's ship-to-home order carries the address for its confirmation only: once erased, the stored
    # order events lose it, and so do webhook bodies already delivered.
    address_of = func.lower(SyncEvent.payload["confirmation_email"].as_string())
    session.execute(
        update(SyncEvent)
        .where(col(SyncEvent.type) == "order", address_of == address)
        .values(member_id=None, payload={"erased": True})
    )
    _redact_delivered(session, f'"confirmation_email":{json.dumps(address)}')
    forget_dead_letters(session, member_id=guest_member_id(address), fragment=json.dumps(address))
    return erased


def _redact_delivered(session: Session, fragment: str) -> None:
    """Webhook bodies already delivered are kept only as the record that (target, key) went out once; one
    naming an erased shopper keeps that record and loses its content. Queued ones still go out (an order
    bought must ship), and the receiver's own copy is the chain's to erase."""
    session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.delivered_at).is_not(None),
            func.lower(col(WebhookDelivery.body)).contains(fragment.lower()),
        )
        .values(body='{"erased":true}')
    )


def checkpoint(engine: Engine) -> None:
    """On SQLite, after an erasure: move the WAL (which still holds the rows as they were) into the
    database file and truncate it. PostgreSQL reclaims dead rows with its own VACUUM."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def erasures_since(session: Session, *, since: int, limit: int) -> ErasurePage:
    rows = session.exec(
        select(Erasure).where(col(Erasure.seq) > since).order_by(col(Erasure.seq)).limit(limit)
    ).all()
    return ErasurePage(
        erasures=[ErasureRecord(seq=r.seq or 0, member_id=r.member_id) for r in rows],
        cursor=(rows[-1].seq or since) if rows else since,
    )
