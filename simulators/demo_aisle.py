"""The demo's endless aisle and offers, live: a stand-in for the chain's e-commerce system and member app
(a local HTTP receiver that checks each webhook's signature and prints what arrived, never an email or a
member id), the demo's offers at its central store, and shoppers pressing "Ship it to me" on a mirror
when a size they picked is sold out here but in stock online (paid on the demo payment provider's page,
``simulators.demo_checkout``, or at the bag desk, where the simulated associates complete it like any bag
task).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import secrets
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

__all__ = ["DEMO_OFFERS", "DemoWebhooks", "post_demo_offers", "run_ship_to_home_taps"]

log = logging.getLogger(__name__)

DEMO_OFFERS: list[dict[str, Any]] = [
    {
        "title": "Second top 20% off",
        "body": "Trying tops today? Take a second one for 20% less.",
        "room_kinds": ["fitting_room"],
        "categories": ["tops"],
        "discount_pct": 20,
        "members_only": False,
        "max_per_member_per_day": 2,
    },
    {
        "title": "Members: 15% off outerwear",
        "body": "For members, today only: 15% off every coat and jacket.",
        "room_kinds": ["fitting_room", "sales_floor", "entrance"],
        "categories": ["outerwear"],
        "discount_pct": 15,
        "members_only": True,
        "max_per_member_per_day": 1,
    },
]


class DemoWebhooks:
    """Receives the central store's webhooks on a loopback port and prints one line per delivery."""

    def __init__(self) -> None:
        self.secret = secrets.token_urlsafe(24)
        self.received = 0
        secret = self.secret.encode()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(want, self.headers.get("X-Fitroom-Signature", ""))
                outer.received += 1
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                print(
                    outer.describe(self.path, body, ok, self.headers.get("Idempotency-Key", "")), flush=True
                )

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-webhooks", daemon=True)

    @staticmethod
    def describe(path: str, body: bytes, ok: bool, key: str) -> str:
        seal = "signature ok" if ok else "BAD SIGNATURE"
        try:
            doc = json.loads(body)
        except ValueError:
            return f"webhook {path}: not JSON ({seal})"
        if path == "/orders":
            names = ", ".join(f"{i.get('name')} {i.get('size')}" for i in doc.get("items", []))
            total = f"{(doc.get('total_cents') or 0) / 100:.2f} {doc.get('currency')}"
            return f"e-commerce: ship-to-home order {key[:8]} ({names}, {total}), {seal}"
        offer = doc.get("offer") or {}
        return f"member app: offer \u201c{offer.get('title')}\u201d presented in {doc.get('room_id')}, {seal}"

    def central_env(self) -> dict[str, str]:
        return {
            "FITROOM_CENTRAL_ORDER_WEBHOOK_URL": f"{self.url}/orders",
            "FITROOM_CENTRAL_APP_WEBHOOK_URL": f"{self.url}/app",
            "FITROOM_CENTRAL_WEBHOOK_SECRET": self.secret,
        }

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def post_demo_offers(central_url: str, admin_token: str) -> int:
    """Define the demo's offers (valid for a day from now); returns how many."""
    now = dt.datetime.now(dt.UTC)
    window = {
        "valid_from": (now - dt.timedelta(minutes=1)).isoformat(),
        "valid_until": (now + dt.timedelta(days=1)).isoformat(),
    }
    with httpx.Client(
        base_url=central_url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30
    ) as client:
        for offer in DEMO_OFFERS:
            client.post("/v1/offers", json={**offer, **window}).raise_for_status()
    return len(DEMO_OFFERS)


def _online_variant(view: dict[str, Any], rng: random.Random) -> str | None:
    choices = [
        v["gtin"]
        for item in view.get("items") or []
        for v in item.get("variants") or []
        if v.get("availability") == "online" and not v.get("in_room")
    ]
    return rng.choice(choices) if choices else None


async def run_ship_to_home_taps(
    base_url: str,
    tokens: Mapping[str, str],
    stop: asyncio.Event,
    *,
    speed: float = 1.0,
    seed: int = 0,
    chance: float = 0.15,
    poll_s: float = 20.0,
) -> dict[str, int]:
    """Now and then a shopper whose room has a size sold out here but online presses "Ship it to me"
    (once per session); with a payment provider, pays on the checkout page a little later (or, one in
    four, chooses the bag desk there). Returns how many orders were made."""
    rng = random.Random(f"ship-to-home/{seed}")
    ordered: set[str] = set()
    made = 0
    to_pay: list[tuple[float, str]] = []  # (when, the checkout page's button) for orders paid by phone
    loop = asyncio.get_running_loop()
    clients = {
        room: httpx.AsyncClient(base_url=base_url, timeout=10.0, headers={"Authorization": f"Bearer {token}"})
        for room, token in tokens.items()
    }
    try:
        while not stop.is_set():
            for room, client in clients.items():
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    view = (await client.get(f"/api/mirror/{room}")).json()
                    session = (view.get("session") or {}).get("id")
                    gtin = _online_variant(view, rng)
                    if not session or session in ordered or gtin is None or rng.random() > chance:
                        continue
                    body: dict[str, Any] = {"gtin": gtin}
                    if not view.get("shopper"):  # example.com: nothing is ever delivered there
                        body |= {"email": f"demo.order{made + 1}@example.com", "consent": True}
                    res = await client.post(f"/api/mirror/{room}/orders", json=body)
                    if res.status_code == 201:
                        ordered.add(session)
                        made += 1
                        page = res.json().get("payment_url")
                        if page:  # the shopper scans the code: pays, or now and then picks the bag desk
                            button = "/pay" if rng.random() < 0.75 else "/desk"
                            to_pay.append(
                                (loop.time() + rng.uniform(8.0, 30.0) / max(speed, 0.1), page + button)
                            )
            for due in [p for p in to_pay if p[0] <= loop.time()]:
                to_pay.remove(due)
                with contextlib.suppress(httpx.HTTPError):
                    async with httpx.AsyncClient(timeout=10.0) as phone:
                        await phone.post(due[1])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_s / max(speed, 0.1))
    finally:
        for client in clients.values():
            await client.aclose()
    return {"ship_to_home": made}
