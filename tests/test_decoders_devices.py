"""Real device payloads (tests/data/devices/): each decodes to what its fixture expects, and an edge fed a
whole folder leaves no dead letter (``fitroom-edge dead-letters`` prints nothing).

Each line of ``<format>.jsonl`` is ``{"source", "topic", "payload", "expect"[, "note"]}``: ``source`` says
where the payload came from (a vendor document's example, verbatim, or "composed from <doc>"), ``payload``
is the message exactly as sent, and ``expect`` the decode: ``observations`` (summarised by type),
``ignored`` reasons and ``errors`` kinds, each empty when absent. Lines are decoded in order through one
router per file (a phone's id may depend on what the same MAC said before).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edge.cli import main as edge_main
from edge.decoders import TopicRouter
from edge.ingest.deadletter import SqlDeadLetterSink
from edge.ingest.pipeline import IngestPipeline
from edge.layout import load_layout
from edge.metrics import EdgeMetrics
from edge.presence import PresenceEngine
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, Observation, ReaderStatus, TagRead
from edge.storage.db import make_engine
from edge.storage.migrations import upgrade as upgrade_edge_db

DEVICES = Path(__file__).parent / "data" / "devices"
FILES = sorted(DEVICES.glob("*.jsonl"))
FORMATS = {"impinj_iot", "zebra_iotc", "espresense", "openmqttgateway"}


def fixtures(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def summary(obs: Observation) -> dict[str, Any]:
    if isinstance(obs, TagRead):
        return {"type": "TagRead", "reader": obs.reader_id, "antenna": obs.antenna, "room": obs.room_id,
                "epc": obs.epc, "gtin": obs.gtin}  # fmt: skip
    if isinstance(obs, AntennaStatus):
        return {"type": "AntennaStatus", "reader": obs.reader_id, "antenna": obs.antenna, "room": obs.room_id,
                "connected": obs.connected}  # fmt: skip
    if isinstance(obs, ReaderStatus):
        return {"type": "ReaderStatus", "reader": obs.reader_id, "online": obs.online}
    if isinstance(obs, BleSighting):
        return {"type": "BleSighting", "node": obs.node_id, "room": obs.room_id, "device": obs.device_id}
    assert isinstance(obs, BleNodeStatus)
    return {"type": "BleNodeStatus", "node": obs.node_id, "online": obs.online}


def test_the_folder_holds_at_least_40_payloads_of_every_format_each_with_its_source() -> None:
    assert {p.stem for p in FILES} == FORMATS
    rows = [row for path in FILES for row in fixtures(path)]
    assert len(rows) >= 40
    for row in rows:
        assert set(row) <= {"source", "topic", "payload", "expect", "note"}
        assert row["source"].strip() and isinstance(row["payload"], str) and isinstance(row["expect"], dict)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_payload_decodes_as_its_fixture_expects(path: Path) -> None:
    router = TopicRouter(load_layout(DEVICES / "layout.toml"))
    for number, row in enumerate(fixtures(path), 1):
        where = f"{path.name}:{number} ({row.get('note') or row['source'][:60]})"
        result = router.route(row["topic"]).decode(row["payload"].encode("utf-8"))
        expect = row["expect"]
        assert [summary(o) for o in result.observations] == expect.get("observations", []), where
        assert [r.value for r in result.ignored] == expect.get("ignored", []), where
        assert [e.kind.value for e in result.errors] == expect.get("errors", []), where


def run_edge_on(paths: list[Path], db_url: str, extra: tuple[tuple[str, bytes], ...] = ()) -> None:
    layout = load_layout(DEVICES / "layout.toml")
    engine = make_engine(db_url)
    upgrade_edge_db(engine)  # the edge's schema, as fitroom-edge run makes it (Alembic owns the tables)
    sink = SqlDeadLetterSink(engine)
    pipeline = IngestPipeline(layout, PresenceEngine(layout), metrics=EdgeMetrics(), dead_letters=sink)
    t = 1_795_000_000.0
    for path in paths:
        for row in fixtures(path):
            t += 0.25
            pipeline.handle(row["topic"], row["payload"].encode("utf-8"), t)
            pipeline.tick(t)
    for topic, payload in extra:
        t += 0.25
        pipeline.handle(topic, payload, t)
    pipeline.flush()
    engine.dispose()


def dead_letters(db_url: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert edge_main(["dead-letters", "--db-url", db_url]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_an_edge_fed_each_folder_keeps_no_dead_letter(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'edge.db'}"
    run_edge_on([path], db_url)
    assert dead_letters(db_url, capsys) == []


def test_the_dead_letter_check_sees_a_payload_no_device_sends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'edge.db'}"
    run_edge_on(FILES, db_url, (("stores/s1/rfid/impinj-a", b'{"eventType":"tagInventory"'),))
    (letter,) = dead_letters(db_url, capsys)
    assert (letter["kind"], letter["topic"]) == ("malformed_json", "stores/s1/rfid/impinj-a")
