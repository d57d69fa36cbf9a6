"""Charts for the comparison page, drawn here as static SVG (pure: data in, markup out).

Why hand-drawn SVG rather than a charting library: the two charts are grids of coloured cells and
marks, a few dozen lines each; a vendored library would add hundreds of kilobytes of script to pages
that must work offline, and its output would depend on the browser. Here the same data gives the
same bytes (numbers written with fixed decimals, rows and columns in the caller's order), and the
chart is readable with scripts off.

Accessibility: each SVG is ``role="img"`` with an ``aria-label``, a ``<title>`` and a ``<desc>``; the
page puts the chart's data table beside it, which is the text alternative. Text colour in a cell is
black or white, whichever contrasts more with the cell (at least 4.5:1 for any fill, WCAG AA).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence
from xml.sax.saxutils import escape

# rank 1 (strongest) is the darkest; the worst rank the lightest: one hue, readable in grey too
BEST = (31, 78, 154)      # the site's accent blue
WORST = (238, 243, 250)
MISSING = "#ffffff"
INK = "#1d2330"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def _attr(text: str) -> str:
    return escape(str(text), {'"': "&quot;"})


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(fill: str) -> str:
    """Black or white, whichever reads better on `fill` (never below 4.5:1)."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#ffffff") else "#ffffff"


def rank_fill(rank: int | None, of: int) -> str:
    """The cell colour of a rank among `of` (1 = best = darkest); white when there is no value."""
    if rank is None or of < 1:
        return MISSING
    t = 0.0 if of == 1 else (rank - 1) / (of - 1)
    return _hex([b + (w - b) * t for b, w in zip(BEST, WORST)])


@dataclass(frozen=True)
class Column:
    id: str
    label: str


def _svg_open(width: float, height: float, cid: str, title: str, desc: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="gg-chart" id="{_attr(cid)}" role="img" '
            f'aria-label="{_attr(title)}" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{_attr(FONT)}">',
            f'<title>{escape(title)}</title>', f'<desc>{escape(desc)}</desc>']


def _headings(columns: Sequence[Column], x0: float, cell: float, y: float) -> list[str]:
    """Column headings written upwards at 45°, anchored at each column's centre."""
    out = []
    for j, c in enumerate(columns):
        cx = x0 + j * cell + cell / 2
        out.append(f'<text x="{cx:.1f}" y="{y:.1f}" font-size="11" fill="{INK}" '
                   f'transform="rotate(-45 {cx:.1f} {y:.1f})">{escape(c.label)}</text>')
    return out


def _head_height(columns: Sequence[Column]) -> float:
    longest = max((len(c.label) for c in columns), default=0)
    return 16 + longest * 6.0 * math.sqrt(0.5)


def heatmap(rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, cid: str = "chart-heatmap",
            title: str, desc: str) -> str:
    """Countries × indicators: each cell coloured by the country's rank on that indicator and showing
    the rank. `rows` are ``{"code", "name", "focus", "cells": [{"rank", "of", "text"}]}`` in the
    order the columns are given; ``text`` is the cell's tooltip (value and rank in words)."""
    cell, row_h, left = 40.0, 20.0, 58.0
    head = _head_height(columns)
    width = left + cell * len(columns) + head * 0.75
    height = head + row_h * len(rows) + 34
    out = _svg_open(width, height, cid, title, desc)
    out += _headings(columns, left, cell, head - 6)
    key_y = head + row_h * len(rows) + 12
    out.append(f'<text x="{left:.1f}" y="{key_y + 11:.1f}" font-size="11" fill="{INK}">rank 1 (strongest)</text>')
    for k in range(5):
        fill = rank_fill(1 + k, 5)
        out.append(f'<rect x="{left + 108 + k * 18:.1f}" y="{key_y:.1f}" width="17" height="14" fill="{fill}" '
                   f'stroke="#d8dde5" stroke-width="0.5"/>')
    out.append(f'<text x="{left + 108 + 5 * 18 + 6:.1f}" y="{key_y + 11:.1f}" font-size="11" fill="{INK}">'
               'last (weakest); white: no value</text>')
    for i, r in enumerate(rows):
        y = head + i * row_h
        weight = ' font-weight="700"' if r.get("focus") else ""
        out.append(f'<g class="gg-row" data-code="{_attr(r["code"])}">'
                   f'<text x="{left - 8:.1f}" y="{y + row_h * 0.7:.1f}" font-size="12" text-anchor="end" '
                   f'fill="{INK}"{weight}>{escape(r["code"])}</text>')
        for j, c in enumerate(r["cells"]):
            x = left + j * cell
            fill = rank_fill(c.get("rank"), c.get("of", 0))
            label = "–" if c.get("rank") is None else str(c["rank"])
            out.append(f'<g class="gg-cell"><title>{escape(r["name"])}, {escape(columns[j].label)}: '
                       f'{escape(c["text"])}</title>'
                       f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell - 1:.1f}" height="{row_h - 1:.1f}" '
                       f'fill="{fill}" stroke="#d8dde5" stroke-width="0.5"/>'
                       f'<text x="{x + cell / 2 - 0.5:.1f}" y="{y + row_h * 0.7:.1f}" font-size="11" '
                       f'text-anchor="middle" fill="{text_on(fill)}">{label}</text></g>')
        out.append("</g>")
        if r.get("focus"):
            out.append(f'<rect x="{left - 0.5:.1f}" y="{y - 0.5:.1f}" width="{cell * len(columns):.1f}" '
                       f'height="{row_h:.1f}" fill="none" stroke="{INK}" stroke-width="2"/>')
    out.append("</svg>")
    return "".join(out)


BINDING_MARK = "binding"
NON_BINDING_MARK = "non-binding"


def matrix(rows: Sequence[dict[str, Any]], placements: Sequence[Column], levers: Sequence[Column], *,
           cid: str = "chart-placement", title: str, desc: str) -> str:
    """Countries × (where the lead body sits | the key levers it holds): a dot in the column of the
    lead body's placement; a filled square for a binding lever of that type, an outlined square for a
    non-binding one. `rows` are ``{"code", "name", "focus", "placement", "levers": {type: mark}}``."""
    cell, row_h, left, gap = 30.0, 20.0, 58.0, 18.0
    columns = list(placements) + list(levers)
    head = _head_height(columns)
    x_lev = left + cell * len(placements) + gap
    width = x_lev + cell * len(levers) + head * 0.75
    height = head + row_h * len(rows) + 6
    out = _svg_open(width, height, cid, title, desc)
    out += _headings(placements, left, cell, head - 6)
    out += _headings(levers, x_lev, cell, head - 6)
    for i, r in enumerate(rows):
        y = head + i * row_h
        cy = y + row_h / 2
        fill = "#f4f6f9" if i % 2 else "#ffffff"
        out.append(f'<rect x="{left:.1f}" y="{y:.1f}" width="{x_lev + cell * len(levers) - left:.1f}" '
                   f'height="{row_h:.1f}" fill="{fill}"/>')
        weight = ' font-weight="700"' if r.get("focus") else ""
        out.append(f'<g class="gg-row" data-code="{_attr(r["code"])}">'
                   f'<text x="{left - 8:.1f}" y="{y + row_h * 0.7:.1f}" font-size="12" text-anchor="end" '
                   f'fill="{INK}"{weight}>{escape(r["code"])}</text>')
        for j, p in enumerate(placements):
            if r.get("placement") == p.id:
                cx = left + j * cell + cell / 2
                out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{_hex(BEST)}" '
                           f'data-placement="{_attr(p.id)}"/>')
        for j, lv in enumerate(levers):
            mark = r.get("levers", {}).get(lv.id)
            if mark:
                x = x_lev + j * cell + cell / 2 - 6
                style = (f'fill="{_hex(BEST)}"' if mark == BINDING_MARK
                         else f'fill="#ffffff" stroke="{_hex(BEST)}" stroke-width="2"')
                out.append(f'<rect x="{x:.1f}" y="{cy - 6:.1f}" width="12" height="12" {style} '
                           f'data-lever="{_attr(lv.id)}" data-mark="{_attr(mark)}"/>')
        out.append("</g>")
    out.append(f'<line x1="{x_lev - gap / 2:.1f}" y1="{head - 4:.1f}" x2="{x_lev - gap / 2:.1f}" '
               f'y2="{height - 4:.1f}" stroke="#8a8f98" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)
