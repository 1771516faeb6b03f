"""``python -m edge.healthcheck [URL]``: the container health probe of the edge and the central store.

Exit 0 when ``URL`` (default ``FITROOM_HEALTH_URL``, else the edge's ``http://127.0.0.1:8000/healthz``)
answers 200 with ``"status": "ok"``; exit 1 otherwise (unreachable, an error, or the edge ``degraded``:
its broker is unreachable), with one line on stderr saying why. An ``https://`` URL is verified against
``FITROOM_HEALTH_CA_FILE`` when set, else the system's trust store. Standard library only: it runs every
30 s and must start fast.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.error
import urllib.request

__all__ = ["check", "main"]

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def check(url: str, *, ca_file: str | None = None, timeout_s: float = 4.0) -> str | None:
    """None when ``url`` reports the service well, else why not."""
    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url, timeout=timeout_s, context=context) as answer:
            body = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return f"{url}: {exc}"
    status = body.get("status") if isinstance(body, dict) else None
    if status != "ok":
        problems = body.get("problems") if isinstance(body, dict) else None
        return f"{url}: status {status!r}{f' {problems}' if problems else ''}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    url = args[0] if args else os.environ.get("FITROOM_HEALTH_URL", DEFAULT_URL)
    problem = check(url, ca_file=os.environ.get("FITROOM_HEALTH_CA_FILE") or None)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
