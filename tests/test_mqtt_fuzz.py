"""Bad input over MQTT, bounded: garbage (mutated real device payloads and random bytes on every topic the
demo layout subscribes to) mixed into a simulated store's traffic. The full run is ``bench/mqtt_fuzz.py``
(100,000 messages; ``--live`` through Mosquitto too); these are the same harnesses at CI-sized counts."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from mqtt_fuzz import DEMO_LAYOUT, live_run, run, store_messages
from mqtt_fuzz_live import mqtt_only_layout

from edge.layout import load_layout
from tests.broker import find_mosquitto
from tests.conftest import require


def test_garbage_on_every_topic_leaves_presence_alone_and_is_counted_exactly(tmp_path: Path) -> None:
    result = run(4000, 300.0, 7, tmp_path)
    counted = result.counted
    assert result.events_baseline > 0
    assert result.differences == []
    assert counted["internal_error"] == 0
    assert counted["messages"] == result.garbage == 4000
    assert counted["errors"] == result.expected_errors
    assert counted["rejected"] == result.must_reject > 4000 * 0.5
    assert result.still_valid > 0  # mutations that stayed valid are counted as valid, not as errors
    assert counted["dead_letters"] == result.dead_letter_rows > 0


def test_a_live_edge_takes_garbage_through_the_broker_without_restarting(tmp_path: Path) -> None:
    require(find_mosquitto() is not None, "mosquitto binary (apt-get install mosquitto)")
    layout = mqtt_only_layout(DEMO_LAYOUT, tmp_path / "layout.toml")
    store = store_messages(load_layout(layout), 60.0, 3)
    result = live_run(store, 1500, 3, layout, tmp_path)
    assert result.same_process and result.healthy and result.exit_code == 0
    assert result.counted["dropped"] == 0
    for name, value in result.expected.items():
        assert result.counted[name] == value, name
    assert result.counted["dead_letters"] == result.dead_letter_rows > 0
