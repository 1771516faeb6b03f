"""``fitroom-edge replay``: traces through the live decode and presence code, deterministically."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from edge.cli import main
from edge.layout import Layout
from edge.presence import PresenceEngine
from edge.presence.events import PresenceEvent
from edge.radio_memory import restore, snapshot
from edge.replay import replay_trace
from simulators.formats import ZebraTagEvent, impinj_tag_inventory, zebra_inventory
from simulators.trace import Scenario, write_trace

EPC_A = "3074257BF7194E4000001A85"
EPC_B = "30340242201D8840009EFA91"
T0 = 1_795_000_000.0
IMPINJ = "stores/store-042/rfid/impinj-a"
ZEBRA = "stores/store-042/rfid/zebra-b"


def line(t: float, topic: str, payload: str) -> str:
    return json.dumps({"t": t, "topic": topic, "payload": payload}) + "\n"


def impinj(t: float, epc: str, port: int, rssi_cdbm: int = -5000) -> str:
    return line(
        t, IMPINJ, impinj_tag_inventory(epc_hex=epc, antenna_port=port, peak_rssi_cdbm=rssi_cdbm, t=t)
    )


def hand_written_trace() -> list[str]:
    """Garment A in fr-1 for 10 s (read twice a second), garment B in fr-5 via the Zebra; then quiet."""
    lines = []
    for i in range(20):
        t = T0 + i * 0.5
        lines.append(impinj(t, EPC_A, 1))
        if i % 2 == 0:
            ev = ZebraTagEvent(t=t, epc_hex=EPC_B, antenna=1, peak_rssi_dbm=-50, reads=4, event_num=i)
            lines.append(line(t + 0.01, ZEBRA, zebra_inventory([ev], 120, batched=False)))
    return lines


def write(tmp_path: Path, lines: list[str], name: str = "trace.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "edge.cli", "--log-level", "WARNING", "replay", *args],
        capture_output=True,
        timeout=240,
        check=False,
    )


def parse(stdout: str | bytes) -> list[dict[str, Any]]:
    text = stdout.decode() if isinstance(stdout, bytes) else stdout
    return [json.loads(x) for x in text.splitlines()]


def test_hand_written_trace_gives_entries_then_leaves_on_the_tick_grid(
    tmp_path: Path, demo_layout_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = write(tmp_path, hand_written_trace())
    status = main(["replay", "--layout", str(demo_layout_path), "--trace", str(trace), "--drain", "300"])
    out = capsys.readouterr()
    assert status == 0
    events = parse(out.out)
    mine = [(e["type"], e["room"], e["epc"]) for e in events if e.get("epc")]
    assert mine.count(("item_entered", "fr-1", EPC_A)) == 1
    assert mine.count(("item_entered", "fr-5", EPC_B)) == 1
    assert mine.count(("item_left", "fr-1", EPC_A)) == 1
    assert mine.count(("item_left", "fr-5", EPC_B)) == 1
    for event in events:
        assert set(event) >= {"t", "type", "room"}
        if event["type"].startswith("item_"):
            assert 0.0 <= event["confidence"] <= 1.0, "item events carry the posterior of their room"
            assert (event["confidence"] > 0.5) == (event["type"] == "item_entered")
        if event["type"] == "item_left":
            assert event["t"] > T0 + 9.5
            assert (event["t"] * 2) == int(event["t"] * 2), "leaves come from ticks on the 0.5 s grid"
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    assert "0 bad lines" in out.err and "item_entered 2" in out.err


def test_without_drain_items_still_in_the_room_at_the_end_do_not_leave(
    tmp_path: Path, demo_layout_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trace = write(tmp_path, hand_written_trace())
    assert main(["replay", "--layout", str(demo_layout_path), "--trace", str(trace)]) == 0
    types = [e["type"] for e in parse(capsys.readouterr().out)]
    assert "item_entered" in types and "item_left" not in types


def test_leaves_come_out_on_time_across_a_quiet_gap(demo_layout: Layout) -> None:
    lines = [*hand_written_trace(), impinj(T0 + 600, EPC_B, 1)]
    events: list[PresenceEvent] = []
    replay_trace(demo_layout, lines, emit=events.append)
    left = [e for e in events if e.type == "item_left" and e.epc == EPC_A]
    assert len(left) == 1
    assert T0 + 10 < left[0].t < T0 + 300, (
        "the leave is decided by a tick in the gap, not by the next message"
    )


def test_bad_lines_are_counted_on_stderr_and_never_fatal(
    tmp_path: Path, demo_layout_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = hand_written_trace()
    bad = [
        "not json\n",
        '{"topic": "x", "payload": "y"}\n',
        '{"t": "soon", "topic": "x", "payload": "y"}\n',
        '{"t": 1795000001, "topic": "x", "payload": {"an": "object"}}\n',
        '{"t": NaN, "topic": "x", "payload": "y"}\n',
        "[1, 2]\n",
        "\n",
    ]
    trace = write(tmp_path, good[:5] + bad + good[5:])
    assert main(["replay", "--layout", str(demo_layout_path), "--trace", str(trace)]) == 0
    out = capsys.readouterr()
    assert "6 bad lines" in out.err
    assert f"{trace}:6: skipped: not a JSON object" in out.err
    assert parse(out.out), "good lines around the bad ones still produce events"


def test_garbage_payloads_are_counted_per_kind(
    tmp_path: Path, demo_layout_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        line(T0, IMPINJ, "{not json"),
        line(T0 + 1, "stores/store-042/rfid/ghost", "{}"),
        line(T0 + 2, IMPINJ, impinj_tag_inventory(epc_hex=EPC_A, antenna_port=9, peak_rssi_cdbm=-5000, t=T0)),
        line(
            T0 + 3,
            IMPINJ,
            impinj_tag_inventory(epc_hex="E2801160600002AB", antenna_port=1, peak_rssi_cdbm=-1, t=T0),
        ),
    ]
    assert main(["replay", "--layout", str(demo_layout_path), "--trace", str(write(tmp_path, lines))]) == 0
    err = capsys.readouterr().err
    assert "decode errors: malformed_json 1, unknown_antenna 1, unknown_topic 1" in err
    assert "non-merchandise tag reports: 1" in err
    assert "(rfid 3, ble 0, other 1)" in err


def test_an_engine_that_raises_fails_the_replay_after_counting_it(
    tmp_path: Path,
    demo_layout_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The live edge counts a bug and goes on; a replay judges an engine, so its exit status says so."""

    def broken(self: object, now: float) -> list[PresenceEvent]:
        raise AttributeError("a bug in the engine")

    monkeypatch.setattr("edge.presence.PresenceEngine.tick", broken)
    trace = write(tmp_path, hand_written_trace())
    assert main(["replay", "--layout", str(demo_layout_path), "--trace", str(trace)]) == 3
    err = capsys.readouterr().err
    assert "decode errors: internal_error" in err
    assert "the engine raised on" in err


def test_out_of_order_lines_never_turn_the_clock_back(demo_layout: Layout) -> None:
    lines = hand_written_trace()
    lines.insert(10, impinj(T0 - 100, EPC_A, 1))
    events: list[PresenceEvent] = []
    summary = replay_trace(demo_layout, lines, emit=events.append, drain_s=300)
    assert summary.out_of_order == 1
    assert [e.t for e in events] == sorted(e.t for e in events)


def test_a_huge_gap_is_crossed_without_ticking_every_step(demo_layout: Layout) -> None:
    lines = [*hand_written_trace(), impinj(T0 + 30 * 86400, EPC_A, 2)]
    events: list[PresenceEvent] = []
    replay_trace(demo_layout, lines, emit=events.append)
    assert any(e.type == "item_left" and e.epc == EPC_A and e.t < T0 + 3600 for e in events)


def test_replay_reads_stdin(demo_layout_path: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", "replay", "--layout", str(demo_layout_path), "--trace", "-"],
        input="".join(hand_written_trace()).encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0
    assert any(e["type"] == "item_entered" for e in parse(done.stdout))


def test_bad_options_and_missing_trace_exit_2(demo_layout_path: Path, tmp_path: Path) -> None:
    assert run_cli("--layout", str(demo_layout_path), "--trace", str(tmp_path / "nope.jsonl")).returncode == 2
    trace = write(tmp_path, hand_written_trace())
    assert run_cli("--layout", str(demo_layout_path), "--trace", str(trace), "--tick", "0").returncode == 2


def test_simulator_trace_replays_byte_identically(
    tmp_path: Path, demo_layout: Layout, demo_layout_path: Path
) -> None:
    trace = tmp_path / "sim.jsonl"
    scenario = Scenario(seed=7, duration_s=240.0, shoppers=4, outages=True, junk=True, zebra_batching=True)
    write_trace(demo_layout, scenario, trace)
    first = run_cli("--layout", str(demo_layout_path), "--trace", str(trace), "--drain", "120")
    second = run_cli("--layout", str(demo_layout_path), "--trace", str(trace), "--drain", "120")
    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout == second.stdout
    events = parse(first.stdout)
    assert any(e["type"] == "item_entered" for e in events)
    assert b"0 bad lines" in first.stderr
    # The in-process replay prints the very same lines.
    lines: list[str] = []
    with trace.open(encoding="utf-8") as fh:
        replay_trace(demo_layout, fh, emit=lambda e: lines.append(json.dumps(e.to_json())), drain_s=120)
    assert "\n".join(lines) + "\n" == first.stdout.decode()


def test_every_junk_message_of_a_simulator_trace_is_counted_as_what_it_is(
    tmp_path: Path, demo_layout: Layout
) -> None:
    trace = tmp_path / "junk.jsonl"
    write_trace(
        demo_layout, Scenario(seed=11, duration_s=400.0, shoppers=4, junk=True, zebra_batching=True), trace
    )
    truth = [json.loads(x) for x in (tmp_path / "junk.truth.jsonl").read_text(encoding="utf-8").splitlines()]
    junk: dict[str, int] = {}
    for record in truth:
        if record.get("kind") == "junk":
            junk[record["what"]] = junk.get(record["what"], 0) + 1
    assert junk, "the scenario should contain junk"
    with trace.open(encoding="utf-8") as fh:
        summary = replay_trace(demo_layout, fh, emit=lambda _e: None)
    errors = {k: v for k, v in summary.metrics.samples("fitroom_decode_errors_total").items() if v}
    expected_errors = {k: v for k, v in junk.items() if k not in {"ble_garbage", "non_sgtin"}}
    assert errors == expected_errors
    assert summary.metrics.value("fitroom_ingest_ignored_total", reason="ble_fingerprint") == junk.get(
        "ble_garbage", 0
    )
    assert summary.metrics.value("fitroom_non_merchandise_total") == junk.get("non_sgtin", 0)


def test_replay_starts_from_a_stores_learned_radio_when_given_one(
    tmp_path: Path, demo_layout: Layout, demo_layout_path: Path
) -> None:
    """``--radio`` takes the JSON ``fitroom-edge radio --json`` prints: the replay then decides as an
    engine that took that radio back does (a restarted edge), not as one learning it afresh."""
    trace = tmp_path / "sim.jsonl"
    write_trace(demo_layout, Scenario(seed=8, duration_s=300.0, shoppers=4), trace)
    learned = PresenceEngine(demo_layout)
    with trace.open(encoding="utf-8") as fh:
        replay_trace(demo_layout, fh, emit=lambda e: None, engine=learned)
    radio = tmp_path / "radio.json"
    radio.write_text(json.dumps(snapshot(learned.radio), allow_nan=False), encoding="utf-8")
    args = ("--layout", str(demo_layout_path), "--trace", str(trace))
    warm = run_cli(*args, "--radio", str(radio))
    assert warm.returncode == 0, warm.stderr.decode()
    restarted = PresenceEngine(demo_layout)
    restore(restarted.radio, json.loads(radio.read_text(encoding="utf-8")))
    lines: list[str] = []
    with trace.open(encoding="utf-8") as fh:
        replay_trace(demo_layout, fh, emit=lambda e: lines.append(json.dumps(e.to_json())), engine=restarted)
    assert "\n".join(lines) + "\n" == warm.stdout.decode()
    assert run_cli(*args).stdout != warm.stdout  # learning afresh decides otherwise

    radio.write_text(
        radio.read_text(encoding="utf-8").replace('"noise": ', '"noise": -', 1), encoding="utf-8"
    )
    bad = run_cli(*args, "--radio", str(radio))
    assert bad.returncode == 2 and b"noise: expected a variance" in bad.stderr and not bad.stdout
    assert run_cli(*args, "--radio", str(tmp_path / "none.json")).returncode == 2
