"""The tallies a store and head office both make from the same facts, so that a store's figures read the
same at the store (``edge.storage.figures_work``) and at head office (``cloud_sync.central.work``): each
takes the rows one indexed range scan returned and groups them by task kind, by the store's local hour
(which needs the time zone's rules, DST included) or not at all, with nearest-rank percentiles.
Pure: no I/O, no clock (``now`` is an argument)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = [
    "ANSWERED",
    "FIT_PROBLEM_MIN_TRIED",
    "FIT_PROBLEM_SHARE",
    "RUNNING_OUT_MIN_SESSIONS",
    "SHOWED",
    "GoBacks",
    "HourUse",
    "QueueWaits",
    "ReservationShows",
    "StyleFit",
    "TaskRow",
    "TaskTimes",
    "fit_by_style",
    "go_backs_of",
    "nearest_rank",
    "queue_waits_of",
    "reservation_shows_of",
    "room_hours_of",
    "running_out",
    "task_times_of",
]

ANSWERED = frozenset({"size_request", "help"})  # what a shopper waits for in the room
SHOWED = ("arrived", "in_room", "done")  # a reservation's member came
# A style is a fit problem when it was tried at least this often in the range and its try-to-buy rate is
# under this share of the store's own rate over the same range: "tried often, rarely bought" measured
# against the store itself, with enough tries that one unlucky day does not flag it.
FIT_PROBLEM_MIN_TRIED = 20
FIT_PROBLEM_SHARE = 0.5
# A size "keeps running out" when shoppers asked for it while sold out here in at least this many
# sessions of the range (asking, or ordering it shipped instead).
RUNNING_OUT_MIN_SESSIONS = 3


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank ``q`` percentile: the ``ceil(q * n)``-th smallest (``percentile_disc``)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(q * 1000) * len(ordered) // 1000))
    return round(ordered[rank - 1], 3)


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One task as the figures see it: times in Unix seconds; ``who`` completed it (else claimed it)."""

    kind: str
    created_at: float
    claimed_at: float | None
    completed_at: float | None
    who: str | None = None
    tz: ZoneInfo | None = None  # its store's zone (rows of several stores), else the call's
    target_s: float | None = None  # its store's request target, else the call's


@dataclass(frozen=True, slots=True)
class TaskTimes:
    """Tasks created in a group, and their claim and completion times (from creation), in seconds."""

    kind: str
    hour: int | None  # the store's local hour of creation; None when grouped otherwise
    associate_id: str | None  # who completed it (else who claimed it); None when grouped otherwise
    tasks: int
    claim_p50_s: float | None
    claim_p90_s: float | None
    complete_p50_s: float | None
    complete_p90_s: float | None
    over_target: int  # size requests and help calls claimed (or still open) later than the target


def task_times_of(
    rows: Iterable[TaskRow], *, by: str, tz: ZoneInfo, target_s: float, now: float
) -> list[TaskTimes]:
    """Task times grouped ``by`` ``"kind_hour"`` (kind and local hour of creation) or ``"associate"`` (kind
    and the associate who did it; tasks nobody took are left out)."""
    groups: dict[tuple[str, int | None, str | None], list[TaskRow]] = defaultdict(list)
    for row in rows:
        if by == "associate":
            if row.who is None:
                continue
            key: tuple[str, int | None, str | None] = (row.kind, None, row.who)
        else:
            key = (row.kind, datetime.fromtimestamp(row.created_at, row.tz or tz).hour, None)
        groups[key].append(row)
    out = []
    for (kind, hour, who), times in sorted(groups.items(), key=_group_order):
        claims = [r.claimed_at - r.created_at for r in times if r.claimed_at is not None]
        completes = [r.completed_at - r.created_at for r in times if r.completed_at is not None]
        late = sum(
            1
            for r in times
            if ((r.claimed_at if r.claimed_at is not None else now) - r.created_at)
            > (r.target_s if r.target_s is not None else target_s)
        )
        out.append(
            TaskTimes(
                kind=kind,
                hour=hour,
                associate_id=who,
                tasks=len(times),
                claim_p50_s=nearest_rank(claims, 0.5),
                claim_p90_s=nearest_rank(claims, 0.9),
                complete_p50_s=nearest_rank(completes, 0.5),
                complete_p90_s=nearest_rank(completes, 0.9),
                over_target=late if kind in ANSWERED else 0,
            )
        )
    return out


def _group_order(item: tuple[tuple[str, int | None, str | None], object]) -> tuple[str, int, str]:
    kind, hour, who = item[0]
    return kind, hour or 0, who or ""


@dataclass(frozen=True, slots=True)
class GoBacks:
    tasks: int
    items: int
    cleared: int  # go-back tasks completed
    open: int
    clear_p50_s: float | None  # from the task (the room's session end) to completion
    clear_p90_s: float | None


def go_backs_of(rows: Iterable[tuple[int, float, float | None]]) -> GoBacks:
    """From (garments, created_at, completed_at or None) per go-back task."""
    listed = list(rows)
    clear = [done - made for _, made, done in listed if done is not None]
    return GoBacks(
        tasks=len(listed),
        items=sum(n for n, _, _ in listed),
        cleared=len(clear),
        open=len(listed) - len(clear),
        clear_p50_s=nearest_rank(clear, 0.5),
        clear_p90_s=nearest_rank(clear, 0.9),
    )


@dataclass(frozen=True, slots=True)
class HourUse:
    """One hour of the store's day over the range: sessions started then, and the share of the fitting
    rooms' time in that hour that had a session (``utilisation``, 0–1)."""

    hour: int
    sessions_started: int
    occupied_s: float
    available_s: float
    utilisation: float | None


def room_hours_of(
    sessions: Iterable[tuple[float, float]],
    start: float,
    end: float,
    *,
    rooms: int,
    tz: ZoneInfo,
    now: float,
    occupied: list[float] | None = None,
    started: list[int] | None = None,
    available: list[float] | None = None,
) -> list[HourUse]:
    """Sessions (start, end; an open one ends ``now``) overlapping ``[start, end)`` split over the local
    hours they cover; the rooms' available time is ``rooms`` times each hour's length inside the range.
    ``occupied``/``started``/``available`` accumulate several stores (each in its own zone) into one day."""
    occupied = [0.0] * 24 if occupied is None else occupied
    started = [0] * 24 if started is None else started
    available = [0.0] * 24 if available is None else available
    for t0, t1 in sessions:
        if t0 >= start:
            started[datetime.fromtimestamp(t0, tz).hour] += 1
        for hour, seconds in _split_by_hour(max(t0, start), min(t1, end), tz):
            occupied[hour] += seconds
    for hour, seconds in _split_by_hour(start, min(end, max(now, start)), tz):
        available[hour] += seconds * rooms
    return [
        HourUse(
            hour=h,
            sessions_started=started[h],
            occupied_s=round(occupied[h], 3),
            available_s=round(available[h], 3),
            utilisation=round(min(occupied[h] / available[h], 1.0), 4) if available[h] else None,
        )
        for h in range(24)
    ]


def _split_by_hour(t0: float, t1: float, tz: ZoneInfo) -> Iterable[tuple[int, float]]:
    """``[t0, t1)`` cut at the local hour boundaries: (local hour, seconds) pieces."""
    t = t0
    while t < t1:
        local = datetime.fromtimestamp(t, tz)
        boundary = local.replace(minute=0, second=0, microsecond=0).timestamp() + 3600.0
        piece_end = min(t1, boundary)
        yield local.hour, piece_end - t
        t = piece_end


@dataclass(frozen=True, slots=True)
class QueueWaits:
    """Walk-in tickets taken in the range: called to a room, still waiting, and the wait to be called."""

    tickets: int
    called: int
    waiting: int
    wait_p50_s: float | None
    wait_p90_s: float | None


def queue_waits_of(rows: Iterable[tuple[float, float | None]]) -> QueueWaits:
    """From (joined_at, called_at or None) per ticket."""
    listed = list(rows)
    waits = [c - j for j, c in listed if c is not None]
    return QueueWaits(
        tickets=len(listed),
        called=len(waits),
        waiting=len(listed) - len(waits),
        wait_p50_s=nearest_rank(waits, 0.5),
        wait_p90_s=nearest_rank(waits, 0.9),
    )


@dataclass(frozen=True, slots=True)
class ReservationShows:
    """Reservations to try that reached an outcome in the range: the member came (arrived, in the room
    or done) or did not (no_show); ``show_rate`` = shown / (shown + no_show)."""

    reservations: int
    ready: int  # made ready in a room by sensing
    shown: int
    no_show: int
    show_rate: float | None


def reservation_shows_of(statuses: Iterable[tuple[str, str]]) -> ReservationShows:
    """From (reservation id, status) for every status a reservation reached in the range."""
    seen: dict[str, set[str]] = defaultdict(set)
    for rid, status in statuses:
        seen[rid].add(status)
    shown = sum(1 for s in seen.values() if s & set(SHOWED))
    no_show = sum(1 for s in seen.values() if "no_show" in s and not s & set(SHOWED))
    return ReservationShows(
        reservations=len(seen),
        ready=sum(1 for s in seen.values() if "ready" in s),
        shown=shown,
        no_show=no_show,
        show_rate=round(shown / (shown + no_show), 4) if shown + no_show else None,
    )


@dataclass(frozen=True, slots=True)
class StyleFit:
    style_id: str
    tried: int
    bought: int
    try_to_buy: float | None
    fit_problem: bool


def fit_by_style(
    tried: Mapping[str, int], bought: Mapping[str, int], style_of: Mapping[str, str]
) -> list[StyleFit]:
    """Per style, from the per-GTIN tried and bought counts: the try-to-buy rate and the fit-problem
    flag (see ``FIT_PROBLEM_*``); most tried first."""
    by_style: dict[str, list[int]] = {}
    for counts, column in ((tried, 0), (bought, 1)):
        for gtin, n in counts.items():
            style = style_of.get(gtin)
            if style is not None:
                by_style.setdefault(style, [0, 0])[column] += n
    all_tried = sum(t for t, _ in by_style.values())
    store_rate = sum(b for _, b in by_style.values()) / all_tried if all_tried else None
    rows = []
    for style, (t, b) in by_style.items():
        rate = b / t if t else None
        flagged = (
            store_rate is not None
            and rate is not None
            and t >= FIT_PROBLEM_MIN_TRIED
            and rate < FIT_PROBLEM_SHARE * store_rate
        )
        rows.append(StyleFit(style, t, b, round(rate, 4) if rate is not None else None, flagged))
    return sorted(rows, key=lambda r: (-r.tried, r.style_id))


def running_out(lost: Mapping[str, int]) -> set[str]:
    """GTINs asked for while sold out here in ``RUNNING_OUT_MIN_SESSIONS`` sessions or more."""
    return {gtin for gtin, n in lost.items() if n >= RUNNING_OUT_MIN_SESSIONS}
