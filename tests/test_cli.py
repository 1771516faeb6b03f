"""``fitroom-edge``: subcommands load lazily, a missing one is reported, layout errors exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge import cli


def test_help_lists_every_registered_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "replay" in out and "run" in out


def test_replay_does_not_import_the_service(demo_layout_path: Path, tmp_path: Path) -> None:
    trace = tmp_path / "empty.jsonl"
    trace.write_text("", encoding="utf-8")
    code = (
        "import sys; from edge.cli import main; "
        f"status = main(['replay', '--layout', {str(demo_layout_path)!r}, '--trace', {str(trace)!r}]); "
        "print('edge.service' in sys.modules, status)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "False 0", done.stderr


def test_a_command_whose_module_is_missing_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(cli.COMMANDS, "ghost", ("edge.no_such_module", "not built yet"))
    assert cli.main(["ghost"]) == 2
    assert "edge.no_such_module is missing" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["fly"])
    assert done.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_global_log_level_before_the_command(demo_layout_path: Path, tmp_path: Path) -> None:
    trace = tmp_path / "empty.jsonl"
    trace.write_text("", encoding="utf-8")
    argv = ["--log-level", "debug", "replay", "--layout", str(demo_layout_path), "--trace", str(trace)]
    assert cli.main(argv) == 0


def test_dead_letters_lists_the_newest_samples_as_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from edge.ingest import SqlDeadLetterSink
    from edge.storage.db import make_engine
    from edge.storage.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'edge.db'}"
    db = make_engine(url)
    upgrade(db)
    sink = SqlDeadLetterSink(db)
    sink.offer(t=10.0, kind="malformed_json", topic="stores/s1/rfid/a", payload=b"{oops", error="not JSON")
    sink.offer(t=20.0, kind="unknown_antenna", topic="stores/s1/rfid/a", payload=b"{}", error="antenna 9")
    sink.flush()
    db.dispose()
    assert cli.main(["dead-letters", "--db-url", url]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["t"], r["kind"], r["payload"]) for r in rows] == [
        (20.0, "unknown_antenna", "{}"),
        (10.0, "malformed_json", "{oops"),
    ]
    assert cli.main(["dead-letters", "--db-url", url, "--kind", "malformed_json"]) == 0
    assert [json.loads(x)["kind"] for x in capsys.readouterr().out.splitlines()] == ["malformed_json"]


def test_dead_letters_on_a_fresh_database_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["dead-letters", "--db-url", f"sqlite:///{tmp_path / 'new.db'}"]) == 0
    assert capsys.readouterr().out == ""
