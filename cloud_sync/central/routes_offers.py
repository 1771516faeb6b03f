"""``/v1/offers`` (admin bearer): the chain defines offers; ``/v1/stores/{store_id}/offers`` (the store's
key): what an edge pulls; ``/v1/admin/profiles/{member_id}/offer-consent``: the member's consent to
offers on their phone, as the member app reports it."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel

from cloud_sync.central.deps import AdminDep, SessionDep, own_store
from cloud_sync.central.offers import (
    OfferConsent,
    OfferIn,
    OfferList,
    OfferOut,
    create_offer,
    offer_out,
    offers_for_store,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["offers"])


class ConsentIn(BaseModel):
    consent: bool


class ConsentOut(BaseModel):
    member_id: str
    consent: bool


@router.post(
    "/offers",
    response_model=OfferOut,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "Bad input: the message names the field"}},
)
def post_offer(body: OfferIn, _admin: AdminDep, session: SessionDep) -> OfferOut:
    """Define an offer; edges pull it with their next pull."""
    offer = create_offer(session, body, now=time.time())
    session.commit()
    return offer_out(offer)


@router.get("/stores/{store_id}/offers", response_model=OfferList, dependencies=[Depends(own_store)])
def get_store_offers(store_id: str, session: SessionDep) -> OfferList:
    """The offers for this store that have not ended."""
    return OfferList(offers=[offer_out(o) for o in offers_for_store(session, store_id, now=time.time())])


@router.put("/admin/profiles/{member_id}/offer-consent", response_model=ConsentOut)
def put_offer_consent(member_id: str, body: ConsentIn, _admin: AdminDep, session: SessionDep) -> ConsentOut:
    """Record whether the member agreed, in the app, to receive offers on their phone."""
    row = session.get(OfferConsent, member_id) or OfferConsent(
        member_id=member_id, consent=body.consent, updated_at=0
    )
    row.consent, row.updated_at = body.consent, time.time()
    session.add(row)
    session.commit()
    return ConsentOut(member_id=member_id, consent=body.consent)
