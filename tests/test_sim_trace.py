"""Traces and ground truth: deterministic per seed, consistent, and every message is what the edge expects."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from edge.decoders import DecodeError, TopicRouter
from edge.layout import Layout, load_layout
from edge.reads import TagRead
from simulators.trace import Scenario, read_trace, truth_path_for, write_trace
from simulators.truth import read_truth

LAYOUTS = Path(__file__).resolve().parent.parent / "deploy" / "layouts"


@pytest.fixture(scope="module")
def bench6() -> Layout:
    return load_layout(LAYOUTS / "bench6.toml")


@pytest.fixture(scope="module")
def faulty_trace(tmp_path_factory: pytest.TempPathFactory, bench6: Layout) -> tuple[Path, Path]:
    """30 simulated minutes with shoppers, outages and junk."""
    out = tmp_path_factory.mktemp("trace") / "faulty.jsonl"
    scenario = Scenario(seed=11, duration_s=1800, shoppers=14, outages=True, junk=True, zebra_batching=True)
    summary = write_trace(bench6, scenario, out)
    return summary.trace, summary.truth


def _by_kind(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r["kind"] == kind]


def test_truth_file_sits_beside_the_trace() -> None:
    assert truth_path_for("/x/run.jsonl") == Path("/x/run.truth.jsonl")
    assert truth_path_for("/x/run.trace") == Path("/x/run.trace.truth.jsonl")


def test_same_seed_same_bytes_other_seed_other_traffic(tmp_path: Path, bench6: Layout) -> None:
    runs = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        scenario = Scenario(seed=seed, duration_s=300, shoppers=4, junk=True, outages=True)
        summary = write_trace(bench6, scenario, tmp_path / f"{name}.jsonl")
        runs[name] = (summary.trace.read_bytes(), summary.truth.read_bytes())
    assert runs["a"] == runs["b"]
    assert runs["a"][0] != runs["c"][0]


def test_trace_lines_are_in_receive_order_with_string_payloads(faulty_trace: tuple[Path, Path]) -> None:
    lines = read_trace(faulty_trace[0])
    assert len(lines) > 1000
    assert all(set(line) == {"t", "topic", "payload"} and isinstance(line["payload"], str) for line in lines)
    times = [line["t"] for line in lines]
    assert times == sorted(times)


def test_truth_stays_are_consistent(faulty_trace: tuple[Path, Path], bench6: Layout) -> None:
    records = read_truth(faulty_trace[1])
    header = records[0]
    assert header["kind"] == "trace" and header["version"] == 1 and header["seed"] == 11
    assert header["rooms"] == [r.id for r in bench6.fitting_rooms]
    items = {r["epc"]: r for r in _by_kind(records, "item")}
    stays = _by_kind(records, "item_stay")
    assert len(items) >= 14 and len(stays) >= len(items) * 0.8
    per_epc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in stays:
        assert s["room"] in header["covered_rooms"]
        assert s["enter"] < s["exit"] <= header["end"]
        assert s["epc"] in items and items[s["epc"]]["start"] <= s["enter"]
        per_epc[s["epc"]].append(s)
    for epc_stays in per_epc.values():
        epc_stays.sort(key=lambda s: s["enter"])
        for a, b in itertools.pairwise(epc_stays):
            assert a["exit"] <= b["enter"], "a garment is in one room at a time"
    for w in _by_kind(records, "worn"):
        assert any(
            s["room"] == w["room"] and s["enter"] <= w["start"] and w["end"] <= s["exit"]
            for s in per_epc[w["epc"]]
        ), "a garment is worn inside the room it is in"
    shoppers = {r["shopper"]: r for r in _by_kind(records, "shopper")}
    for s in _by_kind(records, "shopper_stay"):
        who = shoppers[s["shopper"]]
        assert who["arrive"] <= s["enter"] < s["exit"] <= who["leave"]
    assert _by_kind(records, "antenna_outage") or _by_kind(records, "reader_outage")
    assert any(s["device_id"] for s in shoppers.values()), "some shoppers carry the app"


def test_every_clean_message_decodes_and_every_junk_message_is_rejected(
    faulty_trace: tuple[Path, Path], bench6: Layout
) -> None:
    router = TopicRouter(bench6)
    junk = {(round(r["t"], 6), r["topic"]): r["what"] for r in _by_kind(read_truth(faulty_trace[1]), "junk")}
    assert len(set(junk.values())) >= 5
    seen_junk = 0
    for line in read_trace(faulty_trace[0]):
        what = junk.get((line["t"], line["topic"]))
        try:
            result = router.route(line["topic"]).decode(line["payload"].encode())
        except DecodeError:
            assert what is not None, f"clean message rejected: {line}"
            seen_junk += 1
            continue
        if what is None:
            assert not result.errors and result.observations, line
        elif what == "non_sgtin":
            assert all(isinstance(o, TagRead) and not o.is_merchandise for o in result.observations)
            seen_junk += 1
        else:
            assert result.errors or result.ignored, (what, line)
            seen_junk += 1
    assert seen_junk == len(junk)


def test_items_in_a_room_are_read_there(faulty_trace: tuple[Path, Path], bench6: Layout) -> None:
    router = TopicRouter(bench6)
    reads: dict[tuple[str, str], list[float]] = defaultdict(list)
    for line in read_trace(faulty_trace[0]):
        try:
            result = router.route(line["topic"]).decode(line["payload"].encode())
        except DecodeError:
            continue
        for o in result.observations:
            if isinstance(o, TagRead):
                reads[(o.epc, o.room_id)].append(line["t"])
    stays = _by_kind(read_truth(faulty_trace[1]), "item_stay")
    long_stays = [s for s in stays if s["exit"] - s["enter"] > 120]
    read_in_stay = [
        s for s in long_stays if any(s["enter"] <= t <= s["exit"] for t in reads[(s["epc"], s["room"])])
    ]
    assert long_stays and len(read_in_stay) == len(long_stays)


def test_trace_command_writes_trace_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "cli.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulators.cli",
            "trace",
            "--layout",
            str(LAYOUTS / "bench10.toml"),
            "--out",
            str(out),
            "--duration",
            "240",
            "--seed",
            "3",
            "--dedup",
            "--outages",
            "--junk",
            "--shoppers",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["messages"] == len(read_trace(out)) > 0
    truth = read_truth(truth_path_for(out))
    assert truth[0]["dedup"] is True and truth[0]["rooms"][-1] == "fr-10"


def test_trace_command_names_a_bad_layout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[store]\nid = "s"\nname = "S"\ncolour = "red"\n[[rooms]]\nid = "fr-1"\nname = "1"\n')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulators.cli",
            "trace",
            "--layout",
            str(bad),
            "--out",
            str(tmp_path / "t.jsonl"),
            "--duration",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "store.colour" in proc.stderr


@pytest.mark.parametrize("fault", ["missing catalog", "broken catalog", "no folder for the trace"])
def test_trace_command_names_a_file_it_cannot_use_and_exits_2(tmp_path: Path, fault: str) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"styles": [')
    catalog = {"missing catalog": tmp_path / "none.json", "broken catalog": broken}.get(fault)
    out = tmp_path / ("gone" if fault == "no folder for the trace" else ".") / "t.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "simulators.cli", "trace", "--layout", str(LAYOUTS / "bench6.toml")]
        + ["--out", str(out), "--duration", "10"]
        + ([] if catalog is None else ["--catalog", str(catalog)]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    named = {
        "missing catalog": "none.json: No such file",
        "broken catalog": "--catalog",
        "no folder for the trace": "gone",
    }
    assert named[fault] in proc.stderr
    assert not out.exists()


def test_each_reader_delivers_in_the_order_it_sent(tmp_path: Path, bench6: Layout) -> None:
    """One MQTT connection per reader keeps its order: receive order follows the reader's own clock."""
    summary = write_trace(
        bench6, Scenario(seed=4, duration_s=600, shoppers=6, outages=True), tmp_path / "order.jsonl"
    )
    stamps: dict[str, list[str]] = defaultdict(list)
    for line in read_trace(summary.trace):
        if line["topic"].startswith("stores/") and not line["topic"].endswith("/status"):
            doc = json.loads(line["payload"])
            for event in doc if isinstance(doc, list) else [doc]:
                stamps[line["topic"]].append(event["timestamp"])
    assert len(stamps) == len(bench6.readers)
    for topic, seq in stamps.items():
        # Same format and same offset per reader, so the strings sort as the times do.
        assert seq == sorted(seq), topic
