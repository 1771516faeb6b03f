"""The one loop behind every pull from the central store (catalog and stock, reservations, offers): pull,
then wait ``interval_s``; an unreachable or refusing centre is waited out with jittered backoff (honouring
``Retry-After``), and any other failure is logged by kind (never its content) and backed off the same way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from cloud_sync.backoff import Backoff
from cloud_sync.client import CentralRefused, CentralUnavailable

__all__ = ["pull_forever"]

log = logging.getLogger(__name__)


async def pull_forever(
    what: str, pull_once: Callable[[], Awaitable[object]], *, interval_s: float, backoff: Backoff
) -> None:
    while True:
        try:
            await pull_once()
        except (CentralUnavailable, CentralRefused) as err:
            await asyncio.sleep(backoff.next_delay(getattr(err, "retry_after", None)))
            continue
        except Exception as err:
            log.error("sync: %s pull failed: %s", what, type(err).__name__)
            await asyncio.sleep(backoff.next_delay())
            continue
        backoff.reset()
        await asyncio.sleep(interval_s)
