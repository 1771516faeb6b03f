"""bench/analytics.py runs end to end on a small history and prints every query beside its baseline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import analytics


def test_the_bench_generates_a_history_and_times_each_query(capsys: pytest.CaptureFixture[str]) -> None:
    assert analytics.main(["--sessions", "300", "--days", "10"]) == 0
    out = capsys.readouterr().out
    assert "history: 300 sessions" in out
    for query in ("kpis", "skus", "count(*) items"):
        assert out.count(f" {query} ") == 2, out
    assert "slowest figure query:" in out
