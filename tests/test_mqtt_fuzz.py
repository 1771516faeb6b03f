"""Bad input over MQTT, bounded: 4,000 garbage messages (mutated real device payloads and random bytes on
every topic the demo layout subscribes to) mixed into a simulated store's traffic. The full run is
``bench/mqtt_fuzz.py`` (100,000); this is the same harness at a CI-sized count."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from mqtt_fuzz import run


def test_garbage_on_every_topic_leaves_presence_alone_and_is_counted_exactly(tmp_path: Path) -> None:
    result = run(4000, 300.0, 7, tmp_path)
    counted = result.counted
    assert result.events_baseline > 0
    assert result.differences == []
    assert counted["internal_error"] == 0
    assert counted["messages"] == result.garbage == 4000
    assert counted["errors"] == result.expected_errors
    assert counted["rejected"] == result.must_reject > 3000 * 0.5
    assert result.still_valid > 0  # mutations that stayed valid are counted as valid, not as errors
    assert counted["dead_letters"] == result.dead_letter_rows > 0
