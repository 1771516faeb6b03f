"""``fitroom-central`` as an operator runs it: migrate, add-store, load-catalog, and their errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, func, select

from cloud_sync.central.db import make_engine
from cloud_sync.central.models import CatalogStyle, StoreStock
from cloud_sync.central.stores import store_for_key
from edge.catalog.model import load_catalog
from edge.config import DEMO_CATALOG
from tests.central_support import central_env


def central(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cloud_sync.central.cli", *args],
        env=central_env(db_url),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_operator_loads_the_catalog_for_a_store(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'central.db'}"
    assert central(db_url, "migrate").returncode == 0
    added = central(db_url, "add-store", "--id", "store-042", "--name", "Flagship")
    assert added.returncode == 0 and added.stdout.strip().startswith("frs_")
    assert "shown once" in added.stderr and added.stdout.count("\n") == 1

    loaded = central(db_url, "load-catalog", str(DEMO_CATALOG), "--store", "store-042")
    assert loaded.returncode == 0, loaded.stderr
    demo = load_catalog(DEMO_CATALOG)
    assert json.loads(loaded.stdout)["styles"] == len(demo.styles)
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CatalogStyle)).one() == len(demo.styles)
        assert session.exec(select(func.count()).select_from(StoreStock)).one() == len(demo.stock)
    engine.dispose()


def test_operator_mistakes_exit_1_with_a_message(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'central.db'}"
    unknown_store = central(db_url, "load-catalog", str(DEMO_CATALOG), "--store", "nowhere")
    assert unknown_store.returncode == 1 and "no store 'nowhere'" in unknown_store.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"styles": [{"id": ""}]}')
    broken = central(db_url, "load-catalog", str(bad))
    assert broken.returncode == 1 and "cannot load" in broken.stderr
    central(db_url, "add-store", "--id", "s1", "--name", "One")
    again = central(db_url, "add-store", "--id", "s1", "--name", "One")
    assert again.returncode == 1 and "already exists" in again.stderr and again.stdout == ""
    missing = central(db_url, "rotate-key", "--id", "nowhere")
    assert missing.returncode == 1 and "no store 'nowhere'" in missing.stderr


def test_a_rotated_key_replaces_the_old_one(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'central.db'}"
    old = central(db_url, "add-store", "--id", "s1", "--name", "One").stdout.strip()
    new = central(db_url, "rotate-key", "--id", "s1").stdout.strip()
    assert new.startswith("frs_") and new != old
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert store_for_key(session, new) is not None and store_for_key(session, old) is None
    engine.dispose()


def test_a_database_url_it_cannot_open_exits_2_naming_the_setting_not_the_password() -> None:
    for url, said in (
        ("postgresql//central:s3cret@db/central", "not a database URL"),  # the scheme's colon forgotten
        (
            "mssql+nosuchdriver://central:s3cret@db/central",
            "no database dialect or driver 'mssql+nosuchdriver'",
        ),
    ):
        done = central(url, "migrate")
        assert done.returncode == 2 and done.stdout == ""
        assert f"fitroom-central: invalid settings: FITROOM_CENTRAL_DB_URL: {said}" in done.stderr, (
            done.stderr
        )
        assert "s3cret" not in done.stderr
