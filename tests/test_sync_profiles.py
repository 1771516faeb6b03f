"""The edge's profile directory (pure, with a fake clock) and iBeacon device ids."""

from __future__ import annotations

from cloud_sync.profiles import BeaconCode, ProfileDirectory, parse_ibeacon_device
from cloud_sync.wire import ShopperProfile

DEVICE = "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-100-42"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ibeacon_device_ids_parse_and_others_do_not() -> None:
    assert parse_ibeacon_device(DEVICE) == BeaconCode("e2c56db5-dffb-48d2-b060-d0f5a71096e0", 100, 42)
    assert parse_ibeacon_device("iBeacon:E2C56DB5DFFB48D2B060D0F5A71096E0-1-2") == BeaconCode(
        "e2c56db5-dffb-48d2-b060-d0f5a71096e0", 1, 2
    )
    for other in (
        "irk:0123456789abcdef0123456789abcdef",
        "known:5a3f1c9d0e42",
        "apple:1005:9-26",
        "iBeacon:not-a-uuid-1-2",
        "iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-70000-1",
    ):
        assert parse_ibeacon_device(other) is None


def test_a_profile_is_refreshed_when_due_and_served_stale_while_the_centre_is_down() -> None:
    clock = Clock()
    profiles = ProfileDirectory(refresh_after_s=300, keep_s=3600, negative_ttl_s=60, clock=clock)
    assert profiles.needs_fetch(DEVICE, clock.now)
    assert not profiles.needs_fetch("known:5a3f1c9d0e42", clock.now)
    profiles.store(DEVICE, ShopperProfile(member_id="m-1", preferred_sizes={"tops": "S"}), clock.now)
    assert not profiles.needs_fetch(DEVICE, clock.now + 299)
    assert profiles.needs_fetch(DEVICE, clock.now + 300)

    clock.now += 400
    profiles.lookup_failed(DEVICE, clock.now)  # the centre is down: keep what we know
    found = profiles.profile_for_device(DEVICE)
    assert found is not None and dict(found.preferred_sizes) == {"tops": "S"}
    assert not profiles.needs_fetch(DEVICE, clock.now + 59) and profiles.needs_fetch(DEVICE, clock.now + 60)

    clock.now += 3600  # older than keep_s: no longer served
    assert profiles.profile(DEVICE) is None


def test_unknown_codes_are_remembered_briefly_and_erased_members_never_cached() -> None:
    clock = Clock()
    profiles = ProfileDirectory(negative_ttl_s=60, clock=clock)
    profiles.store(DEVICE, None, clock.now)
    assert profiles.profile(DEVICE) is None and not profiles.needs_fetch(DEVICE, clock.now + 10)
    profiles.store(DEVICE, ShopperProfile(member_id="m-2"), clock.now)
    assert profiles.forget_member("m-2") == 1
    assert profiles.profile(DEVICE) is None
    profiles.store(DEVICE, ShopperProfile(member_id="m-2"), clock.now)  # a late answer after the erasure
    assert profiles.profile(DEVICE) is None and len(profiles) == 0
