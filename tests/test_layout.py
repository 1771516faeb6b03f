"""Store layout loading and validation (docs/formats.md §7): errors name the key at fault."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.layout import BleFormat, LayoutError, ReaderFormat, load_layout

GOOD = """
[store]
id = "s1"
name = "Test store"

[[rooms]]
id = "fr-1"
name = "Fitting room 1"

[[rooms]]
id = "fr-2"
name = "Fitting room 2"
kind = "fitting_room"

[[readers]]
id = "impinj-a"
format = "impinj_iot"
topic = "stores/s1/rfid/impinj-a"
[readers.antennas]
"1" = "fr-1"
"2" = "fr-2"

[[ble_nodes]]
id = "fr-1"
format = "espresense"
room = "fr-1"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "layout.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_layout_is_valid(demo_layout_path: Path) -> None:
    layout = load_layout(demo_layout_path)
    assert layout.store.id == "store-042"
    assert [r.id for r in layout.fitting_rooms] == [f"fr-{i}" for i in range(1, 7)]
    impinj = next(r for r in layout.readers if r.id == "impinj-a")
    assert impinj.format is ReaderFormat.IMPINJ_IOT
    assert impinj.antenna_rooms() == {1: "fr-1", 2: "fr-2", 3: "fr-3", 4: "fr-4"}
    assert impinj.status_topic == "stores/store-042/rfid/impinj-a/status"
    gateway = next(n for n in layout.ble_nodes if n.format is BleFormat.OPENMQTTGATEWAY)
    assert (gateway.root, gateway.room) == ("home", "entrance")


def test_a_minimal_layout_loads(tmp_path: Path) -> None:
    layout = load_layout(write(tmp_path, GOOD))
    assert [r.id for r in layout.rooms] == ["fr-1", "fr-2"]
    assert layout.ble_nodes[0].root == "espresense"


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('name = "Fitting room 2"', 'name = "Fitting room 2"\ncolour = "red"'))
    with pytest.raises(LayoutError) as err:
        load_layout(path)
    assert "rooms[1].colour" in str(err.value)
    assert "unknown key" in str(err.value)


def test_duplicate_room_id_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('id = "fr-2"', 'id = "fr-1"'))
    with pytest.raises(LayoutError) as err:
        load_layout(path)
    assert "rooms[1].id" in str(err.value)
    assert "duplicate" in str(err.value)


def test_duplicate_reader_id_is_named(tmp_path: Path) -> None:
    second = """
[[readers]]
id = "impinj-a"
format = "zebra_iotc"
topic = "stores/s1/rfid/zebra-b"
[readers.antennas]
"1" = "fr-1"
"""
    with pytest.raises(LayoutError) as err:
        load_layout(write(tmp_path, GOOD + second))
    assert "readers[1].id" in str(err.value)


def test_a_neighbour_hint_loads_and_one_naming_no_other_room_is_named(tmp_path: Path) -> None:
    hinted = GOOD.replace('name = "Fitting room 1"', 'name = "Fitting room 1"\nneighbours = ["fr-2"]')
    assert load_layout(write(tmp_path, hinted)).rooms[0].neighbours == ["fr-2"]
    for wrong in ('"fr-9"', '"fr-1"'):  # no such room; itself
        path = write(tmp_path, GOOD.replace('name = "Fitting room 1"', f"name = 'x'\nneighbours = [{wrong}]"))
        with pytest.raises(LayoutError) as err:
            load_layout(path)
        assert "rooms[0].neighbours" in str(err.value)
        assert wrong.strip('"') in str(err.value)


def test_antenna_pointing_at_a_missing_room_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('"2" = "fr-2"', '"2" = "fr-9"'))
    with pytest.raises(LayoutError) as err:
        load_layout(path)
    assert "readers[0].antennas.2" in str(err.value)
    assert "fr-9" in str(err.value)


def test_not_toml_is_a_layout_error(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="not valid TOML"):
        load_layout(write(tmp_path, "[store\n"))


def test_replay_with_a_bad_layout_exits_non_zero_naming_the_key(tmp_path: Path) -> None:
    layout = write(tmp_path, GOOD.replace('"2" = "fr-2"', '"2" = "fr-9"'))
    trace = tmp_path / "trace.jsonl"
    trace.write_text("", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", "replay", "--layout", str(layout), "--trace", str(trace)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "readers[0].antennas.2" in done.stderr
    assert done.stdout == ""


def test_replay_with_an_unknown_layout_key_exits_before_reading_the_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from edge.cli import main

    layout = write(tmp_path, GOOD.replace("[store]\n", "[store]\nfloors = 2\n"))
    status = main(["replay", "--layout", str(layout), "--trace", str(tmp_path / "does-not-exist.jsonl")])
    captured = capsys.readouterr()
    assert status == 2
    assert "store.floors" in captured.err
    assert "cannot read trace" not in captured.err
