"""The demo's payment provider: hosted checkout pages on a loopback port, speaking the edge's checkout
protocol (docs/payments.md), so ``make demo`` shows a ship-to-home order paid on a phone.

The edge opens a checkout per order (``POST /checkouts``, signature checked); the page at its ``url``
shows the order with two buttons, "Pay" and "Pay at the bag desk instead"; either sends the edge the
signed callback (``paid`` or ``failed``), as a real provider would after a card payment. Simulated
shoppers press one of them a little after ordering (``run_ship_to_home_taps``); a person running the
demo can open the page from the mirror's QR code address. Nothing here keeps or prints an email.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

__all__ = ["DemoCheckout"]

_HTML = "text/html; charset=utf-8"


@dataclass
class _Checkout:
    id: str
    reference: str
    amount_cents: int
    currency: str
    description: str
    outcome: str | None = None


class DemoCheckout:
    """Serve hosted checkouts on 127.0.0.1 until ``stop``; ``edge_url`` is where callbacks go."""

    def __init__(self, out: Callable[[str], None] = print) -> None:
        self.secret = secrets.token_urlsafe(24)
        self.edge_url = ""
        self._out = out
        self._checkouts: dict[str, _Checkout] = {}
        self._by_reference: dict[str, str] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/checkouts":
                    status, reply, kind = outer._open(body, self.headers.get("X-Fitroom-Signature", ""))
                else:
                    status, reply, kind = outer._finish(self.path)
                self._send(status, reply, kind)

            def do_GET(self) -> None:
                found = outer._checkouts.get(self.path.removeprefix("/c/"))
                if found is None:
                    self._send(404, b"no such checkout", "text/plain")
                else:
                    self._send(200, outer._page(found).encode(), _HTML)

            def _send(self, status: int, reply: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-checkout", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def settings(self) -> dict[str, str]:
        """The edge's settings that make it use this provider."""
        return {"payment_url": self.url, "payment_secret": self.secret}

    def _sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def _open(self, body: bytes, signature: str) -> tuple[int, bytes, str]:
        if not hmac.compare_digest(self._sign(body), signature):
            return 401, b'{"detail": "bad signature"}', "application/json"
        try:
            asked = json.loads(body)
            reference, amount = str(asked["reference"]), int(asked["amount_cents"])
            currency, description = str(asked["currency"]), str(asked.get("description") or "")
        except (ValueError, KeyError, TypeError):
            return 422, b'{"detail": "not a checkout"}', "application/json"
        with self._lock:  # the same order again: the same checkout (Idempotency-Key)
            checkout_id = self._by_reference.get(reference) or "co_" + secrets.token_hex(6)
            self._by_reference[reference] = checkout_id
            self._checkouts.setdefault(
                checkout_id, _Checkout(checkout_id, reference, amount, currency, description)
            )
        reply = json.dumps({"id": checkout_id, "url": f"{self.url}/c/{checkout_id}"}).encode()
        return 201, reply, "application/json"

    def _finish(self, path: str) -> tuple[int, bytes, str]:
        """``/c/<id>/pay`` or ``/c/<id>/desk``: tell the edge, signed, how the checkout ended."""
        checkout_id, _, action = path.removeprefix("/c/").partition("/")
        found = self._checkouts.get(checkout_id)
        if found is None or action not in ("pay", "desk"):
            return 404, b"no such checkout", "text/plain"
        outcome = "paid" if action == "pay" else "failed"
        callback = {"reference": found.reference, "status": outcome}
        if outcome == "paid":
            callback["payment_reference"] = "demo_" + checkout_id
        body = json.dumps(callback).encode()
        headers = {"Content-Type": "application/json", "X-Fitroom-Signature": self._sign(body)}
        try:
            answer = httpx.post(
                f"{self.edge_url}/api/payments/callback", content=body, headers=headers, timeout=10
            )
            status = answer.json().get("status") if answer.is_success else f"HTTP {answer.status_code}"
        except (httpx.HTTPError, ValueError) as exc:
            status = type(exc).__name__
        found.outcome = outcome
        total = f"{found.amount_cents / 100:.2f} {found.currency}"
        self._out(f"payment provider: checkout {checkout_id} {outcome} ({total}); the order is now {status}")
        done = "Paid, thank you" if outcome == "paid" else "Pay at the bag desk, please"
        return (
            200,
            f"<!doctype html><title>{done}</title><h1>{done}</h1>".encode(),
            "text/html; charset=utf-8",
        )

    def _page(self, found: _Checkout) -> str:
        total = html.escape(f"{found.amount_cents / 100:.2f} {found.currency}")
        what = html.escape(found.description)
        state = f"<p>This checkout is {found.outcome}.</p>" if found.outcome else ""
        return (
            "<!doctype html><meta name=viewport content='width=device-width'><title>Demo checkout</title>"
            f"<h1>Demo checkout</h1><p>{what}</p><p><strong>{total}</strong> · shipped to your home</p>"
            f"{state}<p>A stand-in for a payment provider's page: no card, no address.</p>"
            f"<form method=post action='/c/{found.id}/pay'><button>Pay {total}</button></form>"
            f"<form method=post action='/c/{found.id}/desk'><button>Pay at the bag desk instead"
            "</button></form>"
        )
