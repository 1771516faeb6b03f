"""The import graph of our packages, read from their sources with ``ast`` (nothing is imported).

Every ``import`` counts: at module level, inside functions and under ``if TYPE_CHECKING:``. Importing
``a.b.c`` also runs the ``__init__`` of ``a`` and ``a.b``, so an edge to a module is also an edge to each
package around it (except the packages the importing module itself lives in, which are loaded first).

``python -m tests.import_graph`` prints the picture by package ("component"): each component and what it
imports of ours, then the cycles between modules, if any.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ROOT",
    "SCANNED",
    "Graph",
    "component_edges",
    "component_of",
    "cycle_path",
    "cycles",
    "describe",
    "read_graph",
]

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("catalog", "guests", "charts", "edge", "cloud_sync", "simulators")


@dataclass
class Graph:
    """Our modules and, for each, the modules of ours and the top-level outside packages it imports."""

    modules: set[str] = field(default_factory=set)
    packages: set[str] = field(default_factory=set)  # the modules that are a package's __init__
    ours: dict[str, set[str]] = field(default_factory=dict)
    outside: dict[str, set[str]] = field(default_factory=dict)


def _module_name(path: Path, base: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(base).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _imported(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Every dotted name an import statement anywhere in the module names (``from a import b``: a.b)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield base
            for alias in node.names:
                if alias.name != "*":
                    yield f"{base}.{alias.name}"


def read_graph(roots: Iterable[str] = SCANNED, *, base: Path = ROOT) -> Graph:
    """The graph of every ``.py`` file under ``base/<root>`` for each root package."""
    graph = Graph()
    trees: dict[str, tuple[ast.AST, bool]] = {}
    for root in roots:
        for path in sorted((base / root).rglob("*.py")):
            name, is_package = _module_name(path, base)
            graph.modules.add(name)
            if is_package:
                graph.packages.add(name)
            trees[name] = (ast.parse(path.read_text(encoding="utf-8"), str(path)), is_package)
    tops = {m.split(".")[0] for m in graph.modules}
    for name, (tree, is_package) in trees.items():
        ours: set[str] = set()
        outside: set[str] = set()
        own_packages = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        if is_package:
            own_packages.add(name)
        for dotted in _imported(tree, name, is_package):
            top = dotted.split(".")[0]
            if top not in tops:
                if dotted and top != "tests":
                    outside.add(top)
                elif top == "tests":
                    ours.add(dotted)  # kept so the rule "nothing imports tests" can see it
                continue
            parts = dotted.split(".")
            # the longest prefix that is one of our modules, and every package around it
            for i in range(len(parts), 0, -1):
                prefix = ".".join(parts[:i])
                if prefix in graph.modules:
                    ours.add(prefix)
                    ours.update(
                        ".".join(parts[:j]) for j in range(1, i) if ".".join(parts[:j]) in graph.packages
                    )
                    break
        ours -= own_packages
        ours.discard(name)
        graph.ours[name] = ours
        graph.outside[name] = outside
    return graph


def component_of(module: str) -> str:
    """The unit the package-level picture draws: ``edge.<x>`` and ``cloud_sync.<x>`` (a subpackage or a
    top-level module), ``simulators`` (one flat package), ``tests``."""
    parts = module.split(".")
    if parts[0] in ("edge", "cloud_sync") and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def component_edges(graph: Graph) -> dict[str, set[str]]:
    """Package-level edges. The root packages' own ``__init__`` (a docstring each) are left out: every
    import of ``edge.x`` runs ``edge/__init__.py``, which says nothing about dependencies."""
    roots = {m for m in graph.packages if "." not in m}
    edges: dict[str, set[str]] = {}
    for module, targets in graph.ours.items():
        source = component_of(module)
        into = edges.setdefault(source, set())
        into.update(component_of(t) for t in targets if component_of(t) != source and t not in roots)
    return edges


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    nodes = set(edges) | {t for ts in edges.values() for t in ts}

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for node in sorted(nodes):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(found)


def cycle_path(edges: Mapping[str, Iterable[str]], members: list[str]) -> list[str]:
    """One concrete loop through a strongly connected component, to name in a failure message."""
    inside = set(members)
    start = members[0]
    # breadth-first from start back to start, staying inside the component
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt_frontier: list[str] = []
        for node in frontier:
            for nxt in sorted(edges.get(node, ())):
                if nxt not in inside:
                    continue
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if nxt not in previous:
                    previous[nxt] = node
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return members


def describe(graph: Graph) -> str:
    edges = component_edges(graph)
    lines = ["package-level imports (ours; every import, TYPE_CHECKING and function-local included):"]
    for source in sorted(edges):
        lines.append(f"  {source:<22} -> {', '.join(sorted(edges[source])) or '-'}")
    for label, graph_edges in (("module", graph.ours), ("package", edges)):
        found = cycles(graph_edges)
        lines.append(f"{label} cycles: {len(found)}")
        for members in found:
            lines.append(f"  among {', '.join(members)}")
            lines.append(f"    e.g. {' -> '.join(cycle_path(graph_edges, members))}")
    return "\n".join(lines)


if __name__ == "__main__":
    # ``python -m tests.import_graph [DIR]``: the picture of the tree at DIR (default: this checkout).
    print(describe(read_graph(base=Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT)))
