"""The simulated associates' decisions (pure): react after a delay, oldest first, one task at a time, and
answer the shopper with a quick reply now and then."""

from __future__ import annotations

import random
from typing import Any

from simulators.associates import Action, AssociateBrain, Pace

FIXED = Pace(react_s=(5.0, 5.0), work_s={"size_request": (30.0, 30.0), "bag": (20.0, 20.0)})


def task(
    task_id: int, kind: str = "size_request", status: str = "open", age_s: float = 0.0
) -> dict[str, Any]:
    return {"id": task_id, "kind": kind, "status": status, "age_s": age_s, "claimed_by": None}


def brain(pace: Pace = FIXED) -> AssociateBrain:
    return AssociateBrain("Ana", pace, random.Random(1))


def test_a_new_task_is_claimed_only_after_the_reaction_delay() -> None:
    b = brain()
    assert b.decide([task(1)], now=100.0) is None
    assert b.decide([task(1)], now=104.9) is None
    assert b.decide([task(1)], now=105.0) == Action("claim", "1")


def test_the_oldest_noticed_open_task_is_claimed_first() -> None:
    b = brain()
    queue = [task(1, age_s=90.0), task(2, age_s=10.0)]
    b.decide(queue, now=0.0)
    assert b.decide(queue, now=6.0) == Action("claim", "1")


def test_a_claimed_task_is_completed_after_its_kinds_work_time_and_nothing_else_is_taken_meanwhile() -> None:
    b = brain()
    queue = [task(1, kind="bag"), task(2)]
    b.decide(queue, now=0.0)
    b.claimed(task(1, kind="bag", status="claimed"), now=5.0)
    busy_queue = [task(1, kind="bag", status="claimed"), task(2)]
    assert b.decide(busy_queue, now=24.0) is None
    assert b.decide(busy_queue, now=25.0) == Action("complete", "1")
    b.completed("1")
    assert b.decide([task(2)], now=26.0) == Action("claim", "2")


def test_a_task_lost_to_another_associate_is_forgotten() -> None:
    b = brain()
    b.decide([task(1)], now=0.0)
    b.lost("1")
    assert b.busy_with is None
    # It is still "open" in a stale list: it is noticed afresh, with a new reaction delay.
    assert b.decide([task(1)], now=6.0) is None


def test_a_task_that_disappears_while_being_worked_frees_the_associate() -> None:
    b = brain()
    b.decide([task(1)], now=0.0)
    b.claimed(task(1, status="claimed"), now=5.0)
    assert b.decide([], now=6.0) is None
    assert b.busy_with is None


def test_speed_divides_every_delay() -> None:
    b = brain(Pace(react_s=(10.0, 10.0), speed=5.0))
    b.decide([task(1)], now=0.0)
    assert b.decide([task(1)], now=2.0) == Action("claim", "1")


def test_quick_replies_go_to_the_tasks_a_shopper_waits_on_now_and_then() -> None:
    b = brain()
    answers = [b.reply_for(task(n, kind)) for n in range(200) for kind in ("size_request", "help")]
    sent = [a for a in answers if a is not None]
    assert 0.45 < len(sent) / len(answers) < 0.75  # REPLY_SHARE, 0.6
    assert set(sent) == {"On my way", "Two minutes"}
    assert {b.reply_for(task(n, "bag")) for n in range(50)} <= {None, "On my way"}
    assert all(b.reply_for(task(n, "go_back")) is None for n in range(50))  # nobody waits on a go-back
