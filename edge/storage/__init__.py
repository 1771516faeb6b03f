"""Edge persistence: SQLModel tables on SQLite (WAL) by default."""

from edge.storage.db import make_engine

__all__ = ["make_engine"]
