"""The dependency rule (docs/architecture.md), checked on the sources of ``edge``, ``cloud_sync`` and
``simulators`` with ``ast``: every import counts, at module level, in functions and under
``TYPE_CHECKING``. ``python -m tests.import_graph`` prints the picture."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.import_graph import ROOT, Graph, component_edges, cycle_path, cycles, read_graph

# The pure domain cores: plain Python driven by events and an injected clock.
CORE = (
    "edge.presence",
    "edge.sessions",
    "edge.suggest",
    "edge.catalog.model",
    "edge.catalog.outfits",
    "edge.analytics",
    "edge.reservations.desk",
    "edge.queue",
    "charts",  # the SVG charts and date ranges both the edge and the central store draw with
)
# Adapters and plug-ins of ours, and the I/O libraries: what a core must never import.
ADAPTERS = (
    "edge.web",
    "edge.storage",
    "edge.ingest",
    "edge.fitting_rooms",
    "edge.service",
    "edge.compose",
    "edge.actions",
    "cloud_sync",
)
IO_LIBRARIES = {
    "paho",
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "httpx",
    "uvicorn",
    "prometheus_client",
    "psycopg",
}

# Package cycles tolerated for now (none): listed so any new cycle fails, and an entry fails once fixed.
KNOWN_PACKAGE_CYCLES: list[list[str]] = []


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return read_graph()


def _known(members: list[str]) -> bool:
    """A module cycle that lies inside a known package cycle."""
    packages = {".".join(m.split(".")[:2]) for m in members}
    return any(packages <= set(known) for known in KNOWN_PACKAGE_CYCLES)


def test_the_graph_sees_every_kind_of_import(graph: Graph) -> None:
    # Sanity: function-local and TYPE_CHECKING imports are edges too (edge.replay has both kinds).
    assert {"edge.layout", "edge.presence.events"} <= graph.ours["edge.replay"]
    assert "edge.service" in graph.ours["edge.compose"]
    assert "paho" in graph.outside["edge.ingest.mqtt"]


def test_no_module_imports_another_that_imports_it_back(graph: Graph) -> None:
    found = [c for c in cycles(graph.ours) if not _known(c)]
    assert found == [], "\n".join(" -> ".join(cycle_path(graph.ours, c)) for c in found)


def test_no_package_imports_another_that_imports_it_back(graph: Graph) -> None:
    edges = component_edges(graph)
    found = cycles(edges)
    assert [c for c in found if c not in KNOWN_PACKAGE_CYCLES] == [], found
    assert [c for c in KNOWN_PACKAGE_CYCLES if c not in found] == [], "fixed: drop it from the known list"


def test_domain_cores_import_no_adapter_and_no_io_library(graph: Graph) -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module in graph.modules
        if _within(module, CORE)
        for target in graph.ours[module] | graph.outside[module]
        if _within(target, ADAPTERS) or target in IO_LIBRARIES
    )
    assert wrong == []


def test_only_the_composition_root_attaches_cloud_sync(graph: Graph) -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module in graph.modules
        if module.startswith("edge.") and module != "edge.compose"
        for target in graph.ours[module]
        if _within(target, ("cloud_sync",))
    )
    assert wrong == []


def test_the_central_store_imports_nothing_of_the_edge(graph: Graph) -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module in graph.modules
        if _within(module, ("cloud_sync.central",))
        for target in graph.ours[module]
        if _within(target, ("edge",))
    )
    assert wrong == []


def test_nothing_imports_the_tests(graph: Graph) -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph.ours.items()
        for target in targets
        if _within(target, ("tests",))
    )
    # The benchmarks are scripts, not a package: read them the same way.
    for script in sorted((ROOT / "bench").glob("*.py")):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            wrong += [f"{Path(script).relative_to(ROOT)} -> {n}" for n in names if _within(n, ("tests",))]
    assert wrong == []
