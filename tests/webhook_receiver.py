"""A real local HTTP receiver for the central store's webhooks: records every POST (headers and raw body)
and answers each with the next status of a script (then 200), like an e-commerce system or member app
that fails first and recovers. With ``answer`` it stands in for a payment provider: a 2xx carries the
JSON that ``answer`` makes of the request."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Received", "Receiver", "receiver", "valid_signature"]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    statuses: list[int]
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if path is None or r.path == path]


def valid_signature(secret: str, got: Received) -> bool:
    want = "sha256=" + hmac.new(secret.encode(), got.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, got.headers.get("x-fitroom-signature", ""))


@contextmanager
def receiver(
    statuses: list[int] | None = None, answer: Callable[[Received], dict[str, object]] | None = None
) -> Iterator[Receiver]:
    """Serve on a free loopback port until the block ends; ``statuses`` are answered in turn, then 200
    (with ``answer``'s JSON for the request, when given, on a 2xx)."""
    state = Receiver(url="", statuses=list(statuses or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            with state.lock:
                state.received.append(got)
                status = state.statuses.pop(0) if state.statuses else 200
            reply = json.dumps(answer(got)).encode() if answer and 200 <= status < 300 else b""
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            if reply:
                self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
