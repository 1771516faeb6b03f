"""Signed webhooks to the chain's other systems: ship-to-home orders to the e-commerce system
(``FITROOM_CENTRAL_ORDER_WEBHOOK_URL``), ``offer_presented`` events to the member app
(``FITROOM_CENTRAL_APP_WEBHOOK_URL``).

A delivery is queued in the ingest transaction (``WebhookDelivery``, one row per ``(target, key)``: the
order id or the presentation id), so it is as durable as the event that caused it, and sent here, outside
any transaction, by a worker in the central process. Each POST carries the stored body as it is,
``X-Fitroom-Signature: sha256=<hex>`` (HMAC-SHA256 of the body under ``FITROOM_CENTRAL_WEBHOOK_SECRET``) and
``Idempotency-Key: <key>`` (an order's id; ``<order id>:cancel`` for its cancellation, which is held back
until the order itself was delivered); it is retried with exponential backoff until a 2xx, then never again.
A claim is a lease (``next_attempt_at`` pushed forward), so several central processes never send the same
delivery at once and a crashed sender's delivery is retried: the receiver may see a retry, always with the
same key and body.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from typing import Any

import httpx
from sqlalchemy import Column, Text
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, col, select, update

from cloud_sync.central.models import CentralModel
from cloud_sync.central.settings import CentralSettings

__all__ = ["CANCEL_SUFFIX", "WebhookDelivery", "deliver_due", "enqueue_webhook", "run_webhooks", "sign"]

log = logging.getLogger(__name__)
LEASE_S = 60.0
TARGETS = ("order", "app")
CANCEL_SUFFIX = ":cancel"  # an order's cancellation: sent to the order webhook after the order


class WebhookDelivery(CentralModel, table=True):
    __tablename__ = "webhook_delivery"

    target: str = Field(primary_key=True, max_length=16, description="order | app")
    key: str = Field(
        primary_key=True, max_length=80, description="The Idempotency-Key: order id, <order id>:cancel, ..."
    )
    body: str = Field(sa_column=Column(Text, nullable=False), description="The exact JSON bytes sent")
    created_at: float
    attempts: int = 0
    next_attempt_at: float = Field(index=True)
    delivered_at: float | None = Field(default=None, index=True)
    last_status: int | None = None


def enqueue_webhook(session: Session, *, target: str, key: str, document: dict[str, Any], now: float) -> bool:
    """Queue one delivery in the caller's transaction; the same ``(target, key)`` again queues nothing."""
    if target not in TARGETS:
        raise ValueError(f"unknown webhook target {target!r}")
    if session.get(WebhookDelivery, (target, key)) is not None:
        return False
    body = json.dumps(document, separators=(",", ":"), sort_keys=True)
    session.add(WebhookDelivery(target=target, key=key, body=body, created_at=now, next_attempt_at=now))
    return True


def _url(settings: CentralSettings, target: str) -> str:
    return settings.order_webhook_url if target == "order" else settings.app_webhook_url


def _claim(engine: Engine, row: WebhookDelivery, now: float) -> bool:
    with Session(engine) as session:
        result = session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.target) == row.target,
                col(WebhookDelivery.key) == row.key,
                col(WebhookDelivery.delivered_at).is_(None),
                col(WebhookDelivery.next_attempt_at) == row.next_attempt_at,
            )
            .values(next_attempt_at=now + LEASE_S, attempts=WebhookDelivery.attempts + 1)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0) == 1)


def _retry_in(settings: CentralSettings, attempts: int) -> float:
    window = min(settings.webhook_retry_cap_s, settings.webhook_retry_base_s * 2.0 ** min(attempts - 1, 30))
    return window / 2 + random.random() * window / 2


def _finish(engine: Engine, row: WebhookDelivery, status: int | None, ok: bool, delay: float) -> None:
    now = time.time()
    with Session(engine) as session:
        values: dict[str, Any] = {"last_status": status}
        values |= {"delivered_at": now} if ok else {"next_attempt_at": now + delay}
        session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.target) == row.target, col(WebhookDelivery.key) == row.key)
            .values(**values)
        )
        session.commit()


def sign(secret: str, body: bytes) -> str:
    """The ``X-Fitroom-Signature`` header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _waits_for_its_order(engine: Engine, row: WebhookDelivery) -> bool:
    if row.target != "order" or not row.key.endswith(CANCEL_SUFFIX):
        return False
    with Session(engine) as session:
        order = session.get(WebhookDelivery, ("order", row.key.removesuffix(CANCEL_SUFFIX)))
        return order is not None and order.delivered_at is None


def deliver_due(engine: Engine, settings: CentralSettings, client: httpx.Client, *, now: float) -> int:
    """POST every due delivery whose target has a URL; returns how many were accepted (2xx)."""
    targets = [t for t in TARGETS if _url(settings, t)]
    if not targets:
        return 0
    with Session(engine) as session:
        due = session.exec(
            select(WebhookDelivery)
            .where(
                col(WebhookDelivery.delivered_at).is_(None),
                col(WebhookDelivery.next_attempt_at) <= now,
                col(WebhookDelivery.target).in_(targets),
            )
            .order_by(col(WebhookDelivery.next_attempt_at))
            .limit(50)
        ).all()
    accepted = 0
    for row in due:
        if _waits_for_its_order(engine, row):
            continue  # the e-commerce system hears of a cancellation only after the order itself
        if not _claim(engine, row, now):
            continue  # another process has it
        body = row.body.encode()
        headers = {
            "Content-Type": "application/json",
            "X-Fitroom-Signature": sign(settings.webhook_secret, body),
            "Idempotency-Key": row.key,
        }
        status: int | None = None
        try:
            status = client.post(_url(settings, row.target), content=body, headers=headers).status_code
        except httpx.HTTPError as err:
            log.warning("webhook %s: receiver unreachable (%s); retrying", row.target, type(err).__name__)
        ok = status is not None and 200 <= status < 300
        if status is not None and not ok:
            log.warning("webhook %s: receiver answered %s; retrying", row.target, status)
        _finish(engine, row, status, ok, _retry_in(settings, row.attempts + 1))
        accepted += ok
    return accepted


async def run_webhooks(engine: Engine, settings: CentralSettings) -> None:
    """Deliver due webhooks every ``webhook_poll_s`` until cancelled (HTTP off the event loop)."""
    with httpx.Client(timeout=settings.webhook_timeout_s) as client:
        while True:
            try:
                await asyncio.to_thread(deliver_due, engine, settings, client, now=time.time())
            except Exception:  # a database hiccup must not end the worker
                log.exception("webhook delivery round failed; trying again")
            await asyncio.sleep(settings.webhook_poll_s)
