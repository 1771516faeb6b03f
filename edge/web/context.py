"""What the mirror and associate routes share (``RoomsContext``, on ``app.state.rooms``) and the views
they build from it: the mirror's ``RoomView`` and the console's ``TaskPublic``.

View builders read the database: call them off the event loop (``run_in_threadpool``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from fastapi import Request, WebSocket
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog.languages import language_of
from edge import clock
from edge.catalog.model import Catalog
from edge.catalog.source import CatalogSource
from edge.errors import NotFound
from edge.fitting_rooms.manager import SessionManager
from edge.fitting_rooms.metrics import RoomMetrics
from edge.layout import Layout, RoomKind
from edge.offers import banner_for
from edge.payments import CheckoutProvider, PaymentProvider
from edge.ports import ProfileLookup
from edge.presence.snapshot import RoomPresence
from edge.reservations.desk import ReservationDesk
from edge.storage.fitting_rooms import describe_gtin
from edge.storage.models import Associate, Task, TaskKind, TaskStatus
from edge.storage.offers import load_offers, record_presented
from edge.storage.replies import last_replies
from edge.storage.tasks import purchases_of_session, requests_of_session
from edge.suggest import ShopperProfile, Suggester, variants_of
from edge.web.auth import SignInThrottle
from edge.web.reply_views import session_replies
from edge.web.schemas import (
    ItemCard,
    OfferBanner,
    PurchaseItem,
    PurchasePublic,
    ReplyPublic,
    RequestPublic,
    ReservedItem,
    ReservedRoom,
    RoomInfo,
    RoomView,
    SessionInfo,
    ShopperInfo,
    SuggestionPublic,
    TaskPublic,
    VariantPublic,
)

__all__ = [
    "RoomsContext",
    "build_room_view",
    "image_path",
    "request_context",
    "rooms_context",
    "task_public",
    "tasks_view",
]

SUGGESTIONS = 6


@dataclass
class RoomsContext:
    layout: Layout
    db: Engine
    catalog: CatalogSource
    manager: SessionManager
    profiles: ProfileLookup
    payments: PaymentProvider
    presence: Callable[[], Mapping[str, RoomPresence]]  # read on the event loop thread only
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    metrics: RoomMetrics | None = None
    reservations: ReservationDesk | None = None
    checkout: CheckoutProvider | None = None  # ship-to-home payment; None: at the bag desk
    _suggester: Suggester | None = None

    @property
    def store_id(self) -> str:
        return self.layout.store.id

    def suggester(self) -> Suggester:
        """The suggester of the current catalog (rebuilt when the catalog is replaced)."""
        catalog = self.catalog.current()
        suggester = self._suggester
        if suggester is None or suggester.catalog is not catalog:
            suggester = Suggester(catalog)
            self._suggester = suggester
        return suggester

    def count_action(self, action: str) -> None:
        if self.metrics is not None:
            self.metrics.mirror_actions.labels(action=action).inc()

    def fitting_room(self, room_id: str) -> RoomInfo:
        """The room; NotFound for anything that is not a fitting room of this store."""
        room = self.layout.room(room_id)
        if room is None or room.kind is not RoomKind.FITTING_ROOM or not self.manager.has_room(room_id):
            raise NotFound(f"no fitting room {room_id!r} in this store")
        return RoomInfo(id=room.id, name=room.name)

    def profile_of(self, devices: tuple[str, ...]) -> ShopperProfile | None:
        for device in devices:
            profile = self.profiles.profile_for_device(device)
            if profile is not None:
                return profile
        return None


def rooms_context(conn: Request | WebSocket) -> RoomsContext:
    return cast(RoomsContext, conn.app.state.rooms)


def request_context(request: Request) -> RoomsContext:
    """The context as a FastAPI dependency of HTTP routes."""
    return rooms_context(request)


def image_path(style_id: str, colour_hex: str) -> str:
    """The item's picture in its colour, drawn by the edge (``edge.web.media``)."""
    return f"/media/{style_id}/{colour_hex.lstrip('#').lower()}.svg"


def build_room_view(ctx: RoomsContext, room_id: str, lang: str = "en") -> RoomView:
    """Everything the mirror shows, catalog names and descriptions in ``lang`` where the catalog has
    them; reads the database (call off the event loop)."""
    room = ctx.fitting_room(room_id)
    snap = ctx.manager.snapshot(room_id)
    catalog = ctx.catalog.current().in_language(lang)
    profile = ctx.profile_of(snap.shopper_devices)
    in_room = {gtin for _, gtin, _ in snap.items if gtin}
    items = [
        _item_card(catalog, epc, gtin, in_room, epc in snap.purchased_epcs) for epc, gtin, _ in snap.items
    ]
    requests: list[RequestPublic] = []
    purchases: list[PurchasePublic] = []
    replies: list[ReplyPublic] = []
    if snap.session_id is not None:
        with Session(ctx.db) as db:
            names = _first_names(db)
            replies = session_replies(db, snap.session_id, names)
            for task in requests_of_session(session=db, session_id=snap.session_id):
                detail = task.details
                requests.append(
                    RequestPublic(
                        id=_id(task.id),
                        gtin=task.gtin or "",
                        size=detail.get("size"),
                        **_named(catalog, task.gtin, detail),
                        status=task.status,
                        associate_first_name=names.get(task.claimed_by or ""),
                        created_at=task.created_at,
                    )
                )
            for purchase, bag in purchases_of_session(session=db, session_id=snap.session_id):
                purchases.append(
                    PurchasePublic(
                        id=_id(purchase.id),
                        items=[
                            PurchaseItem.model_validate({**line, **_named(catalog, line.get("gtin"), line)})
                            for line in purchase.lines
                        ],
                        total_cents=purchase.total_cents,
                        currency=purchase.currency,
                        payment=purchase.payment,
                        status="bagged" if bag is not None and bag.status == TaskStatus.DONE else "to_bag",
                        created_at=purchase.created_at,
                    )
                )
    suggestions = [
        SuggestionPublic(
            style_id=s.style.id,
            brand=s.style.brand,
            category=s.style.category.value,
            price_cents=s.style.price_cents,
            currency=s.style.currency,
            image=image_path(s.style.id, s.sku.colour_hex),
            gtin=s.sku.gtin,
            size=s.sku.size,
            colour_hex=s.sku.colour_hex,
            reason=s.reason.value,
            **_named(catalog, s.sku.gtin, {"name": s.style.name, "colour": s.sku.colour}),
        )
        for s in ctx.suggester().complete_the_look(in_room, profile=profile, limit=SUGGESTIONS)
    ]
    offer = _offer_banner(ctx, room_id, snap.session_id, items, member_known=profile is not None)
    return RoomView(
        room=room,
        covered=snap.covered,
        session=SessionInfo(id=snap.session_id, started_at=snap.started_at or 0.0)
        if snap.session_id
        else None,
        items=items,
        requests=requests,
        purchases=purchases,
        suggestions=suggestions,
        shopper=ShopperInfo(
            first_name=profile.first_name,
            preferred_sizes=dict(profile.preferred_sizes),
            language=language_of(profile.language),
        )
        if profile is not None
        else None,
        offer=offer,
        reservation=_reserved(ctx, catalog, room_id, {gtin for _epc, gtin, _t in snap.items if gtin}),
        replies=replies,
        ship_payment="bag_desk" if ctx.checkout is None else "hosted_checkout",
    )


def _named(catalog: Catalog, gtin: str | None, recorded: Mapping[str, Any]) -> dict[str, Any]:
    """The name and colour of ``gtin`` in the catalog's language (``recorded``'s, as the task or purchase
    wrote them, for a GTIN the catalog no longer has)."""
    found = catalog.by_gtin.get(gtin) if gtin else None
    if found is None:
        return {"name": recorded.get("name"), "colour": recorded.get("colour")}
    return {"name": found[0].name, "colour": found[1].colour}


def _reserved(ctx: RoomsContext, catalog: Catalog, room_id: str, here: set[str]) -> ReservedRoom | None:
    """The reservation holding the room, each garment marked when sensed here; first name only."""
    held = ctx.reservations.held_room(room_id) if ctx.reservations is not None else None
    if held is None:
        return None
    items = []
    for gtin in held.gtins:
        desc = describe_gtin(catalog, gtin)
        items.append(
            ReservedItem(
                gtin=gtin, name=desc["name"], size=desc["size"], colour=desc["colour"], in_room=gtin in here
            )
        )
    return ReservedRoom(first_name=held.member_first_name, status=held.status, items=items)


def _offer_banner(
    ctx: RoomsContext, room_id: str, session_id: str | None, items: list[ItemCard], *, member_known: bool
) -> OfferBanner | None:
    """The one offer for the items in the room (recorded as presented in the session), or None."""
    if session_id is None or not items:
        return None
    now = clock.now()
    with Session(ctx.db) as db:
        offer = banner_for(
            load_offers(session=db, now=now),
            store_id=ctx.store_id,
            room_kind="fitting_room",
            items=[(i.gtin, i.category) for i in items],
            member_known=member_known,
            now=now,
        )
        if offer is None:
            return None
        record_presented(
            session=db,
            store_id=ctx.store_id,
            room_id=room_id,
            session_id=session_id,
            offer_id=offer.id,
            now=now,
        )
        db.commit()
    return OfferBanner.model_validate(offer.model_dump())


WAITED_FOR = frozenset({TaskKind.SIZE_REQUEST, TaskKind.HELP})  # a shopper waits in the room for these


def task_public(
    task: Task,
    *,
    room_names: Mapping[str, str],
    first_names: Mapping[str, str],
    now: float,
    target_s: float | None = None,
    last_reply: str | None = None,
) -> TaskPublic:
    def since_created(t: float | None) -> float | None:
        return round(t - task.created_at, 3) if t is not None else None

    target = target_s if task.kind in WAITED_FOR else None
    waited = (task.claimed_at if task.claimed_at is not None else now) - task.created_at

    return TaskPublic(
        id=_id(task.id),
        kind=task.kind,
        room_id=task.room_id,
        room_name=room_names.get(task.room_id, task.room_id),
        created_at=task.created_at,
        age_s=round(max(0.0, now - task.created_at), 1),
        status=task.status,
        claimed_by=first_names.get(task.claimed_by or ""),
        claim_s=since_created(task.claimed_at),
        complete_s=since_created(task.completed_at),
        target_s=target,
        over_target=target is not None and waited > target,
        detail=task.details,
        last_reply=last_reply,
    )


def tasks_view(ctx: RoomsContext, db: Session, tasks: list[Task]) -> list[TaskPublic]:
    room_names = {r.id: r.name for r in ctx.layout.rooms}
    first_names = _first_names(db)
    now = clock.now()
    target = ctx.layout.store.request_target_s
    replied = last_replies(session=db, task_ids=[t.id for t in tasks if t.id is not None])
    return [
        task_public(
            t,
            room_names=room_names,
            first_names=first_names,
            now=now,
            target_s=target,
            last_reply=replied[t.id].text if t.id in replied else None,
        )
        for t in tasks
    ]


# -- internals --------------------------------------------------------------------------------------


def _id(value: int | None) -> int:
    if value is None:  # rows read back from the database always have their id
        raise RuntimeError("row without id")
    return value


def _first_names(db: Session) -> dict[str, str]:
    return {
        a.id: a.first_name for a in db.exec(select(Associate).where(col(Associate.id).is_not(None))).all()
    }


def _item_card(catalog: Catalog, epc: str, gtin: str | None, in_room: set[str], purchased: bool) -> ItemCard:
    found = catalog.by_gtin.get(gtin) if gtin else None
    if found is None:
        return ItemCard(epc=epc, gtin=gtin, known=False, purchased=purchased)
    style, sku = found
    return ItemCard(
        epc=epc,
        gtin=gtin,
        known=True,
        style_id=style.id,
        name=style.name,
        brand=style.brand,
        category=style.category.value,
        description=style.description,
        price_cents=style.price_cents,
        currency=style.currency,
        image=image_path(style.id, sku.colour_hex),
        size=sku.size,
        colour=sku.colour,
        colour_hex=sku.colour_hex,
        purchased=purchased,
        variants=[
            VariantPublic(
                gtin=v.gtin,
                size=v.size,
                colour=v.colour,
                colour_hex=v.colour_hex,
                availability=v.availability.value,
                in_room=v.in_room,
            )
            for v in variants_of(catalog, sku.gtin, in_room=in_room)
        ],
    )
