"""Simulated shop-floor associates: they sign in to the edge's associate API with an ID and PIN, watch the
task queue, and claim and complete tasks with human-like delays.

``AssociateBrain`` is the pure part (no I/O; time passed in): given the queue it sees at ``now`` it says
what to do next. A simulated associate notices a new task only after a reaction delay, works on one task
at a time, takes the oldest open task it has noticed, and spends a kind-dependent, random time on it.
``SimulatedAssociate`` is the thin HTTP adapter around it, driven by polling ``GET /api/associate/tasks``.
Several simulated (and real) associates may race for a task: a 409 on claim just means someone else was
quicker, as on a real shop floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from edge.actions.replies import QUICK_REPLIES

__all__ = [
    "DEFAULT_WORK_S",
    "Action",
    "AssociateBrain",
    "AssociateProfile",
    "Pace",
    "SimulatedAssociate",
    "run_associates",
]

log = logging.getLogger(__name__)

TaskKind = Literal["size_request", "bag", "go_back", "help"]

# Seconds a person typically spends on each kind of task, (shortest, longest): fetching a size from the
# floor or stockroom, bagging at the desk, putting garments back, walking over to help.
DEFAULT_WORK_S: Mapping[str, tuple[float, float]] = {
    "size_request": (25.0, 70.0),
    "bag": (15.0, 45.0),
    "go_back": (30.0, 90.0),
    "help": (10.0, 35.0),
}


@dataclass(frozen=True, slots=True)
class AssociateProfile:
    """Who signs in: the associate ID and PIN the edge knows, and the first name the mirror shows."""

    associate_id: str
    first_name: str
    pin: str


@dataclass(frozen=True, slots=True)
class Pace:
    """How quickly a simulated associate reacts and works. ``speed`` divides every delay (2.0 = twice as
    fast), so a demo can run livelier than a real shop floor."""

    react_s: tuple[float, float] = (4.0, 15.0)
    work_s: Mapping[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_WORK_S))
    poll_s: float = 1.5
    speed: float = 1.0

    def __post_init__(self) -> None:
        if self.speed <= 0:
            raise ValueError("Pace.speed must be > 0")
        if self.poll_s <= 0:
            raise ValueError("Pace.poll_s must be > 0")


@dataclass(frozen=True, slots=True)
class Action:
    """One step for the adapter: claim or complete the task with this id."""

    verb: Literal["claim", "complete"]
    task_id: str


ANSWERED = frozenset({"size_request", "help", "bag"})
REPLY_SHARE = 0.6  # how often a simulated associate answers on claiming


class AssociateBrain:
    """Decides, from the queue as seen at ``now``, what one associate does next. Pure and seeded."""

    def __init__(self, first_name: str, pace: Pace, rng: random.Random) -> None:
        self.first_name = first_name
        self.pace = pace
        self._rng = rng
        self._noticed: dict[str, float] = {}  # task id -> when this associate will act on it
        self._current: str | None = None
        self._done_at = 0.0

    @property
    def busy_with(self) -> str | None:
        """The id of the task this associate is working on, if any."""
        return self._current

    def _delay(self, span: tuple[float, float]) -> float:
        low, high = span
        return self._rng.uniform(low, high) / self.pace.speed

    def decide(self, tasks: Sequence[Mapping[str, Any]], now: float) -> Action | None:
        """The next action, or None to wait. ``tasks`` is the API's list (open and claimed, oldest first)."""
        by_id = {str(t.get("id")): t for t in tasks}
        for task_id in list(self._noticed):
            if task_id not in by_id:
                del self._noticed[task_id]
        if self._current is not None:
            mine = by_id.get(self._current)
            if mine is None or mine.get("status") not in ("claimed", "open"):
                self._current = None  # someone else finished it, or it was cancelled
            elif now >= self._done_at:
                return Action("complete", self._current)
            else:
                return None
        for task_id, task in by_id.items():
            if task.get("status") == "open" and task_id not in self._noticed:
                self._noticed[task_id] = now + self._delay(self.pace.react_s)
        ready = [
            t
            for t in tasks
            if t.get("status") == "open" and self._noticed.get(str(t.get("id")), float("inf")) <= now
        ]
        if not ready:
            return None
        oldest = max(ready, key=lambda t: float(t.get("age_s") or 0.0))
        return Action("claim", str(oldest.get("id")))

    def claimed(self, task: Mapping[str, Any], now: float) -> None:
        """The claim succeeded: work on it for a kind-dependent time."""
        kind = str(task.get("kind", "help"))
        self._current = str(task.get("id"))
        self._done_at = now + self._delay(self.pace.work_s.get(kind, (10.0, 30.0)))
        self._noticed.pop(self._current, None)

    def reply_for(self, task: Mapping[str, Any]) -> str | None:
        """A quick reply to send the shopper on claiming (the console's buttons), now and then: "On my
        way" or "Two minutes" to a size request or help call, the first to a bag; None otherwise."""
        kind = str(task.get("kind", ""))
        if kind not in ANSWERED or self._rng.random() >= REPLY_SHARE:
            return None
        return QUICK_REPLIES[0] if kind == "bag" else self._rng.choice(QUICK_REPLIES[:2])

    def lost(self, task_id: str) -> None:
        """Someone else claimed it first (409), or it vanished (404): forget it."""
        self._noticed.pop(task_id, None)
        if self._current == task_id:
            self._current = None

    def completed(self, task_id: str) -> None:
        if self._current == task_id:
            self._current = None


class SimulatedAssociate:
    """One associate working against an edge at ``base_url`` until ``stop`` is set."""

    def __init__(
        self,
        base_url: str,
        profile: AssociateProfile,
        *,
        pace: Pace | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.pace = pace or Pace()
        self.brain = AssociateBrain(profile.first_name, self.pace, rng or random.Random(profile.associate_id))
        self._clock = clock
        self.claimed = 0
        self.completed = 0
        self.replied = 0

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def sign_in(self, client: httpx.AsyncClient) -> None:
        """POST /api/associate/login; raises httpx.HTTPStatusError on a wrong ID or PIN."""
        res = await client.post(
            "/api/associate/login",
            json={"associate_id": self.profile.associate_id, "pin": self.profile.pin},
        )
        res.raise_for_status()
        token = res.json().get("token")
        if token:
            client.headers["Authorization"] = f"Bearer {token}"

    async def run(self, stop: asyncio.Event) -> None:
        """Sign in, then poll and act until ``stop``; network errors are logged and retried."""
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10.0) as client:
            signed_in = False
            last_problem = ""
            while not stop.is_set():
                problem = ""
                try:
                    if not signed_in:
                        await self.sign_in(client)
                        signed_in = True
                        log.info("associate %s signed in", self.profile.associate_id)
                    await self._step(client)
                except httpx.HTTPStatusError as exc:
                    if exc.response.status_code == 401:
                        signed_in = False  # the sign-in expired: sign in again
                    problem = f"{exc.request.method} {exc.request.url.path} -> {exc.response.status_code}"
                except httpx.HTTPError as exc:
                    problem = f"edge unreachable ({type(exc).__name__})"
                if problem and problem != last_problem:  # once per kind of trouble, not every poll
                    log.warning("associate %s: %s", self.profile.associate_id, problem)
                last_problem = problem
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.pace.poll_s)
            if signed_in:
                with contextlib.suppress(httpx.HTTPError):
                    await client.post("/api/associate/logout")

    async def _step(self, client: httpx.AsyncClient) -> None:
        res = await client.get("/api/associate/tasks")
        res.raise_for_status()
        tasks: list[dict[str, Any]] = res.json()
        action = self.brain.decide(tasks, self._now())
        if action is None:
            return
        res = await client.post(f"/api/associate/tasks/{action.task_id}/{action.verb}")
        if res.status_code in (404, 409):
            self.brain.lost(action.task_id)
            return
        res.raise_for_status()
        if action.verb == "claim":
            task = res.json()
            self.brain.claimed(task, self._now())
            self.claimed += 1
            text = self.brain.reply_for(task)
            if text is not None:
                sent = await client.post(f"/api/associate/tasks/{action.task_id}/reply", json={"text": text})
                self.replied += sent.is_success
        else:
            self.brain.completed(action.task_id)
            self.completed += 1


async def run_associates(
    base_url: str,
    profiles: Sequence[AssociateProfile],
    stop: asyncio.Event,
    *,
    pace: Pace | None = None,
    seed: int = 0,
) -> list[SimulatedAssociate]:
    """Run one simulated associate per profile until ``stop`` is set; returns them (with their counts)."""
    crew = [
        SimulatedAssociate(base_url, p, pace=pace, rng=random.Random(f"{seed}/{p.associate_id}"))
        for p in profiles
    ]
    await asyncio.gather(*(a.run(stop) for a in crew))
    return crew
