"""Shared fixtures: a private Mosquitto per test session, the demo layout, real-component policy.

In CI (CI=true) a missing real component fails the run; on a developer machine it skips with a reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from edge.ingest.llrp_client import library_available
from edge.layout import Layout, load_layout
from simulators.llrp_addresses import relocate_readers
from tests.broker import Mosquitto, find_mosquitto, free_port

if TYPE_CHECKING:
    from simulators.llrp import ReaderEmulator

ROOT = Path(__file__).resolve().parent.parent
DEMO_LAYOUT_FILE = ROOT / "deploy" / "layouts" / "demo.toml"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _demo_layout_for_tests() -> tuple[Path, dict[str, int]]:
    """The demo layout with its LLRP readers moved to free loopback ports (5084 may be taken on a shared
    machine, by a running demo say); ``_demo_llrp_readers`` serves them for the whole session."""
    layout = load_layout(DEMO_LAYOUT_FILE)
    ports = {r.id: free_port() for r in layout.readers if r.is_llrp}
    path = Path(tempfile.mkdtemp(prefix="fitroom-tests-")) / "demo.toml"
    path.write_text(relocate_readers(DEMO_LAYOUT_FILE.read_text(encoding="utf-8"), ports), encoding="utf-8")
    return path, ports


# What the live tests run the edge on: the demo layout, its LLRP readers on this session's emulators.
DEMO_LAYOUT, DEMO_LLRP_PORTS = _demo_layout_for_tests()


def require(condition: bool, what: str) -> None:
    """Fail in CI, skip elsewhere, when a real component is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required real component missing in CI: {what}")
    pytest.skip(f"real component missing: {what}")


@pytest.fixture(scope="session")
def demo_layout_path() -> Path:
    return DEMO_LAYOUT_FILE


@pytest.fixture(scope="session")
def demo_layout() -> Layout:
    return load_layout(DEMO_LAYOUT_FILE)


@pytest.fixture(scope="session", autouse=True)
def _demo_llrp_readers() -> Iterator[None]:
    """An (empty) emulated reader for each LLRP reader of ``DEMO_LAYOUT``, as a store has its readers on.

    Without the LLRP library an edge on the demo layout refuses to start and says to install it."""
    readers: list[ReaderEmulator] = []
    if DEMO_LLRP_PORTS and library_available():
        from simulators.llrp import ReaderEmulator

        readers = [ReaderEmulator("127.0.0.1", port) for port in DEMO_LLRP_PORTS.values()]
        for reader in readers:
            reader.start()
    yield
    for reader in readers:
        reader.close()
    shutil.rmtree(DEMO_LAYOUT.parent, ignore_errors=True)


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
