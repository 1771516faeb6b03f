"""The demo's walk-in parties: now and then the console's associate adds a party to the fitting-room
queue (``POST /api/associate/queue``), so the entrance screen (``/queue?token=…``) fills and "now
serving" changes live as sensing releases rooms."""

from __future__ import annotations

import asyncio
import contextlib
import random

import httpx

__all__ = ["run_walk_ins"]


async def run_walk_ins(
    base_url: str, associate_id: str, pin: str, stop: asyncio.Event, *, speed: float = 1.0, seed: int = 0
) -> int:
    """Add a party after about 20 s, then one every one to three minutes (divided by ``speed``) until
    ``stop``; returns how many parties joined."""
    rng = random.Random(seed)
    joined = 0
    delay = 20.0 / speed
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0) as client:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
                return joined
            with contextlib.suppress(httpx.HTTPError):
                if "Authorization" not in client.headers:
                    login = await client.post(
                        "/api/associate/login", json={"associate_id": associate_id, "pin": pin}
                    )
                    login.raise_for_status()
                    client.headers["Authorization"] = f"Bearer {login.json()['token']}"
                party = {"party": rng.choice((1, 1, 2, 2, 3))}
                answer = await client.post("/api/associate/queue", json=party)
                if answer.status_code == 401:
                    del client.headers["Authorization"]
                answer.raise_for_status()
                joined += 1
                ticket = answer.json()
                print(
                    f"queue: a walk-in party of {party['party']} took ticket {ticket['ticket']} "
                    f"(about {ticket['estimated_wait_s'] / 60:.0f} min)",
                    flush=True,
                )
            delay = rng.uniform(60.0, 180.0) / speed
