"""Reader last wills, status words, and the layout's topic router."""

from __future__ import annotations

import pytest

from edge.decoders import DecodeError, ErrorKind, IgnoreReason, TopicRouter, parse_online
from edge.layout import load_layout
from edge.reads import ReaderStatus, TagRead
from tests.decoder_support import small_layout


@pytest.fixture(scope="module")
def router() -> TopicRouter:
    return TopicRouter(small_layout())


@pytest.mark.parametrize(
    ("payload", "online"),
    [
        (b"online", True),
        (b"Online\r\n", True),
        (b"connected", True),
        (b"1", True),
        (b'"online"', True),
        (b'{"status":"offline","reader":"x"}', False),
        (b'{"state":"connected"}', True),
        (b'{"status":false}', False),
        (b"offline", False),
        (b"disconnected", False),
        (b"lost", False),
        (b"0", False),
    ],
)
def test_status_words(payload: bytes, online: bool) -> None:
    assert parse_online(payload) is online


@pytest.mark.parametrize("payload", [b"maybe", b'{"status":"meh"}', b"[1]", b"\xff\xff", b"x" * 5000, b"{"])
def test_status_that_says_neither(payload: bytes) -> None:
    with pytest.raises(DecodeError) as err:
        parse_online(payload)
    assert err.value.kind in {ErrorKind.BAD_VALUE, ErrorKind.MALFORMED_JSON}


def test_empty_status_clears_a_retained_message() -> None:
    assert parse_online(b"") is None
    assert parse_online(b"  \n") is None


def test_reader_last_will_on_the_default_topic(router: TopicRouter) -> None:
    decoder = router.route("stores/s1/rfid/impinj-a/status")
    assert decoder.kind == "rfid"
    assert decoder.decode(b"offline").observations == [ReaderStatus("impinj-a", False)]


def test_reader_last_will_on_a_configured_topic(router: TopicRouter) -> None:
    assert router.route("stores/s1/lwt/zebra-b").decode(b"online").observations == [
        ReaderStatus("zebra-b", True)
    ]


def test_cleared_reader_status_is_ignored(router: TopicRouter) -> None:
    assert router.route("stores/s1/rfid/impinj-a/status").decode(b"").ignored == (
        IgnoreReason.STATUS_CLEARED,
    )


def test_reader_topics_route_to_their_format(router: TopicRouter) -> None:
    impinj = (
        b'{"eventType":"tagInventory",'
        b'"tagInventoryEvent":{"epcHex":"3074257BF7194E4000001A85","antennaPort":2}}'
    )
    zebra = b'{"type":"INVENTORY","data":{"idHex":"3074257bf7194e4000001a85","antenna":3}}'
    (a,) = router.route("stores/s1/rfid/impinj-a").decode(impinj).observations
    (b,) = router.route("stores/s1/rfid/zebra-b").decode(zebra).observations
    assert isinstance(a, TagRead) and (a.reader_id, a.room_id) == ("impinj-a", "fr-2")
    assert isinstance(b, TagRead) and (b.reader_id, b.room_id) == ("zebra-b", "fr-2")


@pytest.mark.parametrize(
    "topic",
    [
        "stores/s1/rfid/unknown-reader",
        "stores/s1/rfid/impinj-a/extra",
        "espresense/settings/x",
        "espresense/rooms/fr-1/telemetry",
        "home/other-gateway/BTtoMQTT/AABB",
        "",
    ],
)
def test_unknown_topics_are_rejected_as_other_traffic(router: TopicRouter, topic: str) -> None:
    decoder = router.route(topic)
    assert decoder.kind == "other"
    with pytest.raises(DecodeError) as err:
        decoder.decode(b"{}")
    assert err.value.kind is ErrorKind.UNKNOWN_TOPIC


def test_subscriptions_cover_every_reader_status_and_ble_prefix(router: TopicRouter) -> None:
    assert router.subscriptions() == [
        "stores/s1/rfid/impinj-a",
        "stores/s1/rfid/impinj-a/status",
        "stores/s1/rfid/zebra-b",
        "stores/s1/lwt/zebra-b",
        "stores/s1/rfid/zebra-solo",
        "stores/s1/rfid/zebra-solo/status",
        "home/omg-entrance/BTtoMQTT/+",
        "home/omg-entrance/+",  # Theengs' two-level '<gateway>/<MAC>', and the gateway's LWT
        "shop/ble/theengs-hall/BTtoMQTT/+",
        "shop/ble/theengs-hall/+",
        "espresense/devices/+/+",
        "espresense/rooms/+/status",
    ]


def test_every_demo_subscription_routes_somewhere(demo_layout_path: object) -> None:
    layout = load_layout(str(demo_layout_path))
    router = TopicRouter(layout)
    subs = router.subscriptions()
    assert len(subs) == len(set(subs))
    for sub in subs:
        topic = sub.replace("+", "fr-1")
        assert router.route(topic).kind in {"rfid", "ble"}, topic


def test_the_route_cache_stays_bounded(router: TopicRouter) -> None:
    for i in range(20000):
        router.route(f"espresense/devices/irk:{i:032x}/fr-1")
    assert len(router._cache) <= 8192
