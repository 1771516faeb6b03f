"""Garbage for the MQTT fuzz (``bench/mqtt_fuzz.py``): payloads mutated from the real device payloads in
``tests/data/devices/`` and random bytes, on the topics a layout subscribes to, each classified by a fresh
decoder (how many decode errors it holds, whether the edge must reject it, whether it stays valid)."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.decoders import DecodeError, TopicRouter
from edge.layout import Layout, load_layout

__all__ = ["Garbage", "classify", "garbage_messages"]

DEVICES = Path(__file__).resolve().parent.parent / "tests" / "data" / "devices"


@dataclass(frozen=True, slots=True)
class Garbage:
    topic: str
    payload: bytes
    errors: int  # decode errors a fresh decoder finds in it
    rejected: bool  # no observation: the pipeline must count it as a rejected message
    valid: bool  # still yields observations: traffic, not garbage (in the baseline too)


# -- what to send --------------------------------------------------------------------------------------


def fixtures() -> list[tuple[str, str]]:
    """(topic, payload) of every real device payload in tests/data/devices/."""
    out = []
    for path in sorted(DEVICES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                out.append((record["topic"], record["payload"]))
    return out


def demo_topic(topic: str, layout: Layout, devices: Layout, rng: random.Random) -> str:
    """The demo layout's topic for the device that sent ``topic`` in the fixtures' layout."""
    parts = topic.split("/")
    nodes = [n.id for n in layout.ble_nodes]
    if parts[0] == "stores":
        formats = {r.topic: r.format for r in devices.readers}
        base = "/".join(parts[:4])
        mine = [r.topic for r in layout.readers if r.format == formats.get(base) and r.topic]
        return (rng.choice(mine) if mine else base) + "".join("/" + p for p in parts[4:])
    if parts[0] == "espresense" and len(parts) >= 3:
        parts[-1 if parts[1] == "devices" else 2] = rng.choice(nodes)
    elif parts[0] == "home" and len(parts) >= 2:
        parts[1] = "omg-entrance"
    return "/".join(parts)


def fill(filter_: str, tokens: list[str], rng: random.Random) -> str:
    """A concrete topic matching a subscription filter."""
    parts = []
    for p in filter_.split("/"):
        if p == "+":
            parts.append(rng.choice(tokens))
        elif p == "#":
            parts.append("/".join(rng.choice(tokens) for _ in range(rng.randint(1, 3))))
        else:
            parts.append(p)
    return "/".join(parts)


JUNK_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    2**70,
    -(2**63),
    float("nan"),
    "",
    "x" * 300,
    [],
    {},
    "1",
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 2 and roll < 0.1:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if depth < 2 and roll < 0.2:
        return {rng.choice(["a", "epc", "id", "rssi", "data", ""]): random_value(rng, depth + 1)}
    if roll < 0.5:
        return copy.deepcopy(rng.choice(JUNK_VALUES))
    if roll < 0.75:
        return rng.randint(-(2**40), 2**40)
    return "".join(chr(rng.randint(0, 0x2FF)) for _ in range(rng.randint(0, 24)))


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from paths(value, (*prefix, i))


def mutate(doc: Any, rng: random.Random) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(list(paths(doc)))
        op = rng.choice(("replace", "delete", "wrap", "add"))
        if not path:
            doc = random_value(rng) if op in ("replace", "add") else [doc] if op == "wrap" else {}
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if op == "delete":
            del parent[last]
        elif op == "wrap":
            parent[last] = [parent[last]]
        elif op == "add" and isinstance(parent[last], dict):
            parent[last][rng.choice(["x", "epc", "antennaPort", "rssi", "id"])] = random_value(rng)
        else:
            parent[last] = random_value(rng)
    return doc


def damage(raw: bytes, rng: random.Random) -> bytes:
    how = rng.choice(("none", "none", "truncate", "flip", "prefix"))
    if how == "truncate" and raw:
        return raw[: rng.randrange(len(raw))]
    if how == "flip" and raw:
        i = rng.randrange(len(raw))
        return raw[:i] + bytes([raw[i] ^ rng.randint(1, 255)]) + raw[i + 1 :]
    if how == "prefix":
        return rng.randbytes(rng.randint(1, 8)) + raw
    return raw


def classify(router: TopicRouter, topic: str, payload: bytes) -> Garbage:
    """What the edge must count for this message: a fresh decoder's verdict."""
    try:
        result = router.route(topic).decode(payload)
    except DecodeError:
        return Garbage(topic, payload, 1, True, False)
    valid = bool(result.observations)
    return Garbage(topic, payload, len(result.errors), bool(result.errors) and not valid, valid)


def garbage_messages(layout: Layout, count: int, seed: int) -> list[Garbage]:
    """``count`` mutated or random messages on the layout's topics, classified."""
    rng = random.Random(seed)
    devices = load_layout(DEVICES / "layout.toml")
    router = TopicRouter(layout)
    filters = router.subscriptions()
    seeds = []
    for topic, payload in fixtures():
        try:
            doc: Any = json.loads(payload)
        except ValueError:
            doc = payload
        seeds.append((topic, doc))
    # (MQTT has no published topic with + or #: those are for filters.)
    tokens = [n.id for n in layout.ble_nodes] + ["status", "LWT", "x", "", "\u00e9", "a" * 200]
    tokens += [t.split("/")[2] for t, _ in seeds if t.startswith("espresense/devices/")]
    out: list[Garbage] = []
    while len(out) < count:
        roll = rng.random()
        topic, doc = rng.choice(seeds)
        if roll < 0.2:
            payload = rng.randbytes(rng.randint(0, 300))
            topic = fill(rng.choice(filters), tokens, rng)
        else:
            body = doc if isinstance(doc, str) and rng.random() < 0.5 else mutate(doc, rng)
            payload = damage(body.encode() if isinstance(body, str) else json.dumps(body).encode(), rng)
            if roll < 0.8:
                topic = demo_topic(topic, layout, devices, rng)
            else:
                topic = fill(rng.choice(filters), tokens, rng)
        out.append(classify(router, topic, payload))
    return out
