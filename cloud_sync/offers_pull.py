"""Pulling the store's offers from the central store, like the catalog: every ``pull_interval_s`` the
offers for this store that have not ended replace the stored ones (kept in the edge database, so a
restart without the centre still has them). ``on_change`` lets the mirrors show them at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from cloud_sync.backoff import Backoff
from cloud_sync.pulling import pull_forever
from cloud_sync.worker import SyncConfig
from edge.offers import Offer
from edge.storage.offers import load_offers, replace_offers

__all__ = ["pull_offers_forever", "pull_offers_once"]


def _store(engine: Engine, offers: list[Offer]) -> bool:
    """Replace the stored offers; True when they changed."""
    now = time.time()
    with Session(engine) as db:
        before = sorted(o.model_dump_json() for o in load_offers(session=db, now=now))
        replace_offers(session=db, offers=offers, now=now)
        db.commit()
    return before != sorted(o.model_dump_json() for o in offers if o.valid_until > now)


async def pull_offers_once(http: httpx.AsyncClient, engine: Engine, config: SyncConfig) -> bool:
    """One pull; True when the offers changed. Raises httpx.HTTPError, ValueError on a bad answer."""
    response = await http.get(f"/v1/stores/{config.store_id}/offers")
    response.raise_for_status()
    offers = [Offer.model_validate(o) for o in response.json()["offers"]]
    return await asyncio.to_thread(_store, engine, offers)


async def pull_offers_forever(
    engine: Engine, config: SyncConfig, *, on_change: Callable[[], None] | None = None
) -> None:
    headers = {"Authorization": f"Bearer {config.store_key}"}
    async with httpx.AsyncClient(base_url=config.central_url, headers=headers, timeout=15) as http:

        async def pull_once() -> None:
            if await pull_offers_once(http, engine, config) and on_change is not None:
                on_change()

        backoff = Backoff(config.backoff_base_s, config.backoff_cap_s)
        await pull_forever("offers", pull_once, interval_s=config.pull_interval_s, backoff=backoff)
