"""The shopper's email list: the sizes and colours tried on or asked for and not bought, sent to an address
given at the mirror with consent ("send me the rest"), and the member's erasure of those lists.

Keyword-only functions over a SQLModel ``Session``; none commits. Saving a list stages its ``email_opt_in``
outbox row in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from edge.storage.models import (
    DEVICE_LIST,
    ITEM_LIST,
    EmailList,
    FittingRoomSession,
    ItemDescription,
    Purchase,
    SessionItem,
    Task,
    TaskKind,
)
from edge.storage.outbox import add_outbox_event
from guests import GUEST_PREFIX, guest_member_id

__all__ = ["email_list_saved", "forget_member", "save_email_list", "unbought_gtins"]


def unbought_gtins(*, session: Session, session_id: str) -> list[str]:
    """Every GTIN tried on (in the order the items came in) or asked for (in the order asked) in the
    session and not bought in it; each once."""
    tried = session.exec(
        select(SessionItem.gtin)
        .where(SessionItem.session_id == session_id)
        .order_by(col(SessionItem.first_seen))
    ).all()
    asked = session.exec(
        select(Task.gtin)
        .where(Task.session_id == session_id, Task.kind == TaskKind.SIZE_REQUEST)
        .order_by(col(Task.created_at))
    ).all()
    bought = {
        line["gtin"]
        for purchase in session.exec(select(Purchase).where(Purchase.session_id == session_id)).all()
        for line in purchase.lines
    }
    return [g for g in dict.fromkeys([*tried, *asked]) if g and g not in bought]


def email_list_saved(
    *, session: Session, session_id: str, email: str, items: Sequence[ItemDescription]
) -> bool:
    """True when the session already holds this list for this address (compared case-insensitively)."""
    return any(
        earlier.email.lower() == email.lower() and earlier.listed == list(items)
        for earlier in session.exec(select(EmailList).where(EmailList.session_id == session_id)).all()
    )


def save_email_list(
    *,
    session: Session,
    store_id: str,
    room_id: str,
    session_id: str,
    email: str,
    lang: str,
    items: Sequence[ItemDescription],
    now: float,
    member_id: str | None,
) -> EmailList:
    """The shopper's list of unbought sizes and colours, consent given ``now``, with its outbox row."""
    row = EmailList(
        store_id=store_id,
        room_id=room_id,
        session_id=session_id,
        email=email,
        consent_at=now,
        created_at=now,
        lang=lang,
        items=ITEM_LIST.dump(list(items)),
        member_id=member_id,
    )
    session.add(row)
    session.flush()
    add_outbox_event(
        session=session,
        type="email_opt_in",
        store_id=store_id,
        now=now,
        member_id=member_id,
        payload={
            "list_id": row.id,
            "session_id": session_id,
            "room_id": room_id,
            "email": email,
            "consent": True,
            "consent_at": now,
            "lang": lang,
            "items": list(items),
        },
    )
    return row


def forget_member(*, session: Session, member_id: str) -> int:
    """Erasure: delete the member's email lists and unlink them from fitting-room sessions; returns the
    number of rows changed. A ``guest-`` id (an email-only shopper) also deletes the lists left without a
    member id whose address hashes to it. The outbox rows are cloud sync's to delete."""
    changed = 0
    for row in session.exec(select(EmailList).where(EmailList.member_id == member_id)).all():
        session.delete(row)
        changed += 1
    if member_id.startswith(GUEST_PREFIX):
        for row in session.exec(select(EmailList).where(col(EmailList.member_id).is_(None))).all():
            if guest_member_id(row.email) == member_id:
                session.delete(row)
                changed += 1
    for visit in session.exec(
        select(FittingRoomSession).where(FittingRoomSession.member_id == member_id)
    ).all():
        visit.member_id = None
        visit.shopper_devices = DEVICE_LIST.dump([])  # their phone's beacon codes point back at them too
        session.add(visit)
        changed += 1
    return changed
