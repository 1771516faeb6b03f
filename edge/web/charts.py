"""The manager page's charts: the shared server-drawn SVG charts (``charts.svg``), which the central
store's head-office page draws with too."""

from charts.svg import COLOURS, bars, line

__all__ = ["COLOURS", "bars", "line"]
