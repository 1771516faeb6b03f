"""The demo's central store: a real ``fitroom-central serve`` child on SQLite with the demo catalog and
the demo's opted-in shoppers enrolled; an edge worker pulls the catalog and gets a shopper's profile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloud_sync.demo import DemoCentral, demo_member_id
from cloud_sync.worker import SyncConfig, SyncWorker
from edge.catalog.model import Catalog, load_catalog
from edge.config import DEMO_CATALOG
from edge.storage.db import make_engine
from edge.storage.migrations import upgrade

APP_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"


@pytest.fixture
def central(tmp_path: Path) -> Iterator[DemoCentral]:
    demo = DemoCentral(
        tmp_path / "central", store_id="store-042", store_name="Flagship", catalog_path=DEMO_CATALOG
    )
    demo.start()
    yield demo
    demo.stop()


async def test_the_demo_central_store_serves_catalog_and_enrolled_profiles(
    central: DemoCentral, tmp_path: Path
) -> None:
    members = central.enrol(APP_UUID, 100, [7, 4242])
    assert members == [demo_member_id(7), demo_member_id(4242)]
    stats = central.stats()
    assert stats["stores"] == 1 and stats["profiles"] == 2

    engine = make_engine(f"sqlite:///{tmp_path / 'edge.db'}")
    upgrade(engine)
    box = {"catalog": Catalog()}
    worker = SyncWorker(
        engine,
        SyncConfig(central_url=central.url, store_key=central.store_key, store_id="store-042"),
        catalog_get=lambda: box["catalog"],
        catalog_set=lambda c: box.update(catalog=c),
    )
    try:
        assert await worker.pull_once()
        demo = load_catalog(DEMO_CATALOG)
        assert {s.id for s in box["catalog"].styles} == {s.id for s in demo.styles}
        gtin = demo.stock[0].gtin
        assert box["catalog"].stock_of(gtin) == demo.stock_of(gtin)

        device = f"iBeacon:{APP_UUID}-100-4242"
        await worker.fetch_profile(device)
        profile = worker.profiles.profile_for_device(device)
        assert profile is not None and profile.member_id == demo_member_id(4242)
        assert profile.preferred_sizes and profile.favourite_colours
    finally:
        await worker.client.aclose()
        engine.dispose()
