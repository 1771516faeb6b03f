"""Typed columns and documents of the edge tables, stored as the same text they always were.

- ``EnumText``: a ``StrEnum`` stored as its string value in a ``VARCHAR`` (no database enum type, so a
  new member needs no migration); rows read back carry the enum member, and a value the enum does not
  have is refused before it reaches the database.
- ``JsonDocument``: the shape of a JSON document kept in a text column (a pydantic ``TypeAdapter``):
  ``dump`` writes it as ``json.dumps`` does, ``load`` parses and validates it. Table models expose their
  documents through it, so no caller ever ``json.loads`` a column.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from sqlalchemy.engine import Dialect
from sqlalchemy.types import String, TypeDecorator

__all__ = ["EnumText", "JsonDocument"]

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class EnumText(TypeDecorator[E], Generic[E]):
    """``enum_type`` values in a ``VARCHAR(length)``."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[E], length: int) -> None:
        super().__init__(length=length)
        self.enum_type = enum_type

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_type(value).value  # ValueError for a value the enum does not have

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_type(value)

    @property
    def python_type(self) -> type[E]:
        return self.enum_type


class JsonDocument(Generic[T]):
    """Reads and writes one kind of JSON document kept in a text column."""

    def __init__(self, shape: Any) -> None:
        self._adapter: TypeAdapter[T] = TypeAdapter(shape)

    def dump(self, value: T) -> str:
        """The document as text, validated first (a malformed one is a ``ValidationError``, never stored)."""
        return json.dumps(self._adapter.dump_python(self._adapter.validate_python(value), mode="json"))

    def load(self, text: str) -> T:
        """The document of a column's text, validated against its shape."""
        return self._adapter.validate_json(text)
