"""Self-contained HTML for the reports: a page with inline CSS, and inline SVG charts (no scripts, no links).

Every text given to these helpers is escaped here; callers pass plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["CSS", "Bar", "bar_chart", "histogram", "page"]

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
.num{text-align:right}.clause{color:#444;font-size:.9rem}.muted{color:#666}
pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;font-size:.85rem}
"""
"""The reports' style sheet."""

Bar = tuple[str, float, str]
"""One bar of `bar_chart`: its label, its value and the text shown after it."""


def bar_chart(
    bars: Sequence[Bar], label: str, *, maximum: float | None = None, label_width: int = 230, bar_width: int = 420
) -> str:
    """An inline SVG chart of horizontal bars, one row per bar, each labelled and followed by its text.

    Args:
        bars: ``(label, value, text)`` per bar, drawn top to bottom.
        label: what the chart shows (its accessible name).
        maximum: the value of a full-width bar (default: the largest value, at least 1).
        label_width: pixels for the labels.
        bar_width: pixels of a full-width bar.
    """
    bar_height = 22
    height = max(1, len(bars)) * bar_height + 10
    most = maximum if maximum is not None else max(1, *(value for _, value, _ in bars))
    parts = [f'<svg role="img" width="{label_width + bar_width + 60}" height="{height}" aria-label="{escape(label)}">']
    for i, (name, value, text) in enumerate(bars):
        y = 5 + i * bar_height
        width = max(1, round(bar_width * value / most)) if most and value > 0 else 0
        parts.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(name)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{width}" height="{bar_height - 6}" fill="#4a7ab5"/>')
        parts.append(f'<text x="{label_width + width + 5}" y="{y + 15}" font-size="13">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    counts: Sequence[int], edges: Sequence[float], label: str, *, lines: Sequence[tuple[float, str]] = ()
) -> str:
    """An inline SVG histogram of vertical bars, with marked values (e.g. floors) drawn as dashed lines.

    Args:
        counts: the count of each bin; the last may be an open bin (from its left edge up).
        edges: the left edge of each bin, then the right edge of the last closed bin (``len(counts)`` or
            ``len(counts) + 1`` values).
        label: what the chart shows (its accessible name).
        lines: ``(value, text)`` to mark with a vertical line, placed on the bins' scale.
    """
    left, top, bottom, column, plot_height = 40, 20, 40, 18, 200
    width = left + column * len(counts) + 20
    most = max(1, *counts)
    step = (edges[1] - edges[0]) if len(edges) > 1 else 1
    parts = [f'<svg role="img" width="{width}" height="{top + plot_height + bottom}" aria-label="{escape(label)}">']
    base = top + plot_height
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#999"/>')
    parts.append(f'<text x="{left - 5}" y="{top + 10}" font-size="11" text-anchor="end">{most}</text>')
    for i, count in enumerate(counts):
        x = left + i * column
        height = max(2, round(plot_height * count / most)) if count > 0 else 0  # a few people are still seen
        title = f"{edges[i]:g}–{edges[i + 1]:g}: {count}" if i + 1 < len(edges) else f"≥ {edges[i]:g}: {count}"
        parts.append(
            f'<rect x="{x + 1}" y="{base - height}" width="{column - 2}" height="{height}" fill="#4a7ab5">'
            f"<title>{escape(title)}</title></rect>"
        )
        if i % 2 == 0 or i == len(counts) - 1:
            tick = f"{edges[i]:g}" if i + 1 < len(edges) else f"≥{edges[i]:g}"
            parts.append(f'<text x="{x}" y="{base + 14}" font-size="10">{escape(tick)}</text>')
    for row, (value, text) in enumerate(lines):
        x = round(left + column * (value - edges[0]) / step)
        parts.append(
            f'<line x1="{x}" y1="{top - 5}" x2="{x}" y2="{base}" stroke="#c0392b" stroke-width="2" '
            f'stroke-dasharray="5,3"/><text x="{x + 4}" y="{top + 5 + 14 * row}" font-size="12" '
            f'fill="#c0392b">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def page(title: str, body: Sequence[str], lang: str) -> str:
    """A whole HTML page: ``title`` (escaped here) and the ``body`` parts (HTML, already escaped)."""
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
