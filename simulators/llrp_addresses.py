"""Giving a layout's LLRP readers other ports, for a demo or a test session on a machine where the layout's
own addresses are taken. Plain text: the layout keeps its comments and order, and nothing here needs the
LLRP library."""

from __future__ import annotations

import re

__all__ = ["relocate_readers"]


def relocate_readers(layout_text: str, ports: dict[str, int]) -> str:
    """The layout text with the given LLRP readers' ``port`` set (reader id -> port); the rest unchanged.

    For a demo or a test whose readers cannot have the layout's own address (taken on this machine)."""
    blocks = re.split(r"(?m)^(?=\[\[)", layout_text)
    out = []
    for block in blocks:
        match = re.match(r'\[\[readers\]\][^\[]*?^id\s*=\s*"([^"]+)"', block, re.M | re.S)
        if match and match.group(1) in ports:
            port = ports[match.group(1)]
            if re.search(r"(?m)^port\s*=", block):
                block = re.sub(r"(?m)^port\s*=\s*\d+", f"port = {port}", block, count=1)
            else:
                block = re.sub(r"(?m)^(host\s*=.*)$", rf"\1\nport = {port}", block, count=1)
        out.append(block)
    return "".join(out)
