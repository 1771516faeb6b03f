"""Shared fixtures: a private Mosquitto per test session, the demo layout, real-component policy.

In CI (CI=true) a missing real component fails the run; on a developer machine it skips with a reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from edge.ingest.llrp_client import library_available
from edge.layout import Layout, load_layout
from tests.broker import Mosquitto, find_mosquitto

if TYPE_CHECKING:
    from simulators.llrp import ReaderEmulator

ROOT = Path(__file__).resolve().parent.parent
DEMO_LAYOUT = ROOT / "deploy" / "layouts" / "demo.toml"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, what: str) -> None:
    """Fail in CI, skip elsewhere, when a real component is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required real component missing in CI: {what}")
    pytest.skip(f"real component missing: {what}")


@pytest.fixture(scope="session")
def demo_layout_path() -> Path:
    return DEMO_LAYOUT


@pytest.fixture(scope="session")
def demo_layout() -> Layout:
    return load_layout(DEMO_LAYOUT)


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A private broker on a free port for the whole test session."""
    require(find_mosquitto() is not None, "mosquitto binary (apt-get install mosquitto)")
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def own_mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """A broker of this test's own, for tests that stop and restart it."""
    require(find_mosquitto() is not None, "mosquitto binary (apt-get install mosquitto)")
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def llrp_emulator() -> Iterator[ReaderEmulator]:
    """An emulated 4-antenna LLRP reader on a free loopback port for the whole test session (real LLRP
    over TCP). Tests set its tags; one that stops it starts it again on the same port."""
    require(library_available(), "the LLRP library (pip install -e '.[llrp]')")
    from simulators.llrp import ReaderEmulator

    emulator = ReaderEmulator(antenna_count=4, reads_per_sec=40.0)
    emulator.start()
    yield emulator
    emulator.close()
