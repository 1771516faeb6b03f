"""Where the edge gets its catalog from: a replaceable source.

Everything that shows or describes items asks a ``CatalogSource`` for the current catalog on each use
instead of keeping one, so the source can change underneath: today a file (``FileCatalog``, or the
service's loaded catalog), later the central store's incremental pulls replacing it in place.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

from edge.catalog.model import Catalog, load_catalog

__all__ = ["CatalogSource", "FileCatalog", "FixedCatalog"]

log = logging.getLogger(__name__)


class CatalogSource(Protocol):
    def current(self) -> Catalog:
        """The catalog to use now; cheap to call (callers call it per request)."""
        ...


class FixedCatalog:
    """A catalog held in memory; ``replace`` swaps it atomically (readers see the old or the new)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def current(self) -> Catalog:
        return self._catalog

    def replace(self, catalog: Catalog) -> None:
        self._catalog = catalog


class FileCatalog:
    """A catalog JSON file, re-read when its modification time changes (an operator can drop in a new one)."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._mtime = self._path.stat().st_mtime_ns
        self._catalog = load_catalog(self._path)

    def current(self) -> Catalog:
        try:
            mtime = self._path.stat().st_mtime_ns
        except OSError:
            return self._catalog  # a vanished file keeps the last good catalog
        if mtime != self._mtime:
            with self._lock:
                if mtime != self._mtime:
                    self._mtime = mtime  # try each new version once
                    try:
                        self._catalog = load_catalog(self._path)
                    except Exception:
                        log.exception("catalog %s unreadable; keeping the last good catalog", self._path)
        return self._catalog
