"""The ingest pipeline: decode -> presence engine, counting, dead letters, rate-limited logs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from edge.ingest import IngestPipeline, MemoryDeadLetterSink, SqlDeadLetterSink
from edge.layout import Layout
from edge.metrics import EdgeMetrics
from edge.presence import PresenceEngine
from edge.presence.events import EventType, PresenceEvent
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, Observation, ReaderStatus, TagRead
from tests.decoder_support import CHECK_EPC, dumps, small_layout
from tests.test_deadletter_sink import migrated

IMPINJ = "stores/s1/rfid/impinj-a"
ZEBRA = "stores/s1/rfid/zebra-b"
OTHER_EPC = "E28011606000020D6842A5B1"


def impinj_read(epc: str = CHECK_EPC, port: int = 1, rssi: int = -5500) -> bytes:
    return dumps(
        {
            "eventType": "tagInventory",
            "tagInventoryEvent": {"epcHex": epc, "antennaPort": port, "peakRssiCdbm": rssi},
        }
    )


def zebra_event(epc: str = CHECK_EPC, antenna: int = 1) -> dict[str, Any]:
    return {
        "type": "INVENTORY",
        "data": {"idHex": epc.lower(), "antenna": antenna, "peakRssi": -60, "reads": 2},
    }


class RecordingEngine:
    """A presence core that records what it is given and returns scripted events."""

    def __init__(self) -> None:
        self.seen: list[tuple[Observation, float]] = []
        self.ticks: list[float] = []
        self.script: list[list[PresenceEvent]] = []
        self.tick_script: list[list[PresenceEvent]] = []
        self.fail_on: type | None = None

    def observe(self, obs: Observation, now: float) -> list[PresenceEvent]:
        if self.fail_on is not None and isinstance(obs, self.fail_on):
            raise RuntimeError("engine bug")
        self.seen.append((obs, now))
        return self.script.pop(0) if self.script else []

    def tick(self, now: float) -> list[PresenceEvent]:
        self.ticks.append(now)
        return self.tick_script.pop(0) if self.tick_script else []


class Rig:
    def __init__(self, layout: Layout, **kwargs: Any) -> None:
        self.engine = RecordingEngine()
        self.metrics = EdgeMetrics()
        self.letters = MemoryDeadLetterSink()
        self.pipeline = IngestPipeline(
            layout, self.engine, metrics=self.metrics, dead_letters=self.letters, **kwargs
        )

    def count(self, name: str, **labels: str) -> float:
        return self.metrics.value(name, **labels)


@pytest.fixture
def rig() -> Rig:
    return Rig(small_layout())


def test_subscriptions_are_the_layouts_topics(rig: Rig) -> None:
    subs = rig.pipeline.subscriptions()
    assert subs == rig.pipeline.router.subscriptions()
    assert {"stores/s1/rfid/impinj-a", "stores/s1/rfid/impinj-a/status", "espresense/devices/+/+"} <= set(
        subs
    )


def test_a_tag_read_reaches_the_engine_with_the_receive_time(rig: Rig) -> None:
    assert rig.pipeline.handle(IMPINJ, impinj_read(), 1000.5) == []
    ((obs, now),) = rig.engine.seen
    assert isinstance(obs, TagRead) and (obs.epc, obs.room_id, now) == (CHECK_EPC, "fr-1", 1000.5)
    assert rig.count("fitroom_mqtt_messages_total", kind="rfid") == 1
    assert rig.count("fitroom_tag_reports_total", reader="impinj-a") == 1


def test_engine_events_are_returned_and_counted_by_type(rig: Rig) -> None:
    entered = PresenceEvent(5.0, EventType.ITEM_ENTERED, "fr-1", epc=CHECK_EPC)
    rig.engine.script = [[entered]]
    assert rig.pipeline.handle(IMPINJ, impinj_read(), 5.0) == [entered]
    assert rig.count("fitroom_presence_events_total", type="item_entered") == 1
    assert rig.count("fitroom_presence_events_total", type="item_left") == 0


def test_non_merchandise_is_counted_and_still_observed(rig: Rig) -> None:
    rig.pipeline.handle(IMPINJ, impinj_read(OTHER_EPC), 1.0)
    assert rig.count("fitroom_non_merchandise_total") == 1
    assert isinstance(rig.engine.seen[0][0], TagRead) and rig.engine.seen[0][0].gtin is None


def test_malformed_json_is_counted_dead_lettered_and_not_observed(rig: Rig) -> None:
    assert rig.pipeline.handle(IMPINJ, b'{"eventType": tagInv', 7.0) == []
    assert rig.engine.seen == []
    assert rig.count("fitroom_mqtt_messages_total", kind="rfid") == 1
    assert rig.count("fitroom_decode_errors_total", kind="malformed_json") == 1
    assert rig.count("fitroom_ingest_rejected_messages_total") == 1
    (letter,) = rig.letters.letters
    assert (letter.t, letter.kind, letter.topic, letter.payload) == (
        7.0,
        "malformed_json",
        IMPINJ,
        '{"eventType": tagInv',
    )
    assert rig.count("fitroom_dead_letters_total") == 1


def test_unknown_topic_is_other_traffic(rig: Rig) -> None:
    rig.pipeline.handle("stores/s1/rfid/nobody", impinj_read(), 1.0)
    assert rig.count("fitroom_mqtt_messages_total", kind="other") == 1
    assert rig.count("fitroom_decode_errors_total", kind="unknown_topic") == 1


def test_unknown_antenna_is_rejected(rig: Rig) -> None:
    rig.pipeline.handle(IMPINJ, impinj_read(port=9), 1.0)
    assert rig.count("fitroom_decode_errors_total", kind="unknown_antenna") == 1
    assert rig.engine.seen == []


def test_ignored_messages_are_counted_by_reason(rig: Rig) -> None:
    rig.pipeline.handle(IMPINJ, dumps({"eventType": "inventoryStatus", "inventoryStatusEvent": {}}), 1.0)
    rig.pipeline.handle("espresense/devices/apple:1005:9-26/fr-1", b'{"rssi":-60}', 1.0)
    assert rig.count("fitroom_ingest_ignored_total", reason="reader_event") == 1
    assert rig.count("fitroom_ingest_ignored_total", reason="ble_fingerprint") == 1
    assert rig.count("fitroom_mqtt_messages_total", kind="ble") == 1
    assert rig.count("fitroom_ingest_rejected_messages_total") == 0


def test_a_partly_bad_batch_observes_the_good_events_and_counts_each_bad_one(rig: Rig) -> None:
    payload = dumps([zebra_event(), zebra_event(antenna=9), 5, zebra_event(OTHER_EPC, antenna=3)])
    rig.pipeline.handle(ZEBRA, payload, 2.0)
    assert [o.epc for o, _ in rig.engine.seen if isinstance(o, TagRead)] == [CHECK_EPC, OTHER_EPC]
    assert rig.count("fitroom_decode_errors_total", kind="unknown_antenna") == 1
    assert rig.count("fitroom_decode_errors_total", kind="wrong_type") == 1
    assert rig.count("fitroom_ingest_rejected_messages_total") == 0
    assert [letter.kind for letter in rig.letters.letters] == ["unknown_antenna", "wrong_type"]


def test_a_batch_of_only_bad_events_is_one_rejected_message(rig: Rig) -> None:
    rig.pipeline.handle(ZEBRA, dumps([zebra_event(antenna=9), zebra_event(antenna=8)]), 2.0)
    assert rig.count("fitroom_ingest_rejected_messages_total") == 1
    assert rig.count("fitroom_decode_errors_total", kind="unknown_antenna") == 2


def test_an_engine_bug_is_an_internal_error_and_ingest_goes_on(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.engine.fail_on = BleSighting
    with caplog.at_level(logging.ERROR, logger="edge.ingest.pipeline"):
        assert rig.pipeline.handle("espresense/devices/irk:00/fr-1", b'{"rssi":-60}', 1.0) == []
    assert rig.count("fitroom_decode_errors_total", kind="internal_error") == 1
    assert rig.count("fitroom_ingest_rejected_messages_total") == 1
    assert [letter.kind for letter in rig.letters.letters] == ["internal_error"]
    assert "internal error" in caplog.text
    rig.pipeline.handle(IMPINJ, impinj_read(), 2.0)
    assert len(rig.engine.seen) == 1


def test_status_observations_set_the_online_gauges(rig: Rig) -> None:
    rig.pipeline.handle("stores/s1/rfid/impinj-a/status", b"offline", 1.0)
    rig.pipeline.handle("espresense/rooms/fr-2/status", b"offline", 1.0)
    assert rig.count("fitroom_reader_online", reader="impinj-a") == 0
    assert rig.count("fitroom_ble_node_online", node="fr-2") == 0
    assert [o for o, _ in rig.engine.seen] == [
        ReaderStatus("impinj-a", False),
        BleNodeStatus("fr-2", "fr-2", False),
    ]


def test_a_reader_that_talks_after_its_last_will_is_online_again(rig: Rig) -> None:
    rig.pipeline.handle("stores/s1/rfid/impinj-a/status", b"offline", 1.0)
    rig.pipeline.handle(IMPINJ, impinj_read(), 2.0)
    rig.pipeline.handle(IMPINJ, impinj_read(), 3.0)
    kinds = [type(o).__name__ for o, _ in rig.engine.seen]
    assert kinds == ["ReaderStatus", "ReaderStatus", "TagRead", "TagRead"]
    assert rig.engine.seen[1] == (ReaderStatus("impinj-a", True), 2.0)
    assert rig.count("fitroom_reader_online", reader="impinj-a") == 1


def test_an_antenna_event_after_the_last_will_also_brings_the_reader_back(rig: Rig) -> None:
    rig.pipeline.handle("stores/s1/rfid/impinj-a/status", b"offline", 1.0)
    rig.pipeline.handle(
        IMPINJ, dumps({"eventType": "antennaConnected", "antennaConnectedEvent": {"antennaPort": 2}}), 2
    )
    assert [o for o, _ in rig.engine.seen][1:] == [
        ReaderStatus("impinj-a", True),
        AntennaStatus("impinj-a", 2, "fr-2", True),
    ]


def test_errors_are_logged_once_per_kind_per_interval_with_a_suppressed_count(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="edge.ingest.pipeline"):
        for i in range(100):
            rig.pipeline.handle(IMPINJ, b"not json", 10.0 + i * 0.1)
        rig.pipeline.handle(IMPINJ, impinj_read(port=9), 15.0)
        first = [r.getMessage() for r in caplog.records]
        rig.pipeline.handle(IMPINJ, b"not json", 75.0)
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in first if "malformed_json" in m]) == 1
    assert len([m for m in first if "unknown_antenna" in m]) == 1
    assert "99 more malformed_json" in messages[-1]
    assert rig.count("fitroom_decode_errors_total", kind="malformed_json") == 101


def test_logs_never_carry_the_payload(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        rig.pipeline.handle(IMPINJ, b'{"member":"jane@example.com"', 1.0)
    assert "jane@example.com" not in caplog.text
    assert caplog.records


def test_dead_letters_are_sampled_per_kind_per_minute(rig: Rig) -> None:
    for i in range(50):
        rig.pipeline.handle(IMPINJ, b"x", 60.0 + i)  # minute 1 (60 s .. 119 s)
    rig.pipeline.handle(IMPINJ, impinj_read(port=9), 100.0)  # another kind has its own budget
    for i in range(30):
        rig.pipeline.handle(IMPINJ, b"x", 120.0 + i)  # minute 2
    kept = [(letter.kind, letter.t) for letter in rig.letters.letters]
    assert kept == (
        [("malformed_json", 60.0 + i) for i in range(10)]
        + [("unknown_antenna", 100.0)]
        + [("malformed_json", 120.0 + i) for i in range(10)]
    )
    assert rig.count("fitroom_decode_errors_total", kind="malformed_json") == 80
    assert rig.count("fitroom_dead_letters_total") == 21


def test_tick_returns_and_counts_engine_events(rig: Rig) -> None:
    left = PresenceEvent(40.0, EventType.ITEM_LEFT, "fr-1", epc=CHECK_EPC)
    rig.engine.tick_script = [[left]]
    assert rig.pipeline.tick(40.0) == [left]
    assert rig.engine.ticks == [40.0]
    assert rig.count("fitroom_presence_events_total", type="item_left") == 1


def test_metrics_render_names_every_required_family(rig: Rig) -> None:
    rig.metrics.count_dropped(3)
    rig.metrics.set_queue_depth(7)
    text_out = rig.metrics.render().decode()
    for name in (
        'fitroom_mqtt_messages_total{kind="rfid"}',
        'fitroom_mqtt_messages_total{kind="ble"}',
        'fitroom_mqtt_messages_total{kind="other"}',
        'fitroom_decode_errors_total{kind="malformed_json"}',
        "fitroom_ingest_dropped_total 3.0",
        "fitroom_ingest_queue_depth 7.0",
        'fitroom_presence_events_total{type="item_entered"}',
        "fitroom_non_merchandise_total",
    ):
        assert name in text_out


def test_two_metric_sets_do_not_share_counts() -> None:
    a, b = EdgeMetrics(), EdgeMetrics()
    a.count_dropped()
    assert (a.value("fitroom_ingest_dropped_total"), b.value("fitroom_ingest_dropped_total")) == (1, 0)


def test_with_the_real_engine_an_item_enters_and_leaves(demo_layout: Layout) -> None:
    metrics = EdgeMetrics()
    pipeline = IngestPipeline(demo_layout, PresenceEngine(demo_layout), metrics=metrics)
    topic = "stores/store-042/rfid/impinj-a"
    events: list[PresenceEvent] = []
    t = 1000.0
    while t < 1020.0:
        events += pipeline.handle(topic, impinj_read(rssi=-4500), t)
        events += pipeline.tick(t)
        t += 0.5
    while t < 1400.0:
        events += pipeline.tick(t)
        t += 0.5
    mine = [(e.type, e.room) for e in events if e.epc == CHECK_EPC]
    assert mine == [(EventType.ITEM_ENTERED, "fr-1"), (EventType.ITEM_LEFT, "fr-1")]
    assert metrics.value("fitroom_presence_events_total", type="item_entered") == 1


def test_pipeline_tick_flushes_the_sql_sink(tmp_path: Path) -> None:
    db = migrated(tmp_path / "edge.db")
    sink = SqlDeadLetterSink(db)
    pipeline = IngestPipeline(small_layout(), RecordingEngine(), metrics=EdgeMetrics(), dead_letters=sink)
    pipeline.handle(IMPINJ, b"{", 100.0)
    assert sink.pending == 1
    pipeline.tick(100.5)
    assert sink.pending == 0


def test_loop_counters_take_exactly_their_labels() -> None:
    metrics = EdgeMetrics()
    with pytest.raises(ValueError, match="kind"):
        metrics.mqtt_messages.labels(type="rfid")
    metrics.mqtt_messages.labels(kind="rfid").inc(2)
    metrics.non_merchandise.inc()
    assert metrics.value("fitroom_mqtt_messages_total", kind="rfid") == 2
    assert metrics.value("fitroom_non_merchandise_total") == 1


def test_a_utf8_bom_before_the_json_is_accepted(rig: Rig) -> None:
    rig.pipeline.handle(IMPINJ, b"\xef\xbb\xbf" + impinj_read(), 1.0)
    assert len(rig.engine.seen) == 1


def test_logs_mask_device_identities_in_topics(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        rig.pipeline.handle("espresense/devices/irk:0123456789abcdef0123456789abcdef/kitchen", b"{}", 1.0)
        rig.pipeline.handle("home/omg-entrance/BTtoMQTT/6087574C9BC2", b"{", 1.0)
    assert "0123456789abcdef" not in caplog.text and "6087574C9BC2" not in caplog.text
    assert "espresense/devices/<device>/kitchen" in caplog.text
    assert "home/omg-entrance/BTtoMQTT/<device>" in caplog.text


def test_an_overlong_espresense_device_id_is_rejected(rig: Rig) -> None:
    rig.pipeline.handle(f"espresense/devices/irk:{'a' * 300}/fr-1", b'{"rssi":-60}', 1.0)
    assert rig.count("fitroom_decode_errors_total", kind="bad_value") == 1
    assert rig.engine.seen == []
