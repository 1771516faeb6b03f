"""What a store's edge calls with its store key: event ingest, catalog and stock pulls, profiles, erasures."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import select

from cloud_sync.central.catalog import pull_catalog, pull_stock
from cloud_sync.central.deps import CurrentStore, SessionDep, SettingsDep, own_store
from cloud_sync.central.erasure import erasures_since
from cloud_sync.central.ingest import POISON, ForeignStoreEvent, ingest_batch, ingest_one_by_one
from cloud_sync.central.models import Beacon, FittingSessionRecord, Profile, Store
from cloud_sync.central.profiles import profile_view
from cloud_sync.wire import CatalogPage, ErasurePage, IngestAck, ShopperProfile, StockPage

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["store"])
OwnStore = Annotated[Store, Depends(own_store)]
RETRY_AFTER_S = "1"
# Pull cursors are compared with PostgreSQL columns: versions are BIGINT, the erasure feed's seq INTEGER.
# A larger number is a client's mistake (422), not a database error (500).
MAX_VERSION = 2**63 - 1
MAX_SEQ = 2**31 - 1


class EventBatch(BaseModel):
    events: list[Any] = Field(description="outbox events (WireEvent); each is validated on its own")


class StoreOut(BaseModel):
    id: str
    name: str


@router.get("/stores/{store_id}", response_model=StoreOut)
def get_store(store: OwnStore) -> StoreOut:
    return StoreOut(id=store.id, name=store.name)


def ingest_slot(request: Request) -> Iterator[None]:
    """One of the ``max_concurrent_ingests`` slots, taken before the request touches the database (the
    store's key is checked after): beyond them the batch is shed at once with 503 and ``Retry-After``, so
    a chain's stores sending together never wait on the connection pool."""
    gate: threading.BoundedSemaphore = request.app.state.ingest_gate
    if not gate.acquire(blocking=False):
        request.app.state.metrics.shed.inc()
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "busy: retry later", headers={"Retry-After": RETRY_AFTER_S}
        )
    try:
        yield
    finally:
        gate.release()


@router.post("/stores/{store_id}/events", response_model=IngestAck)
def post_events(
    _slot: Annotated[None, Depends(ingest_slot)],
    batch: EventBatch,
    store: OwnStore,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> IngestAck:
    """Idempotent: events already stored are acknowledged again and not stored twice."""
    if len(batch.events) > settings.max_batch:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"at most {settings.max_batch} events per batch"
        )
    now = time.time()
    try:
        try:
            ack = ingest_batch(session, store_id=store.id, raw_events=batch.events, now=now)
            session.commit()
        except POISON:  # one event the database or a projection refuses: isolate it
            session.rollback()
            ack = ingest_one_by_one(session, store_id=store.id, raw_events=batch.events, now=now)
    except ForeignStoreEvent:
        session.rollback()
        raise HTTPException(status.HTTP_403_FORBIDDEN, "batch holds another store's events") from None
    request.app.state.metrics.ingested(ack)
    return ack


@router.get("/stores/{store_id}/stock", response_model=StockPage)
def get_stock(
    store: OwnStore,
    session: SessionDep,
    since: Annotated[int, Query(ge=0, le=MAX_VERSION)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> StockPage:
    return pull_stock(session, store_id=store.id, since=since, limit=limit)


@router.get("/catalog", response_model=CatalogPage)
def get_catalog(
    _store: CurrentStore,
    session: SessionDep,
    since: Annotated[int, Query(ge=0, le=MAX_VERSION)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> CatalogPage:
    return pull_catalog(session, since=since, limit=limit)


class BeaconCode(BaseModel):
    uuid: str = Field(description="the app's iBeacon UUID, with or without hyphens")
    major: int = Field(ge=0, le=65535)
    minor: int = Field(ge=0, le=65535)


# A POST so that the code, which points at a person, never appears in a URL (and so in no access log).
@router.post("/profiles/by-beacon", response_model=ShopperProfile)
def profile_by_beacon(code: BeaconCode, store: CurrentStore, session: SessionDep) -> ShopperProfile:
    """The profile of the opted-in shopper advertising this iBeacon code; 404 for anyone else."""
    try:
        normalized = str(uuid.UUID(code.uuid))
    except ValueError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "uuid is not a UUID") from None
    beacon = session.exec(
        select(Beacon).where(
            Beacon.uuid == normalized, Beacon.major == code.major, Beacon.minor == code.minor
        )
    ).first()
    profile = session.get(Profile, beacon.member_id) if beacon else None
    if profile is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no opted-in shopper with this beacon")
    last_visit = session.exec(
        select(func.max(FittingSessionRecord.ended_at)).where(
            FittingSessionRecord.member_id == profile.member_id, FittingSessionRecord.store_id == store.id
        )
    ).one()
    return profile_view(session, profile).model_copy(update={"last_visit_at": last_visit})


@router.get("/erasures", response_model=ErasurePage)
def get_erasures(
    _store: CurrentStore,
    session: SessionDep,
    since: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> ErasurePage:
    """Members erased after ``since``: every edge drops its copy and stops sending events naming them."""
    return erasures_since(session, since=since, limit=limit)
