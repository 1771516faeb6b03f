"""ScriptedStore's bookkeeping, without a broker: what tests can hand it and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.epc import decode_sgtin96
from simulators.live import MqttConnectError
from simulators.script import ScriptedStore

DEMO = Path(__file__).resolve().parent.parent / "deploy" / "layouts" / "demo.toml"
UNUSED_URL = "mqtt://127.0.0.1:1"  # never connected: these tests do not start the store


def test_gtins_become_new_garments_and_epcs_are_kept() -> None:
    store = ScriptedStore(DEMO, UNUSED_URL, seed=1)
    a, b, c = store.garments(["80614141123458", "80614141123458", "3074257bf7194e4000001a85"])
    assert a != b, "each GTIN makes a garment of its own"
    assert decode_sgtin96(a).gtin == decode_sgtin96(b).gtin == "80614141123458"
    assert c == "3074257BF7194E4000001A85"


def test_place_records_the_stay_in_the_truth() -> None:
    store = ScriptedStore(DEMO, UNUSED_URL, seed=1)
    (epc,) = store.place(["80614141123458"], "fr-4", seconds=2.0)
    for _ in range(16):  # four simulated seconds, stepped by hand since nothing is published here
        store.store.step()
    truth = store.truth()
    stays = [
        (r["epc"], r["room"], round(r["exit"] - r["enter"], 2)) for r in truth if r["kind"] == "item_stay"
    ]
    assert stays == [(epc, "fr-4", 2.0)]
    assert [r["epc"] for r in truth if r["kind"] == "item"] == [epc]


@pytest.mark.parametrize("item", ["80614141123457", "not-a-gtin", "12345"])
def test_a_bad_item_is_refused_with_a_clear_error(item: str) -> None:
    store = ScriptedStore(DEMO, UNUSED_URL)
    with pytest.raises(ValueError):
        store.place([item], "fr-1")


def test_a_room_not_in_the_layout_is_refused() -> None:
    store = ScriptedStore(DEMO, UNUSED_URL)
    with pytest.raises(ValueError, match="fr-99"):
        store.walk_in("fr-99", ["80614141123458"])


def test_removing_an_unknown_garment_is_refused() -> None:
    store = ScriptedStore(DEMO, UNUSED_URL)
    with pytest.raises(ValueError, match="no garment"):
        store.remove(["3074257BF7194E4000001A85"])


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ScriptedStore(DEMO, UNUSED_URL, speed=0)


def test_starting_without_a_broker_fails_clearly() -> None:
    store = ScriptedStore(DEMO, UNUSED_URL)
    with pytest.raises(MqttConnectError, match="cannot connect"):
        store.start()
