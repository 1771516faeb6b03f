"""Property-based: random and mutated payloads at every decoder and at the pipeline.

Whatever arrives, no exception other than ``DecodeError`` leaves a decoder, nothing leaves
``IngestPipeline.handle``, every part of a message is accounted for (an observation, an error or an
ignore reason) and the pipeline's counters add up to the messages it was given.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.decoders import DecodeError, DecodeResult, TopicRouter
from edge.ingest import IngestPipeline, MemoryDeadLetterSink
from edge.metrics import EdgeMetrics
from edge.presence import PresenceEngine
from edge.reads import AntennaStatus, BleNodeStatus, BleSighting, Observation, ReaderStatus, TagRead
from tests.decoder_support import CHECK_EPC, small_layout

LAYOUT = small_layout()
ROOMS = {r.id for r in LAYOUT.rooms}
IBEACON = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42"

SEEDS: list[tuple[str, Any]] = [
    (
        "stores/s1/rfid/impinj-a",
        {
            "timestamp": "2026-05-01T12:00:00.123456789Z",
            "hostname": "impinj-13-f8-f5",
            "eventType": "tagInventory",
            "tagInventoryEvent": {
                "epc": "MHQle/cZTkAAABqF",
                "epcHex": CHECK_EPC,
                "antennaPort": 1,
                "peakRssiCdbm": -5325,
                "lastSeenTime": "2026-05-01T12:00:00.120Z",
            },
        },
    ),
    ("stores/s1/rfid/impinj-a", {"antennaDisconnectedEvent": {"antennaPort": 2}}),
    (
        "stores/s1/rfid/zebra-b",
        {
            "type": "INVENTORY",
            "timestamp": "2026-05-01T08:55:44.625+0300",
            "data": {
                "eventNum": 1,
                "format": "epc",
                "idHex": CHECK_EPC.lower(),
                "antenna": 1,
                "peakRssi": -61,
                "reads": 3,
            },
        },
    ),
    (
        "stores/s1/rfid/zebra-b",
        [
            {
                "type": "INVENTORY",
                "timestamp": "2026-05-01T08:55:44.625+0300",
                "data": {"idHex": CHECK_EPC.lower(), "antenna": 3, "peakRssi": -70, "reads": 1},
            },
            {"type": "INVENTORY", "data": {"idHex": "e28011606000020d6842a5b1", "antenna": 1}},
        ],
    ),
    (
        f"espresense/devices/{IBEACON}/fr-1",
        {
            "mac": "5a3f1c9d0e42",
            "id": IBEACON,
            "rssi@1m": -59,
            "rssi": -72.35,
            "rxAdj": 0,
            "rssiVar": 1.84,
            "distance": 3.42,
            "var": 0.21,
            "int": 1032,
            "idType": 1,
            "raw": 3.9,
        },
    ),
    ("espresense/devices/apple:1005:9-26/fr-2", {"mac": "5a3f1c9d0e42", "rssi": -80}),
    (
        "home/omg-entrance/BTtoMQTT/6087574C9BC2",
        {
            "id": "60:87:57:4C:9B:C2",
            "mac_type": 1,
            "rssi": -78,
            "distance": 7.85288,
            "brand": "GENERIC",
            "model": "iBeacon",
            "model_id": "IBEACON",
            "mfid": "4c00",
            "uuid": "1de4b189115e45f6b44e509352269977",
            "major": 100,
            "minor": 42,
            "txpower": -66,
        },
    ),
    ("espresense/rooms/fr-2/status", "offline"),
    ("home/omg-entrance/LWT", "online"),
    ("stores/s1/rfid/impinj-a/status", {"status": "offline"}),
]
TOPICS = sorted(
    {topic for topic, _ in SEEDS} | {"stores/s1/rfid/nobody", "espresense/devices/x/kitchen", "a/#/b"}
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "1", "3074", CHECK_EPC, "online", "INVENTORY", "tagInventory", "IBEACON"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += paths(value, (*prefix, i))
    return out


def mutate(doc: Any, data: st.DataObject) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="mutations")):
        path = data.draw(st.sampled_from(paths(doc)), label="path")
        op = data.draw(st.sampled_from(["replace", "delete", "wrap"]), label="op")
        if not path:
            doc = data.draw(json_values) if op == "replace" else [doc] if op == "wrap" else {}
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if op == "delete":
            del parent[last]
        elif op == "wrap":
            parent[last] = [parent[last]]
        else:
            parent[last] = data.draw(json_values, label="value")
    return doc


def encode(doc: Any) -> bytes:
    return doc.encode() if isinstance(doc, str) else json.dumps(doc).encode()


def damage(raw: bytes, data: st.DataObject) -> bytes:
    how = data.draw(st.sampled_from(["none", "truncate", "flip", "prefix"]), label="damage")
    if how == "truncate" and raw:
        return raw[: data.draw(st.integers(min_value=0, max_value=len(raw) - 1))]
    if how == "flip" and raw:
        i = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        return raw[:i] + bytes([raw[i] ^ data.draw(st.integers(min_value=1, max_value=255))]) + raw[i + 1 :]
    if how == "prefix":
        return data.draw(st.binary(max_size=8)) + raw
    return raw


def check_observation(obs: Observation) -> None:
    if isinstance(obs, TagRead):
        assert obs.room_id in ROOMS
        assert re.fullmatch(r"[0-9A-F]+", obs.epc) and len(obs.epc) % 4 == 0
        assert obs.gtin is None or re.fullmatch(r"\d{14}", obs.gtin)
        assert obs.reads >= 1
    elif isinstance(obs, BleSighting | BleNodeStatus | AntennaStatus):
        assert obs.room_id in ROOMS
    else:
        assert isinstance(obs, ReaderStatus)


def decode_or_error(topic: str, payload: bytes) -> DecodeResult | DecodeError:
    try:
        return TopicRouter(LAYOUT).route(topic).decode(payload)
    except DecodeError as err:
        return err


def check_accounted(topic: str, payload: bytes, outcome: DecodeResult | DecodeError) -> None:
    if isinstance(outcome, DecodeError):
        assert outcome.kind.value and outcome.message
        return
    for obs in outcome.observations:
        check_observation(obs)
    parts = len(outcome.observations) + len(outcome.errors) + len(outcome.ignored)
    assert parts >= 1, "a message vanished without an observation, an error or a reason"
    try:
        doc = json.loads(payload)
    except ValueError:
        return
    if "zebra" in topic and isinstance(doc, list) and doc:
        assert parts == len(doc), "every event of a batch is accounted for exactly once"


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(topic=st.sampled_from(TOPICS), payload=st.binary(max_size=300))
def test_random_bytes_at_every_decoder(topic: str, payload: bytes) -> None:
    check_accounted(topic, payload, decode_or_error(topic, payload))


@FUZZ
@given(topic=st.sampled_from(TOPICS), doc=json_values)
def test_random_json_at_every_decoder(topic: str, doc: Any) -> None:
    payload = json.dumps(doc).encode()
    check_accounted(topic, payload, decode_or_error(topic, payload))


@FUZZ
@given(seed=st.sampled_from(SEEDS), data=st.data())
def test_mutated_real_payloads_at_their_decoder(seed: tuple[str, Any], data: st.DataObject) -> None:
    topic, doc = seed
    payload = damage(encode(mutate(doc, data) if not isinstance(doc, str) else doc), data)
    check_accounted(topic, payload, decode_or_error(topic, payload))


@FUZZ
@given(
    messages=st.lists(
        st.tuples(st.sampled_from(SEEDS), st.booleans(), st.floats(min_value=0, max_value=5)),
        min_size=1,
        max_size=25,
    ),
    data=st.data(),
)
def test_pipeline_never_raises_and_its_counts_add_up(
    messages: list[tuple[tuple[str, Any], bool, float]], data: st.DataObject
) -> None:
    metrics = EdgeMetrics()
    letters = MemoryDeadLetterSink()
    engine = PresenceEngine(LAYOUT)
    pipeline = IngestPipeline(LAYOUT, engine, metrics=metrics, dead_letters=letters)
    now = 1_795_000_000.0
    for (topic, doc), mutated, gap in messages:
        if mutated and not isinstance(doc, str):
            payload = damage(encode(mutate(doc, data)), data)
        else:
            payload = encode(doc)
        if data.draw(st.booleans(), label="random topic"):
            topic = data.draw(st.sampled_from(TOPICS) | st.text(max_size=40), label="topic")
        before_rejected = metrics.value("fitroom_ingest_rejected_messages_total")
        before_errors = sum(metrics.samples("fitroom_decode_errors_total").values())
        before_ignored = sum(metrics.samples("fitroom_ingest_ignored_total").values())
        outcome = decode_or_error(topic, payload)
        now += gap
        events = pipeline.handle(topic, payload, now)
        events += pipeline.tick(now)
        assert isinstance(events, list)
        rejected = metrics.value("fitroom_ingest_rejected_messages_total") - before_rejected
        errors = sum(metrics.samples("fitroom_decode_errors_total").values()) - before_errors
        ignored = sum(metrics.samples("fitroom_ingest_ignored_total").values()) - before_ignored
        if isinstance(outcome, DecodeError):
            assert (rejected, errors) == (1, 1)
        else:
            assert errors == len(outcome.errors)
            assert ignored == len(outcome.ignored)
            assert rejected == (1 if outcome.errors and not outcome.observations else 0)
    handled = sum(metrics.samples("fitroom_mqtt_messages_total").values())
    assert handled == len(messages)
    assert metrics.value("fitroom_decode_errors_total", kind="internal_error") == 0
    assert metrics.value("fitroom_dead_letters_total") == len(letters.letters)
    assert len(letters.letters) <= sum(metrics.samples("fitroom_decode_errors_total").values())
