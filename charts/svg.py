"""Charts drawn on the server as SVG (no script, nothing from outside: the pages' strict CSP holds):
lines over time, and grouped bars (a histogram is bars over its bins). Every label is escaped; colours
are attributes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

W, H, PAD = 640, 220, 36
COLOURS = ("#2563eb", "#f59e0b", "#10b981")


def _frame(title: str, body: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - 8}" y2="{H - PAD}" stroke="#888"/>{body}</svg>'
    )


def _y(value: float, top: float) -> float:
    return H - PAD - (value / top) * (H - 2 * PAD) if top else H - PAD


def line(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> str:
    """One polyline per series over ``labels`` (e.g. days)."""
    top = max((v for values in series.values() for v in values), default=0) or 1
    step = (W - PAD - 8) / max(len(labels) - 1, 1)
    parts = [f'<text x="4" y="{PAD - 8}" font-size="11">{top:g}</text>']
    for colour, (name, values) in zip(COLOURS, series.items(), strict=False):
        points = " ".join(f"{PAD + i * step:.1f},{_y(v, top):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        parts.append(
            f'<text x="{W - 150}" y="{14 + 14 * len(parts) // 2}" fill="{colour}" font-size="12">'
            f"{escape(name)}</text>"
        )
    if labels:
        parts.append(f'<text x="{PAD}" y="{H - 12}" font-size="11">{escape(labels[0])}</text>')
        parts.append(f'<text x="{W - 80}" y="{H - 12}" font-size="11">{escape(labels[-1])}</text>')
    return _frame(title, "".join(parts))


def bars(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]]) -> str:
    """Grouped bars: one group per label, one bar per series."""
    top = max((v for values in series.values() for v in values), default=0) or 1
    group = (W - PAD - 8) / max(len(labels), 1)
    width = group * 0.8 / max(len(series), 1)
    parts = [f'<text x="4" y="{PAD - 8}" font-size="11">{top:g}</text>']
    for k, (colour, values) in enumerate(zip(COLOURS, series.values(), strict=False)):
        for i, v in enumerate(values):
            x, y = PAD + i * group + k * width, _y(v, top)
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}"'
                f' height="{H - PAD - y:.1f}" fill="{colour}"><title>{escape(labels[i])}: {v:g}</title>'
                "</rect>"
            )
    for i, label in enumerate(labels):
        parts.append(f'<text x="{PAD + i * group:.1f}" y="{H - 14}" font-size="11">{escape(label)}</text>')
    for k, (colour, name) in enumerate(zip(COLOURS, series, strict=False)):
        parts.append(
            f'<text x="{W - 150}" y="{16 + 14 * k}" fill="{colour}" font-size="12">{escape(name)}</text>'
        )
    return _frame(title, "".join(parts))


def table(caption: str, head: list[str], rows: list[list[object]], csv: str | None = None) -> str:
    """The HTML table behind a chart (every cell escaped), with a link to its CSV when given."""
    link = f' <a class="csv" href="{escape(csv)}" download>CSV</a>' if csv else ""
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    trs = "".join(
        "<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    head_row = f"<thead><tr>{th}</tr></thead>"
    return f"<table><caption>{escape(caption)}{link}</caption>{head_row}<tbody>{trs}</tbody></table>"
