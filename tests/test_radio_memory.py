"""What presence learned of the store's radio, kept across restarts (``edge.radio_memory``): taken back
whole, for the rooms the layout still has, refused with the key at fault when unreadable."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from edge import cli, radio_memory
from edge.presence import PresenceEngine
from edge.radio_memory import RadioMemory, restore, snapshot
from edge.reads import AntennaStatus, Observation, TagRead
from edge.storage.db import make_engine
from edge.storage.migrations import upgrade
from edge.storage.presence_radio import PresenceRadio
from tests.presence_support import STORE_END, antenna_of, background, epc, layout, run, stays, tag_reads

SEEDS = (1, 2, 3)
TAG = epc(1)


def _learned(seed: int) -> PresenceEngine:
    """An engine that has heard the store's traffic for 25 minutes."""
    engine = PresenceEngine(layout())
    run(engine, background(seed), STORE_END)
    return engine


def _stored(seed: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(snapshot(_learned(seed).radio), allow_nan=False))
    return data


@pytest.mark.parametrize("seed", SEEDS)
def test_an_edge_restarted_with_what_it_learned_tells_a_blind_rooms_garment_from_its_neighbours(
    seed: int,
) -> None:
    """fr-3's antenna is down when a garment is brought in; fr-4 next door hears it, 13 dB under its own
    garments, as it heard fr-3's before the restart. Knowing that, the restarted edge places it in fr-3;
    learning afresh, the first reads would make that fr-4's own level (it took it for fr-4's, on every
    seed here, when written)."""
    engine = PresenceEngine(layout())
    assert restore(engine.radio, _stored(seed)) == 6
    rng = random.Random(seed)
    reader, port = antenna_of("fr-3")
    reads: list[tuple[float, Observation]] = [(10.0, AntennaStatus(reader, port, "fr-3", False))]
    reads += tag_reads(TAG, "fr-4", 20, 300, p=0.5, rssi=-66, rng=rng)
    reads += tag_reads(TAG, "fr-2", 20, 300, p=0.1, rssi=-66, rng=rng)
    reads += [r for r in background(seed) if r[0] < 300 and _room(r) != "fr-3"]
    assert [s.room for s in stays(run(engine, reads, 300), TAG)] == ["fr-3"]


def test_what_is_taken_back_is_what_was_learned() -> None:
    learned = _learned(4)
    engine = PresenceEngine(layout())
    restore(engine.radio, json.loads(json.dumps(snapshot(learned.radio), allow_nan=False)))
    assert snapshot(engine.radio) == snapshot(learned.radio)
    learned.radio.refresh(frozenset(learned.radio.rooms))  # shares follow from what was learned
    assert engine.radio.shares == learned.radio.shares


def test_rooms_the_layout_no_longer_has_are_dropped_and_new_ones_start_afresh() -> None:
    data = _stored(5)
    data["rooms"]["fr-9"] = data["rooms"].pop("fr-6")  # the store renumbered a room
    for pair in data["pairs"]:
        pair[:2] = ["fr-9" if r == "fr-6" else r for r in pair[:2]]
    engine = PresenceEngine(layout())
    fresh = snapshot(engine.radio)
    assert restore(engine.radio, data) == 5
    after = snapshot(engine.radio)
    assert after["rooms"]["fr-6"] == fresh["rooms"]["fr-6"] and "fr-9" not in after["rooms"]
    assert after["rooms"]["fr-1"] == data["rooms"]["fr-1"]
    # fr-6 heard none of fr-5's garments' seconds so far: how many it hears is not yet known (the prior),
    # not "none of thousands" (fr-4, which did, keeps what it learned).
    prior = PresenceEngine(layout()).radio.shares[("fr-5", "fr-6")]
    assert engine.radio.shares[("fr-5", "fr-6")] == pytest.approx(prior)
    learned = _learned(5).radio
    learned.refresh(frozenset(learned.rooms))
    assert engine.radio.shares[("fr-5", "fr-4")] == learned.shares[("fr-5", "fr-4")]


def _set(path: tuple[str | int, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(("version",), 2), "version"),
        (_set(("rooms",), []), "rooms"),
        (_set(("rooms", "fr-2", "noise"), -1.0), r"rooms\.fr-2\.noise"),
        (_set(("rooms", "fr-2", "seen"), "many"), r"rooms\.fr-2\.seen"),
        (_set(("rooms", "fr-2", "level"), float("inf")), r"rooms\.fr-2\.level"),
        (_set(("pairs", 3), ["fr-1", "fr-2"]), r"pairs\[3\]"),
        (_set(("pairs", 3, 0), ["fr-1"]), r"pairs\[3\]"),
        (_set(("pairs", 3, 2, "heard"), -5), r"pairs\[3\]\.heard"),
        (_set(("corridor",), None), "corridor"),
    ],
)
def test_an_unreadable_radio_names_what_is_wrong_and_changes_nothing(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = _stored(6)
    change(data)
    engine = PresenceEngine(layout())
    before = copy.deepcopy(snapshot(engine.radio))
    with pytest.raises(ValueError, match=message):
        restore(engine.radio, data)
    assert snapshot(engine.radio) == before


async def test_the_edge_database_keeps_the_radio_and_an_unreadable_row_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    upgrade(db)
    learned = _learned(7)
    await RadioMemory(db, learned.radio).keep()
    restarted = PresenceEngine(layout())
    await RadioMemory(db, restarted.radio).recall()
    assert snapshot(restarted.radio) == snapshot(learned.radio)

    with Session(db) as session:
        row = session.get(PresenceRadio, 1)
        assert row is not None
        row.body = row.body.replace('"noise": ', '"noise": -', 1)
        session.add(row)
        session.commit()
    again = PresenceEngine(layout())
    fresh = snapshot(again.radio)
    with caplog.at_level(logging.WARNING, logger="edge.radio_memory"):
        await RadioMemory(db, again.radio).recall()
    assert snapshot(again.radio) == fresh
    assert any("noise: expected a variance" in r.getMessage() for r in caplog.records)
    db.dispose()


def _room(o: tuple[float, Observation]) -> str | None:
    return o[1].room_id if isinstance(o[1], TagRead) else None


async def test_the_radio_command_shows_which_rooms_hear_which_and_forgets_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In the test store every room's garment is read in half its room's rounds at -53 dBm, and by the
    rooms on either side in a tenth of theirs at -66 dBm, by no other: so each room's line names its
    neighbours, some 13 dB weaker (a second's peak of several reads, the command shows)."""
    url = f"sqlite:///{tmp_path / 'edge.db'}"
    assert cli.main(["radio", "--db-url", url]) == 0
    assert "nothing learned yet" in capsys.readouterr().out
    db = make_engine(url)
    upgrade(db)
    learned = _learned(8)
    await RadioMemory(db, learned.radio).keep()
    db.dispose()

    assert cli.main(["radio", "--db-url", url]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("fr-")}
    assert set(rows) == {f"fr-{i}" for i in range(1, 7)}
    assert all(-54.0 < float(row[1]) < -50.0 for row in rows.values())  # their garments' peak level
    heard = dict(line.strip().split(": ", 1) for line in out.splitlines() if line.startswith("  fr-"))
    assert heard["fr-1"].startswith("fr-2 ") and heard["fr-1"].count("%") == 1
    for part in heard["fr-3"].split("; "):
        room, share, weaker = part.split(" ", 2)
        assert room in ("fr-2", "fr-4") and 0.2 <= float(share.strip("%,")) / 100 <= 0.5, part
        assert 11 <= int(weaker.split()[0]) <= 16, part
    assert heard["fr-3"].count("%") == 2

    # A layout naming fr-2 beside fr-1 (right) and fr-5 beside fr-1 (wrong: neither hears the other's).
    rooms = "".join(f'[[rooms]]\nid = "fr-{i}"\nname = "Room {i}"\n' for i in range(2, 7))
    hint = 'neighbours = ["fr-2", "fr-5"]\n'
    (tmp_path / "layout.toml").write_text(
        f'[store]\nid = "s1"\nname = "S"\n[[rooms]]\nid = "fr-1"\nname = "Room 1"\n{hint}{rooms}', "utf-8"
    )
    assert cli.main(["radio", "--db-url", url, "--layout", str(tmp_path / "layout.toml")]) == 0
    out = capsys.readouterr().out
    heard = dict(
        line.strip().split(": ", 1) for line in out.splitlines() if line.startswith("  fr-") and ":" in line
    )
    assert heard["fr-1"].startswith("fr-2 ") and heard["fr-1"].endswith("(named)")
    assert "(named)" not in heard["fr-3"]
    assert out.splitlines()[-1].strip() == "fr-1 and fr-5" and "check the hint" in out
    (tmp_path / "layout.toml").write_text("[store]\n", "utf-8")
    assert cli.main(["radio", "--db-url", url, "--layout", str(tmp_path / "layout.toml")]) == 2

    assert cli.main(["radio", "--db-url", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(snapshot(learned.radio)))
    assert cli.main(["radio", "--db-url", url, "--forget"]) == 0
    assert "forgot" in capsys.readouterr().out
    assert cli.main(["radio", "--db-url", url]) == 0
    assert "nothing learned yet" in capsys.readouterr().out


async def test_the_radio_is_saved_every_few_minutes_and_a_failed_save_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(radio_memory, "SAVE_EVERY_S", 0.05)
    db = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    learned = _learned(9)
    saving = asyncio.create_task(RadioMemory(db, learned.radio).keep_forever())
    await asyncio.sleep(0.3)  # no table yet: every save fails, and is tried again
    assert not saving.done()
    assert any("could not save the store's radio" in r.getMessage() for r in caplog.records)
    upgrade(db)
    await asyncio.sleep(0.3)
    saving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await saving
    restarted = PresenceEngine(layout())
    await RadioMemory(db, restarted.radio).recall()
    assert snapshot(restarted.radio) == snapshot(learned.radio)
    db.dispose()
