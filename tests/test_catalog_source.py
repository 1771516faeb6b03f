"""Catalog sources: the edge reads the current catalog on each use, so it can be replaced while running."""

from __future__ import annotations

import os
from pathlib import Path

from edge.catalog import FileCatalog, FixedCatalog
from edge.catalog.demo import build_demo_catalog, write_catalog
from edge.catalog.model import Catalog


def test_fixed_catalog_can_be_replaced() -> None:
    first, second = Catalog(), build_demo_catalog()
    source = FixedCatalog(first)
    assert source.current() is first
    source.replace(second)
    assert source.current() is second


def test_file_catalog_rereads_a_changed_file_and_keeps_the_last_good_one(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    write_catalog(Catalog(), path)
    source = FileCatalog(path)
    assert source.current().styles == ()

    write_catalog(build_demo_catalog(), path)
    os.utime(path, ns=(1, 10**18))  # a new modification time, whatever the clock's resolution
    assert len(source.current().styles) >= 300

    path.write_text("{not json", encoding="utf-8")
    os.utime(path, ns=(1, 2 * 10**18))
    assert len(source.current().styles) >= 300  # a broken file never empties the store
