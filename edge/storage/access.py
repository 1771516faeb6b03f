"""Who may use the edge: associates (PIN hash), their sign-ins (token hash) and mirror devices (token
hash, bound to one room). Keyword-only functions over a SQLModel ``Session``; none commits.

Hashing is the caller's (``edge.credentials``); these functions only store and find hashes.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from edge.storage.models import Associate, AssociateSignIn, MirrorDevice

__all__ = [
    "add_mirror_device",
    "end_sign_in",
    "find_mirror_device",
    "find_sign_in",
    "get_associate",
    "list_devices",
    "record_sign_in",
    "revoke_device",
    "upsert_associate",
]


def upsert_associate(
    *, session: Session, associate_id: str, first_name: str, pin_hash: str, now: float
) -> Associate:
    """Create the associate, or give an existing one a new first name and PIN (re-activating them)."""
    row = session.get(Associate, associate_id)
    if row is None:
        row = Associate(id=associate_id, first_name=first_name, pin_hash=pin_hash, created_at=now)
    else:
        row.first_name = first_name
        row.pin_hash = pin_hash
        row.active = True
    session.add(row)
    return row


def get_associate(*, session: Session, associate_id: str) -> Associate | None:
    row = session.get(Associate, associate_id)
    return row if row is not None and row.active else None


def record_sign_in(
    *, session: Session, associate_id: str, token_hash: str, now: float, expires_at: float
) -> AssociateSignIn:
    row = AssociateSignIn(
        token_hash=token_hash, associate_id=associate_id, created_at=now, expires_at=expires_at
    )
    session.add(row)
    return row


def find_sign_in(*, session: Session, token_hash: str, now: float) -> Associate | None:
    """The active associate of a live sign-in (not expired, not signed out), else None."""
    row = session.get(AssociateSignIn, token_hash)
    if row is None or row.signed_out_at is not None or row.expires_at <= now:
        return None
    return get_associate(session=session, associate_id=row.associate_id)


def end_sign_in(*, session: Session, token_hash: str, now: float) -> None:
    row = session.get(AssociateSignIn, token_hash)
    if row is not None and row.signed_out_at is None:
        row.signed_out_at = now
        session.add(row)


def add_mirror_device(
    *, session: Session, room_id: str, token_hash: str, label: str, now: float
) -> MirrorDevice:
    row = MirrorDevice(room_id=room_id, token_hash=token_hash, label=label, created_at=now)
    session.add(row)
    return row


def find_mirror_device(*, session: Session, token_hash: str) -> MirrorDevice | None:
    """The device a token belongs to, unless it was revoked."""
    return session.exec(
        select(MirrorDevice).where(
            MirrorDevice.token_hash == token_hash, col(MirrorDevice.revoked_at).is_(None)
        )
    ).first()


def list_devices(*, session: Session) -> list[MirrorDevice]:
    """Every mirror and display device token ever issued, revoked ones too, oldest first."""
    return list(session.exec(select(MirrorDevice).order_by(col(MirrorDevice.id))).all())


def revoke_device(*, session: Session, device_id: int, now: float) -> MirrorDevice | None:
    """Revoke a device's token (its mirror or display stops working); None for an unknown id. Revoking
    twice keeps the first time."""
    row = session.get(MirrorDevice, device_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
    return row
