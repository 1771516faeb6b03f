"""Unified customer profiles: what each edge event teaches the profile, and the profile an edge reads.

Projection runs only for events stored for the first time (inside the ingest transaction), so a retried
batch never counts a purchase twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, delete, select

from cloud_sync.central.models import (
    CatalogSku,
    FittingSessionRecord,
    FollowUpEmail,
    Profile,
    ProfilePurchase,
    UnboughtItem,
)
from cloud_sync.central.sql import insert_for
from cloud_sync.wire import ProfileItem, ProfilePurchaseOut, ShopperProfile, WireEvent, guest_member_id

__all__ = [
    "Projection",
    "effective_member",
    "guest_member_id",
    "profile_view",
    "project_event",
    "referenced_gtins",
]

GTIN_LENGTH = 14
PURCHASE_WEIGHT = 3  # a purchase says more about taste and fit than a try-on or a request
FAVOURITES = 3


def _email(payload: dict[str, Any]) -> str | None:
    email = payload.get("email")
    if isinstance(email, str) and "@" in email and len(email) <= 320:
        return email.strip()
    return None


def _consented(payload: dict[str, Any]) -> bool:
    return payload.get("consent") is True


def effective_member(ev: WireEvent) -> str | None:
    """The profile an event belongs to: its member id, or for an email opt-in with consent, the guest id."""
    if ev.member_id:
        return ev.member_id
    if ev.type == "email_opt_in" and _consented(ev.payload):
        email = _email(ev.payload)
        if email:
            return guest_member_id(email)
    return None


def _is_gtin(value: Any) -> bool:
    return isinstance(value, str) and len(value) == GTIN_LENGTH and value.isdigit()


def _items(payload: dict[str, Any], *keys: str) -> list[dict[str, Any]]:
    """Items under the first present key: a list of objects with a ``gtin``, or of GTIN strings; else an
    ``item`` object (a size request's), else a bare ``gtin`` in the payload counts as one item. Entries
    without a valid GTIN-14 (a non-merchandise tag, a malformed record) are left out."""
    for key in keys:
        value = payload.get(key)
        if isinstance(value, list):
            out: list[dict[str, Any]] = []
            for item in value:
                if _is_gtin(item):
                    out.append({"gtin": item})
                elif isinstance(item, dict) and _is_gtin(item.get("gtin")):
                    out.append(item)
            return out
    item = payload.get("item")
    if isinstance(item, dict) and _is_gtin(item.get("gtin")):
        return [item]
    if _is_gtin(payload.get("gtin")):
        return [payload]
    return []


def _gtins(payload: dict[str, Any], key: str) -> set[str]:
    value = payload.get(key)
    return {i["gtin"] for i in _items({key: value}, key)} if isinstance(value, list) else set()


def _purchased(payload: dict[str, Any]) -> set[str]:
    """GTINs a session bought: ``purchased`` (GTINs), or the edge's ``purchases[].gtins``."""
    out = _gtins(payload, "purchased")
    for purchase in payload.get("purchases") or ():
        if isinstance(purchase, dict):
            gtins = purchase.get("gtins")
            out |= {g for g in gtins if _is_gtin(g)} if isinstance(gtins, list) else set()
    return out


def referenced_gtins(events: Iterable[WireEvent]) -> set[str]:
    """Every GTIN the events name, so ingest can look them all up in one query."""
    out: set[str] = set()
    for ev in events:
        for key in ("items", "tried", "unbought", "purchased"):
            out |= _gtins(ev.payload, key)
        out |= {i["gtin"] for i in _items(ev.payload, "items")}
    return out


def _describe(item: dict[str, Any], sku: CatalogSku | None) -> dict[str, Any]:
    """An item named from the catalog where the event did not name it itself. Whatever the event says
    is coerced to what the columns hold, so one odd record can never fail (and so block) a batch."""

    def text(key: str, fallback: str | None, limit: int) -> str | None:
        value = item.get(key)
        if isinstance(value, str) and value:
            return value[:limit]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)[:limit]
        return fallback

    price = item.get("price_cents")
    return {
        "gtin": item["gtin"],
        "style_id": text("style_id", sku.style_id if sku else None, 64),
        "name": text("name", sku.name if sku else None, 200),
        "size": text("size", sku.size if sku else None, 32),
        "colour": text("colour", sku.colour if sku else None, 64),
        "price_cents": price
        if isinstance(price, int) and not isinstance(price, bool) and 0 <= price < 2**31
        else (sku.price_cents if sku else None),
        "currency": text("currency", sku.currency if sku else None, 3),
        "category": sku.category if sku else text("category", None, 32),
        "brand": sku.brand if sku else text("brand", None, 120),
    }


@dataclass
class Projection:
    """What projecting one batch needs, loaded in a few queries up front instead of several per event."""

    skus: dict[str, CatalogSku]
    profiles: dict[str, Profile]
    unbought: set[tuple[str, str]]  # (member, gtin) already stored
    pending: dict[tuple[str, str], UnboughtItem] = field(default_factory=dict)  # added in this batch

    @classmethod
    def load(cls, session: Session, events: list[WireEvent], members: set[str], now: float) -> Projection:
        """Create missing profiles and lock all of the batch's (PostgreSQL ``FOR UPDATE``, in member
        order so two batches never deadlock): batches from two stores about the same shopper then apply
        one after the other instead of overwriting each other's counts."""
        gtins = referenced_gtins(events)
        skus = session.exec(select(CatalogSku).where(col(CatalogSku.gtin).in_(gtins))).all() if gtins else []
        ordered = sorted(members)
        session.connection().execute(
            insert_for(session, Profile.__table__).on_conflict_do_nothing(),  # type: ignore[attr-defined]
            [
                {
                    "member_id": m,
                    "size_counts": {},
                    "colour_counts": {},
                    "brand_counts": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for m in ordered
            ],
        )
        profiles = session.exec(
            select(Profile)
            .where(col(Profile.member_id).in_(ordered))
            .order_by(col(Profile.member_id))
            .with_for_update()
        ).all()
        unbought = session.execute(
            select(UnboughtItem.member_id, UnboughtItem.gtin).where(col(UnboughtItem.member_id).in_(members))
        ).all()
        return cls(
            skus={s.gtin: s for s in skus},
            profiles={p.member_id: p for p in profiles},
            unbought={(str(m), str(g)) for m, g in unbought},
        )


def _profile(session: Session, ctx: Projection, member_id: str, now: float) -> Profile:
    profile = ctx.profiles.get(member_id)
    if profile is None:
        profile = Profile(member_id=member_id, created_at=now, updated_at=now)
        session.add(profile)
        ctx.profiles[member_id] = profile
    return profile


def _learn(profile: Profile, item: dict[str, Any], weight: int) -> None:
    """Count size-per-category, colour and brand; JSON columns are reassigned so the change is flushed."""
    if item.get("category") and item.get("size"):
        sizes = {k: dict(v) for k, v in profile.size_counts.items()}
        per_cat = sizes.setdefault(str(item["category"]), {})
        per_cat[str(item["size"])] = per_cat.get(str(item["size"]), 0) + weight
        profile.size_counts = sizes
    if item.get("colour"):
        colours = dict(profile.colour_counts)
        colours[str(item["colour"])] = colours.get(str(item["colour"]), 0) + weight
        profile.colour_counts = colours
    if item.get("brand"):
        brands = dict(profile.brand_counts)
        brands[str(item["brand"])] = brands.get(str(item["brand"]), 0) + weight
        profile.brand_counts = brands


def _add_unbought(
    session: Session, ctx: Projection, member_id: str, item: dict[str, Any], store_id: str, now: float
) -> None:
    key = (member_id, item["gtin"])
    if key in ctx.unbought or key in ctx.pending:
        return
    row = UnboughtItem(
        member_id=member_id,
        gtin=item["gtin"],
        style_id=item["style_id"],
        name=item["name"],
        size=item["size"],
        colour=item["colour"],
        store_id=store_id,
        added_at=now,
    )
    session.add(row)
    ctx.pending[key] = row


def _remove_unbought(session: Session, ctx: Projection, member_id: str, gtins: list[str]) -> None:
    stored = [g for g in gtins if (member_id, g) in ctx.unbought]
    for gtin in gtins:
        row = ctx.pending.pop((member_id, gtin), None)
        if row is not None:
            session.expunge(row)
    if stored:
        session.execute(
            delete(UnboughtItem).where(
                col(UnboughtItem.member_id) == member_id, col(UnboughtItem.gtin).in_(stored)
            )
        )
        ctx.unbought.difference_update((member_id, g) for g in stored)


def _withdraw_order(session: Session, member_id: str, order_id: str) -> None:
    """A cancelled ship-to-home order is no purchase (its event id is the order id). What it taught the
    profile's taste stays: the shopper did choose it."""
    for row in list(session.new):
        if isinstance(row, ProfilePurchase) and (row.member_id, row.event_id) == (member_id, order_id):
            session.expunge(row)  # the order came in this batch
    session.execute(
        delete(ProfilePurchase).where(
            col(ProfilePurchase.member_id) == member_id, col(ProfilePurchase.event_id) == order_id
        )
    )


def project_event(session: Session, ev: WireEvent, member_id: str, ctx: Projection, now: float) -> None:
    """Apply one newly stored event to ``member_id``'s profile (creating it if needed). Run with the
    session's autoflush off: ``ctx`` tracks what this batch added."""
    p = ev.payload
    skus = ctx.skus
    profile = _profile(session, ctx, member_id, now)
    profile.updated_at = now
    named = [_describe(i, skus.get(i["gtin"])) for i in _items(p, "items")]
    if ev.type in ("purchase", "order"):  # an order: channel endless_aisle, shipped home
        for item in named:
            session.add(
                ProfilePurchase(
                    member_id=member_id,
                    event_id=ev.event_id,
                    channel=str(p.get("channel") or "store")[:32],
                    store_id=ev.store_id,
                    gtin=item["gtin"],
                    style_id=item["style_id"],
                    name=item["name"],
                    size=item["size"],
                    colour=item["colour"],
                    price_cents=item["price_cents"],
                    currency=item["currency"],
                    purchased_at=ev.created_at,
                )
            )
            _learn(profile, item, PURCHASE_WEIGHT)
        _remove_unbought(session, ctx, member_id, [i["gtin"] for i in named])
    elif ev.type == "session_ended":
        tried = [_describe(i, skus.get(i["gtin"])) for i in _items(p, "items", "tried")]
        purchased = _purchased(p)
        room = p.get("room_id") or p.get("room")
        session.add(
            FittingSessionRecord(
                member_id=member_id,
                event_id=ev.event_id,
                store_id=ev.store_id,
                room=str(room)[:64] if room else None,
                started_at=p.get("started_at") if isinstance(p.get("started_at"), int | float) else None,
                ended_at=p.get("ended_at") if isinstance(p.get("ended_at"), int | float) else ev.created_at,
                tried=[i["gtin"] for i in tried],
                purchased=sorted(purchased),
            )
        )
        for item in tried:
            _learn(profile, item, 1)
            if item["gtin"] not in purchased:
                _add_unbought(session, ctx, member_id, item, ev.store_id, now)
    elif ev.type == "size_request":
        for item in named:
            _learn(profile, item, 1)
    elif ev.type == "order_cancelled" and isinstance(p.get("order_id"), str):
        _withdraw_order(session, member_id, p["order_id"])
    elif ev.type == "email_opt_in" and _consented(p):
        email = _email(p)
        if email:
            profile.email = email
            profile.email_consent_at = ev.created_at
        language = p.get("lang") or p.get("language")
        if isinstance(language, str):
            profile.language = language[:16]
        unbought = [_describe(i, skus.get(i["gtin"])) for i in _items(p, "unbought", "items")]
        for item in unbought:
            _add_unbought(session, ctx, member_id, item, ev.store_id, now)
        if email and unbought:
            session.add(
                FollowUpEmail(
                    event_id=ev.event_id,
                    member_id=member_id,
                    store_id=ev.store_id,
                    language=profile.language,
                    items=unbought,
                    created_at=now,
                )
            )


def _top(counts: dict[str, int], n: int) -> list[str]:
    return [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def profile_view(session: Session, profile: Profile, *, purchases: int = 20) -> ShopperProfile:
    """The profile as an edge sees it: preferences derived from the counts, newest purchases first."""
    bought = session.exec(
        select(ProfilePurchase)
        .where(ProfilePurchase.member_id == profile.member_id)
        .order_by(col(ProfilePurchase.purchased_at).desc())
        .limit(purchases)
    ).all()
    unbought = session.exec(
        select(UnboughtItem)
        .where(UnboughtItem.member_id == profile.member_id)
        .order_by(col(UnboughtItem.added_at).desc())
    ).all()
    sessions = session.exec(
        select(FittingSessionRecord.id).where(FittingSessionRecord.member_id == profile.member_id)
    ).all()
    return ShopperProfile(
        member_id=profile.member_id,
        first_name=profile.first_name,
        language=profile.language,
        preferred_sizes={cat: _top(sizes, 1)[0] for cat, sizes in profile.size_counts.items() if sizes},
        favourite_colours=_top(profile.colour_counts, FAVOURITES),
        favourite_brands=_top(profile.brand_counts, FAVOURITES),
        purchases=[
            ProfilePurchaseOut(
                gtin=b.gtin,
                style_id=b.style_id,
                name=b.name,
                size=b.size,
                colour=b.colour,
                channel=b.channel,
                store_id=b.store_id,
                price_cents=b.price_cents,
                purchased_at=b.purchased_at,
            )
            for b in bought
        ],
        sessions=len(sessions),
        unbought=[
            ProfileItem(gtin=u.gtin, style_id=u.style_id, name=u.name, size=u.size, colour=u.colour)
            for u in unbought
        ],
        has_email_consent=profile.email is not None,
    )
