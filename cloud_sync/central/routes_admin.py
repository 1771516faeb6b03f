"""The chain's own operations, behind ``FITROOM_CENTRAL_ADMIN_TOKEN``: stats, erasure, catalog and stock
feeds, and profile enrolment (the loyalty app issuing a shopper's iBeacon code)."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import func
from sqlmodel import col, delete, select

from catalog.model import Style
from cloud_sync.central.catalog import upsert_online_stock, upsert_store_stock, upsert_styles
from cloud_sync.central.counts import EventCount
from cloud_sync.central.dead_letters import CentralDeadLetter
from cloud_sync.central.deps import AdminDep, SessionDep, SettingsDep
from cloud_sync.central.erasure import checkpoint, erase_email, erase_member
from cloud_sync.central.ingest import ingest_batch
from cloud_sync.central.models import Beacon, Erasure, Profile, Store
from cloud_sync.central.profiles import profile_view
from cloud_sync.central.stores import StoreExists, create_store
from cloud_sync.wire import IngestAck, ShopperProfile
from guests import looks_like_email

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["admin"])
ONLINE_CHANNEL = "online"  # the web shop: a channel, filed like a store of its own in the event log
# A stated preference weighs like a couple of purchases; what the shopper then does refines it. Applied as a
# floor, not added, so enrolling the same member twice changes nothing.
STATED = 5
MemberId = Annotated[str, Path(min_length=1, max_length=128)]


class Stats(BaseModel):
    stores: int
    profiles: int
    events: dict[str, int] = Field(description="events stored, per type (kept as counters at ingest)")
    dead_letters: int = Field(
        default=0, description="events that could not be stored (/v1/admin/dead-letters)"
    )


class DeadLetterOut(BaseModel):
    id: int
    store_id: str
    event_id: str | None
    type: str | None
    reason: str
    received_at: float


class Changed(BaseModel):
    changed: int = Field(description="Rows inserted or replaced")


class OnlineIn(BaseModel):
    gtin: str = Field(pattern=r"^\d{14}$")
    online: int = Field(ge=0)


class CatalogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    styles: list[Style] = Field(default_factory=list)
    co_purchases: list[tuple[str, str, int]] = Field(default_factory=list)
    online: list[OnlineIn] = Field(default_factory=list)


class StoreStockIn(BaseModel):
    gtin: str = Field(pattern=r"^\d{14}$")
    floor: int = Field(default=0, ge=0)
    stockroom: int = Field(default=0, ge=0)


class StockIn(BaseModel):
    stock: list[StoreStockIn]


class BeaconIn(BaseModel):
    uuid: str
    major: int = Field(ge=0, le=65535)
    minor: int = Field(ge=0, le=65535)

    @field_validator("uuid")
    @classmethod
    def _canonical(cls, value: str) -> str:
        return str(uuid.UUID(value))


class ProfileIn(BaseModel):
    """Enrolment from the loyalty programme. ``email`` is stored only with ``email_consent``. Fields left
    out keep their stored value; stated preferences are floors, so the same enrolment twice changes
    nothing."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, max_length=64, description="how the store may greet them")
    email: str | None = Field(default=None, max_length=320)
    email_consent: bool = False
    language: str | None = Field(default=None, max_length=16)
    preferred_sizes: dict[str, str] = Field(default_factory=dict, description="category -> size")
    favourite_colours: list[str] = Field(default_factory=list)
    favourite_brands: list[str] = Field(default_factory=list)
    beacons: list[BeaconIn] = Field(default_factory=list, description="when given, replaces their codes")


class StoreIn(BaseModel):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)


class StoreKeyOut(BaseModel):
    id: str
    key: str = Field(description="shown once; only its hash is stored")


@router.get("/admin/stats", response_model=Stats)
def stats(_admin: AdminDep, session: SessionDep) -> Stats:
    """Counts of what is stored (events from the counters kept at ingest, not a scan of every event)."""
    by_type = session.execute(select(EventCount.type, func.sum(EventCount.n)).group_by(EventCount.type)).all()
    return Stats(
        stores=session.execute(select(func.count()).select_from(Store)).scalar_one(),
        profiles=session.execute(select(func.count()).select_from(Profile)).scalar_one(),
        events={str(t): int(n) for t, n in by_type},
        dead_letters=session.execute(select(func.count()).select_from(CentralDeadLetter)).scalar_one(),
    )


@router.get("/admin/dead-letters", response_model=list[DeadLetterOut])
def dead_letters(
    _admin: AdminDep, session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[DeadLetterOut]:
    """The newest events the central store could not store, with the reason (their content is not shown:
    it may name a shopper)."""
    rows = session.exec(
        select(CentralDeadLetter).order_by(col(CentralDeadLetter.id).desc()).limit(limit)
    ).all()
    return [DeadLetterOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/admin/stores", response_model=StoreKeyOut, status_code=status.HTTP_201_CREATED)
def add_store(body: StoreIn, _admin: AdminDep, session: SessionDep) -> StoreKeyOut:
    try:
        key = create_store(session, store_id=body.id, name=body.name, now=time.time())
    except StoreExists:
        raise HTTPException(status.HTTP_409_CONFLICT, f"store {body.id!r} already exists") from None
    session.commit()
    return StoreKeyOut(id=body.id, key=key)


@router.put("/admin/catalog", response_model=Changed)
def put_catalog(body: CatalogIn, _admin: AdminDep, session: SessionDep) -> Changed:
    """Insert or replace styles, co-purchase counts and online stock; edges pull the changes."""
    changed = upsert_styles(session, body.styles, body.co_purchases)
    changed += upsert_online_stock(session, [(o.gtin, o.online) for o in body.online])
    session.commit()
    return Changed(changed=changed)


@router.put("/admin/stores/{store_id}/stock", response_model=Changed)
def put_store_stock(store_id: str, body: StockIn, _admin: AdminDep, session: SessionDep) -> Changed:
    if session.get(Store, store_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no store {store_id!r}")
    changed = upsert_store_stock(session, store_id, [(s.gtin, s.floor, s.stockroom) for s in body.stock])
    session.commit()
    return Changed(changed=changed)


@router.put("/admin/profiles/{member_id}", response_model=ShopperProfile)
def put_profile(
    member_id: MemberId, body: ProfileIn, _admin: AdminDep, session: SessionDep
) -> ShopperProfile:
    if session.exec(select(Erasure).where(Erasure.member_id == member_id)).first() is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "this member was erased")
    now = time.time()
    profile = session.get(Profile, member_id) or Profile(member_id=member_id, created_at=now, updated_at=now)
    profile.updated_at = now
    given = body.model_fields_set  # fields left out keep their value (e.g. an email given at a mirror)
    if given & {"email", "email_consent"}:
        profile.email = body.email if body.email_consent else None
        profile.email_consent_at = now if body.email_consent and body.email else None
    if "language" in given:
        profile.language = body.language
    if "first_name" in given:
        profile.first_name = body.first_name
    sizes = {k: dict(v) for k, v in profile.size_counts.items()}
    for category, size in body.preferred_sizes.items():
        sizes.setdefault(category, {})[size] = max(sizes.get(category, {}).get(size, 0), STATED)
    profile.size_counts = sizes
    colours, brands = profile.colour_counts, profile.brand_counts
    profile.colour_counts = {**colours, **{c: max(colours.get(c, 0), STATED) for c in body.favourite_colours}}
    profile.brand_counts = {**brands, **{b: max(brands.get(b, 0), STATED) for b in body.favourite_brands}}
    session.add(profile)
    if "beacons" in given:
        session.execute(delete(Beacon).where(col(Beacon.member_id) == member_id))
    for b in body.beacons:
        session.execute(
            delete(Beacon).where(
                col(Beacon.uuid) == b.uuid, col(Beacon.major) == b.major, col(Beacon.minor) == b.minor
            )
        )
        session.add(Beacon(uuid=b.uuid, major=b.major, minor=b.minor, member_id=member_id, issued_at=now))
    session.commit()
    return profile_view(session, profile)


@router.get("/admin/profiles/{member_id}", response_model=ShopperProfile)
def get_profile(member_id: MemberId, _admin: AdminDep, session: SessionDep) -> ShopperProfile:
    profile = session.get(Profile, member_id)
    if profile is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such profile")
    return profile_view(session, profile)


@router.delete("/profiles/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_profile(member_id: MemberId, _admin: AdminDep, session: SessionDep, request: Request) -> Response:
    """Erase the member centrally and publish the erasure to every edge (idempotent)."""
    erase_member(session, member_id=member_id, now=time.time())
    session.commit()
    checkpoint(request.app.state.engine)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class ErasureIn(BaseModel):
    """Who to forget: a loyalty ``member_id``, or the ``email`` of a shopper known by that address (an
    email-only guest, and any member whose profile holds it). Exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    member_id: str | None = Field(default=None, min_length=1, max_length=128)
    email: str | None = Field(default=None, max_length=320)

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is not None and not looks_like_email(value.strip()):
            raise ValueError("that does not look like an email address")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ErasureIn:
        if (self.member_id is None) == (self.email is None):
            raise ValueError("give exactly one of member_id and email")
        return self


class ErasureAccepted(BaseModel):
    erased: int = Field(description="how many shopper ids the request erased (each published to every edge)")


@router.post("/erasures", response_model=ErasureAccepted, status_code=status.HTTP_202_ACCEPTED)
def post_erasure(body: ErasureIn, _admin: AdminDep, session: SessionDep, request: Request) -> ErasureAccepted:
    """Erase a shopper centrally now and publish it to every edge, which applies it on its next poll of
    the erasure feed (hence 202). Idempotent. The address itself is never stored: the feed names the
    guest by its hash."""
    now = time.time()
    if body.email is not None:
        erased = len(erase_email(session, email=body.email, now=now))
    else:
        erase_member(session, member_id=str(body.member_id), now=now)
        erased = 1
    session.commit()
    checkpoint(request.app.state.engine)
    return ErasureAccepted(erased=erased)


class BeaconCodeIn(BaseModel):
    major: int = Field(ge=0, le=65535, description="the store group the member's app advertises in")


@router.post(
    "/admin/profiles/{member_id}/beacon-code", response_model=BeaconIn, status_code=status.HTTP_201_CREATED
)
def issue_beacon_code(
    member_id: MemberId, body: BeaconCodeIn, _admin: AdminDep, session: SessionDep, settings: SettingsDep
) -> BeaconIn:
    """Issue the member's app a new iBeacon code (rotation: it replaces their codes under the app UUID).
    The minor is random and unused in that major, so a code says nothing about who carries it."""
    if session.get(Profile, member_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such profile")
    app_uuid = str(uuid.UUID(settings.app_uuid))
    taken = set(
        session.exec(select(Beacon.minor).where(Beacon.uuid == app_uuid, Beacon.major == body.major)).all()
    )
    if len(taken) >= 65535:
        raise HTTPException(status.HTTP_409_CONFLICT, f"no free code left in major {body.major}")
    minor = secrets.randbelow(65535) + 1
    while minor in taken:
        minor = secrets.randbelow(65535) + 1
    session.execute(delete(Beacon).where(col(Beacon.member_id) == member_id, col(Beacon.uuid) == app_uuid))
    session.add(
        Beacon(uuid=app_uuid, major=body.major, minor=minor, member_id=member_id, issued_at=time.time())
    )
    session.commit()
    return BeaconIn(uuid=app_uuid, major=body.major, minor=minor)


class OnlineLine(BaseModel):
    gtin: str = Field(pattern=r"^\d{14}$")
    price_cents: int | None = Field(default=None, ge=0)


class OnlineOrderIn(BaseModel):
    """A web-shop order, so the profile holds purchases from every channel. Idempotent by ``order_id``."""

    order_id: str = Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_.:-]+$")
    member_id: str = Field(min_length=1, max_length=128)
    created_at: float | None = None
    items: list[OnlineLine] = Field(min_length=1)


@router.post("/admin/online-orders", response_model=IngestAck)
def post_online_order(body: OnlineOrderIn, _admin: AdminDep, session: SessionDep) -> IngestAck:
    now = time.time()
    event = {
        "event_id": f"online-{body.order_id}",
        "type": "purchase",
        "store_id": ONLINE_CHANNEL,
        "created_at": body.created_at or now,
        "member_id": body.member_id,
        "payload": {
            "channel": ONLINE_CHANNEL,
            "order_id": body.order_id,
            "items": [line.model_dump(exclude_none=True) for line in body.items],
        },
    }
    ack = ingest_batch(session, store_id=ONLINE_CHANNEL, raw_events=[event], now=now)
    session.commit()
    return ack
