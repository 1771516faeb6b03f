"""The edge's sync worker: drains the outbox to the central store, pulls catalog and stock, follows the
erasure feed, and fetches the profiles of opted-in shoppers as they walk in.

Exactly once, end to end: a row is marked sent only after the central store acknowledged it, and the
centre ingests by event id, so a batch resent after either side crashed is stored once. The edge needs
nothing from the centre to run: every loop here waits out an unreachable centre with backoff and jitter
(honouring ``Retry-After``) while the store keeps writing to its outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from cloud_sync import ledger
from cloud_sync.backoff import Backoff
from cloud_sync.catalog_pull import load_snapshot, merge_catalog, merge_stock, overlay, save_snapshot
from cloud_sync.client import CentralClient, CentralRefused, CentralUnavailable
from cloud_sync.profiles import ProfileDirectory, parse_ibeacon_device
from cloud_sync.pulling import pull_forever
from edge.bus import Topic
from edge.catalog.model import Catalog
from edge.ports import SyncStatus, WorkerState
from edge.presence.events import EventType, PresenceEvent

__all__ = ["SyncConfig", "SyncWorker"]

log = logging.getLogger(__name__)

CATALOG_VERSION = "catalog_version"
STOCK_VERSION = "stock_version"
ERASURE_CURSOR = "erasure_cursor"


@dataclass(frozen=True, slots=True)
class SyncConfig:
    central_url: str
    store_key: str
    store_id: str
    batch_size: int = 500
    idle_poll_s: float = 1.0
    pull_interval_s: float = 30.0
    erasure_interval_s: float = 15.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 60.0
    keep_sent_s: float = 7 * 86400.0  # acknowledged outbox rows are deleted after this long
    prune_every_s: float = 3600.0


class SyncWorker:
    """Run with ``await worker.run()`` (cancel to stop). ``catalog_get``/``catalog_set`` connect the pulls
    to the edge's live catalog; ``on_erased`` callbacks let other parts drop what they hold of a member."""

    def __init__(
        self,
        engine: Engine,
        config: SyncConfig,
        *,
        client: CentralClient | None = None,
        profiles: ProfileDirectory | None = None,
        catalog_get: Callable[[], Catalog] | None = None,
        catalog_set: Callable[[Catalog], None] | None = None,
        on_erased: list[Callable[[str], None]] | None = None,
        on_profile: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.config = config
        self._own_client = client is None
        self.client = client if client is not None else CentralClient(config.central_url, config.store_key)
        self.profiles = profiles if profiles is not None else ProfileDirectory(clock=clock)
        self._catalog_get = catalog_get
        self._catalog_set = catalog_set
        self.on_erased = on_erased if on_erased is not None else []
        self._on_profile = on_profile
        self._clock = clock
        self._batch_size = config.batch_size
        self._wake = asyncio.Event()
        self._fetching: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.state = WorkerState.STARTING
        self.last_error: str | None = None
        self.retry_at: float | None = None
        self.last_pull: float | None = None
        self._pruned_at = 0.0

    # -- running ------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Drain, pull and follow erasures until cancelled. Can be run again after a cancel."""
        self._loop = asyncio.get_running_loop()
        if self._own_client and self.client.closed:
            self.client = CentralClient(self.config.central_url, self.config.store_key)
        try:
            await asyncio.gather(self._drain_forever(), self._pull_forever(), self._erasures_forever())
        finally:
            for task in list(self._fetching.values()):
                task.cancel()
            if self._own_client:
                await self.client.aclose()

    def notify(self) -> None:
        """Something was written to the outbox: send it now rather than at the next poll."""
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _drain_forever(self) -> None:
        backoff = Backoff(self.config.backoff_base_s, self.config.backoff_cap_s)
        while True:
            try:
                sent = await self.drain_once()
            except CentralUnavailable as err:
                await self._wait_out(backoff, err.reason, err.retry_after)
                continue
            except CentralRefused as err:
                if err.status == 413 and self._batch_size > 1:
                    self._batch_size = max(1, self._batch_size // 2)
                    continue
                # A refused key or a misconfigured store id will not fix itself: keep trying, slowly.
                log.error("central store refused the outbox batch: %s", err)
                await self._wait_out(backoff, f"refused: HTTP {err.status}", backoff.cap_s)
                continue
            except Exception as err:  # e.g. the edge database busy: never let sync die with the task
                # The type only: a database error's text may quote an outbox payload (an email address).
                log.error("sync: sending the outbox failed: %s", type(err).__name__)
                await self._wait_out(backoff, type(err).__name__, None)
                continue
            backoff.reset()
            if sent < self._batch_size:
                self.state = WorkerState.IDLE
                await self._prune_if_due()
                await self._sleep(self.config.idle_poll_s)

    async def _prune_if_due(self) -> None:
        now = self._clock()
        if now - self._pruned_at < self.config.prune_every_s:
            return
        self._pruned_at = now
        try:
            gone = await asyncio.to_thread(
                ledger.prune_sent, self.engine, sent_before=now - self.config.keep_sent_s
            )
        except Exception as err:
            log.error("sync: pruning sent outbox rows failed: %s", type(err).__name__)
            return
        if gone:
            log.info(
                "deleted %d outbox rows acknowledged more than %.0f days ago",
                gone,
                self.config.keep_sent_s / 86400,
            )

    async def _wait_out(self, backoff: Backoff, reason: str, retry_after: float | None) -> None:
        delay = backoff.next_delay(retry_after)
        self.state, self.last_error = WorkerState.RETRYING, reason
        self.retry_at = self._clock() + delay
        log.info("central store unavailable (%s); retrying in %.1f s", reason, delay)
        await asyncio.sleep(delay)
        self.retry_at = None

    async def drain_once(self) -> int:
        """Send one batch of the oldest unsent events; returns how many were acknowledged."""
        rows = await asyncio.to_thread(ledger.next_batch, self.engine, self._batch_size)
        if not rows:
            return 0
        self.state = WorkerState.SENDING
        by_id = {row.event_id: row for row in rows}
        ack = await self.client.send_events(self.config.store_id, [ledger.to_wire(r) for r in rows])
        acked = [by_id[e].seq for e in ack.acked if e in by_id and by_id[e].seq is not None]
        rejected = [
            by_id[r.event_id].seq
            for r in ack.rejected
            if r.event_id in by_id and by_id[r.event_id].seq is not None
        ]
        for r in ack.rejected:
            log.error("central store rejected event %s: %s", r.event_id, r.error)
        await asyncio.to_thread(
            ledger.mark_sent,
            self.engine,
            [s for s in acked if s is not None],
            rejected=[s for s in rejected if s is not None],
            now=self._clock(),
        )
        self.last_error = None
        return len(acked) + len(rejected)

    # -- central -> edge ----------------------------------------------------------------------------

    async def _pull_forever(self) -> None:
        backoff = Backoff(self.config.backoff_base_s, self.config.backoff_cap_s)
        try:
            await self.restore_catalog()
        except Exception as err:
            log.error("sync: the stored central catalog could not be restored: %s", type(err).__name__)
        await pull_forever("catalog", self.pull_once, interval_s=self.config.pull_interval_s, backoff=backoff)

    async def restore_catalog(self) -> None:
        """Put the last catalog pulled from the centre back in service (the centre may be down now)."""
        snapshot = await asyncio.to_thread(load_snapshot, self.engine)
        if snapshot is None:
            # Cursors without the catalog they led to are worthless: pull everything again.
            await asyncio.to_thread(ledger.set_number, self.engine, CATALOG_VERSION, 0)
            await asyncio.to_thread(ledger.set_number, self.engine, STOCK_VERSION, 0)
        elif self._catalog_set is not None and self._catalog_get is not None:
            self._catalog_set(overlay(self._catalog_get(), snapshot))

    async def pull_once(self) -> bool:
        """Pull catalog and stock changes since the stored cursors; returns True if anything changed."""
        catalog_v = await asyncio.to_thread(ledger.get_number, self.engine, CATALOG_VERSION)
        stock_v = await asyncio.to_thread(ledger.get_number, self.engine, STOCK_VERSION)
        if self._catalog_get is not None:
            catalog = self._catalog_get()
        else:  # a worker process of its own: build on the stored snapshot
            snapshot = await asyncio.to_thread(load_snapshot, self.engine)
            catalog = snapshot if snapshot is not None else Catalog()
        changed = False
        while True:
            page = await self.client.catalog_page(since=catalog_v)
            if page.styles or page.co_purchases:
                catalog, changed = merge_catalog(catalog, page), True
            catalog_v = page.version
            if not page.more:
                break
        while True:
            stock = await self.client.stock_page(self.config.store_id, since=stock_v)
            if stock.stock:
                catalog, changed = merge_stock(catalog, stock), True
            stock_v = stock.version
            if not stock.more:
                break
        if changed:
            await asyncio.to_thread(save_snapshot, self.engine, catalog)
            if self._catalog_set is not None:
                self._catalog_set(catalog)
            log.info("catalog updated from the central store: %d styles", len(catalog.styles))
        await asyncio.to_thread(ledger.set_number, self.engine, CATALOG_VERSION, catalog_v)
        await asyncio.to_thread(ledger.set_number, self.engine, STOCK_VERSION, stock_v)
        self.last_pull = self._clock()
        return changed

    async def _erasures_forever(self) -> None:
        backoff = Backoff(self.config.backoff_base_s, self.config.backoff_cap_s)
        while True:
            try:
                await self.erasures_once()
            except (CentralUnavailable, CentralRefused) as err:
                await asyncio.sleep(backoff.next_delay(getattr(err, "retry_after", None)))
                continue
            except Exception as err:
                log.error("sync: applying erasures failed: %s", type(err).__name__)
                await asyncio.sleep(backoff.next_delay())
                continue
            backoff.reset()
            await asyncio.sleep(self.config.erasure_interval_s)

    async def erasures_once(self) -> int:
        """Apply erasures published since the stored cursor; returns how many."""
        cursor = await asyncio.to_thread(ledger.get_number, self.engine, ERASURE_CURSOR)
        applied = 0
        while True:
            page = await self.client.erasures(since=cursor)
            for record in page.erasures:
                await asyncio.to_thread(
                    ledger.forget_member, self.engine, record.member_id, now=self._clock()
                )
                self.profiles.forget_member(record.member_id)
                for callback in self.on_erased:
                    try:
                        callback(record.member_id)
                    except Exception as err:  # the type only: its message may name the member
                        log.error("an erasure callback failed: %s", type(err).__name__)
                applied += 1
            if page.cursor > cursor:
                # Recorded after the erasures took effect: a crash in between repeats them (harmless).
                await asyncio.to_thread(ledger.set_number, self.engine, ERASURE_CURSOR, page.cursor)
            if not page.erasures or page.cursor <= cursor:
                break
            cursor = page.cursor
        if applied:
            log.info("applied %d erasure(s) from the central store", applied)
        return applied

    # -- profiles -----------------------------------------------------------------------------------

    def on_presence(self, _topic: Topic[PresenceEvent], event: PresenceEvent) -> None:
        """Bus subscriber for ``PRESENCE``: a shopper's beacon not in the cache → fetch the profile.
        Safe to call from any thread: the fetch is scheduled on the worker's loop."""
        device = event.device
        if event.type != EventType.SHOPPER_ENTERED or device is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or (self._loop is not None and loop is not self._loop):
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._schedule_fetch, device)
            return
        self._schedule_fetch(device)

    def _schedule_fetch(self, device: str) -> None:
        if device in self._fetching or not self.profiles.needs_fetch(device, self._clock()):
            return
        task = asyncio.get_running_loop().create_task(self.fetch_profile(device))
        self._fetching[device] = task
        task.add_done_callback(lambda _t: self._fetching.pop(device, None))

    async def fetch_profile(self, device: str) -> None:
        code = parse_ibeacon_device(device)
        if code is None:
            return
        try:
            profile = await self.client.profile_by_beacon(code.uuid, code.major, code.minor)
        except (CentralUnavailable, CentralRefused) as err:
            log.info("profile lookup unavailable (%s)", err)
            self.profiles.lookup_failed(device, self._clock())
            return
        self.profiles.store(device, profile, self._clock())
        if profile is not None and self._on_profile is not None:
            self._on_profile(device)

    # -- status -------------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Blocking (reads the ledger): ``sync_status()`` as JSON."""
        return self.sync_status().model_dump(mode="json")

    def sync_status(self) -> SyncStatus:
        """Blocking (reads the ledger): the worker's live state on top of ``ledger_status``."""
        retry_in = max(0.0, self.retry_at - self._clock()) if self.retry_at is not None else None
        return ledger_status(
            self.engine,
            now=self._clock(),
            enabled=True,
            state=self.state,
            central_url=self.config.central_url,
            last_error=self.last_error,
            retry_in_s=round(retry_in, 3) if retry_in is not None else None,
            batch_size=self._batch_size,
            last_pull=self.last_pull,
            profiles_cached=len(self.profiles),
        )


def ledger_status(
    engine: Engine,
    *,
    now: float,
    enabled: bool = False,
    state: WorkerState = WorkerState.DISABLED,
    central_url: str | None = None,
    last_error: str | None = None,
    retry_in_s: float | None = None,
    batch_size: int | None = None,
    last_pull: float | None = None,
    profiles_cached: int | None = None,
) -> SyncStatus:
    """What the ledger says (also when sync is disabled or runs in another process), with the worker's
    state and fields where there is a worker."""
    c = ledger.counts(engine)
    return SyncStatus(
        enabled=enabled,
        state=state,
        central_url=central_url,
        last_error=last_error,
        backlog=c.backlog,
        oldest_age_s=round(max(0.0, now - c.oldest_created_at), 3) if c.oldest_created_at else 0.0,
        sent_total=c.sent_total,
        rejected_total=c.rejected_total,
        last_success=c.last_success,
        last_success_age_s=round(now - c.last_success, 3) if c.last_success else None,
        catalog_version=ledger.get_number(engine, CATALOG_VERSION),
        stock_version=ledger.get_number(engine, STOCK_VERSION),
        erasure_cursor=ledger.get_number(engine, ERASURE_CURSOR),
        retry_in_s=retry_in_s,
        batch_size=batch_size,
        last_pull=last_pull,
        profiles_cached=profiles_cached,
    )
