"""Reservation statuses reported by edges (``reservation_status`` outbox events) applied to the central
rows, so the chain's app can tell the shopper "your room is ready, fitting room 3"."""

from __future__ import annotations

from sqlmodel import Session

from cloud_sync.central.models import Reservation
from cloud_sync.wire import WireEvent

__all__ = ["RESERVATION_STATUS", "STATUSES", "apply_statuses"]

RESERVATION_STATUS = "reservation_status"
STATUSES = ("requested", "preparing", "ready", "arrived", "in_room", "done", "no_show", "cancelled")


def apply_statuses(session: Session, events: list[WireEvent], *, store_id: str) -> int:
    """Apply the batch's new ``reservation_status`` events in the order the edge made them; a reservation
    of another store, an unknown status or a cancelled reservation is left as it is. Returns how many
    changed; the caller commits."""
    changed = 0
    ordered = sorted((e for e in events if e.type == RESERVATION_STATUS), key=lambda e: e.created_at)
    for ev in ordered:
        rid, status, room = (
            ev.payload.get("reservation_id"),
            ev.payload.get("status"),
            ev.payload.get("room_id"),
        )
        if not isinstance(rid, str) or status not in STATUSES or not (room is None or isinstance(room, str)):
            continue
        row = session.get(Reservation, rid)
        if row is None or row.store_id != store_id or row.status == "cancelled":
            continue
        if ev.created_at < row.updated_at and row.status != "requested":
            continue  # an older report than the one applied
        row.status, row.room_id, row.updated_at = status, room, ev.created_at
        session.add(row)
        changed += 1
    return changed
