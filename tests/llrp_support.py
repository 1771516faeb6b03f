"""A small store layout with one LLRP reader, shared by the LLRP and record tests."""

from __future__ import annotations

from pathlib import Path

__all__ = ["layout_text", "write_layout"]


def layout_text(port: int, antennas: dict[int, str] | None = None) -> str:
    mapped = antennas or {1: "fr-1", 2: "fr-2"}
    lines = "\n".join(f'"{a}" = "{room}"' for a, room in mapped.items())
    return f"""
[store]
id = "s-llrp"
name = "LLRP store"

[[rooms]]
id = "fr-1"
name = "Fitting room 1"

[[rooms]]
id = "fr-2"
name = "Fitting room 2"

[[rooms]]
id = "floor"
name = "Sales floor"
kind = "sales_floor"

[[readers]]
id = "speedway-a"
format = "llrp"
host = "127.0.0.1"
port = {port}
[readers.antennas]
{lines}

"""


def write_layout(tmp_path: Path, port: int, antennas: dict[int, str] | None = None) -> Path:
    path = tmp_path / "llrp.toml"
    path.write_text(layout_text(port, antennas), encoding="utf-8")
    return path
