"""The edge's HTTP client for the central store (httpx). Failures become two exceptions: the centre is
unavailable for now (retry later, maybe after ``retry_after``), or it refused the request (don't retry
as is)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from cloud_sync.backoff import parse_retry_after
from cloud_sync.wire import (
    CatalogPage,
    ErasurePage,
    IngestAck,
    ShopperProfile,
    StockPage,
    StoreReservation,
)

_MEMBER_IN_PATH = re.compile(r"(/profiles/)(?!by-beacon\b)[^/?#\s]+")


class HttpxUrlsRedacted(logging.Filter):
    """httpx logs every request's URL at INFO, and profile URLs carry member ids: the id after
    ``/profiles/`` and any query string are dropped from the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) > 1:
            args = list(record.args)
            url = str(args[1]).split("?", 1)[0]
            args[1] = _MEMBER_IN_PATH.sub(r"\1<member>", url)
            record.args = tuple(args)
        return True


def redact_http_logs() -> None:
    """Install ``HttpxUrlsRedacted`` on httpx's logger (once; idempotent)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, HttpxUrlsRedacted) for f in logger.filters):
        logger.addFilter(HttpxUrlsRedacted())


redact_http_logs()  # whoever talks to the central store through httpx logs no member id

__all__ = ["CentralClient", "CentralRefused", "CentralUnavailable"]

M = TypeVar("M", bound=BaseModel)


class CentralUnavailable(Exception):
    """Unreachable, timed out, overloaded (429/503) or failing (5xx): try again later."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class CentralRefused(Exception):
    """A 4xx other than 429: bad key (401), another store's data (403), too large (413), ..."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


_RESERVATIONS = TypeAdapter(list[StoreReservation])


class CentralClient:
    """One store's connection to the central store. Use ``async with`` or call ``aclose()``."""

    def __init__(
        self,
        base_url: str,
        store_key: str,
        *,
        timeout_s: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # httpx's timeout bounds each connect, read and write; a link that trickles a byte now and then
        # never trips it. The whole call is bounded too, so a sick link cannot hold the sync worker.
        self._deadline_s = 2 * timeout_s
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {store_key}", "User-Agent": "fitroom-edge-sync/1"},
            timeout=timeout_s,
            transport=transport,
        )

    async def __aenter__(self) -> CentralClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            async with asyncio.timeout(self._deadline_s):
                response = await self._http.request(method, url, **kwargs)
        except httpx.HTTPError as err:  # connect/read errors and timeouts
            raise CentralUnavailable(type(err).__name__) from None
        except TimeoutError:
            raise CentralUnavailable(f"no complete answer in {self._deadline_s:g} s") from None
        if response.status_code in (429, 503):
            raise CentralUnavailable(
                f"HTTP {response.status_code}",
                retry_after=parse_retry_after(response.headers.get("Retry-After"), now=time.time()),
            )
        if response.status_code >= 500:
            raise CentralUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400 and response.status_code != 404:
            try:
                detail = str(response.json().get("detail", ""))[:300]
            except ValueError:
                detail = response.text[:300]
            raise CentralRefused(response.status_code, detail)
        return response

    @staticmethod
    def _parse(model: type[M], response: httpx.Response) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise CentralUnavailable(f"malformed {model.__name__} from central") from None

    async def send_events(self, store_id: str, events: Sequence[dict[str, Any]]) -> IngestAck:
        response = await self._call("POST", f"/v1/stores/{store_id}/events", json={"events": list(events)})
        return self._parse(IngestAck, response)

    async def catalog_page(self, *, since: int, limit: int = 500) -> CatalogPage:
        response = await self._call("GET", "/v1/catalog", params={"since": since, "limit": limit})
        return self._parse(CatalogPage, response)

    async def stock_page(self, store_id: str, *, since: int, limit: int = 1000) -> StockPage:
        response = await self._call(
            "GET", f"/v1/stores/{store_id}/stock", params={"since": since, "limit": limit}
        )
        return self._parse(StockPage, response)

    async def erasures(self, *, since: int, limit: int = 1000) -> ErasurePage:
        response = await self._call("GET", "/v1/erasures", params={"since": since, "limit": limit})
        return self._parse(ErasurePage, response)

    async def reservations(self, store_id: str) -> list[StoreReservation]:
        response = await self._call("GET", f"/v1/stores/{store_id}/reservations")
        if response.status_code == 404:
            raise CentralRefused(404, "this central store takes no reservations")
        try:
            return _RESERVATIONS.validate_json(response.content)
        except ValidationError:
            raise CentralUnavailable("malformed reservations from central") from None

    async def profile_by_beacon(self, uuid: str, major: int, minor: int) -> ShopperProfile | None:
        """The opted-in shopper's profile, or None when the code belongs to nobody we know."""
        response = await self._call(
            "POST", "/v1/profiles/by-beacon", json={"uuid": uuid, "major": major, "minor": minor}
        )
        if response.status_code == 404:
            return None
        return self._parse(ShopperProfile, response)
