"""Horizontal bar charts drawn on the server as inline SVG (no JavaScript, no package).

This module only computes the geometry; ``templates/components/charts.html`` draws the SVG
(``role="img"``, a ``<title>`` and an ``aria-label`` summarising every bar) followed by a
table with the same figures (caption, ``th scope``), which is what assistive technology
and printouts read. Bars are stacked vertically with their label above them, so a chart
fits a 360 px phone without horizontal scrolling.

Why not a charting package: pygal (the light candidate) embeds its CSS in a ``<style>``
element of the SVG and, by default, loads a tooltip ``<script>`` from a CDN; the strict CSP
(nonce-only styles and scripts, ``default-src 'none'``) refuses both, and the accessible
table would still be ours to write. The bars the KPI page needs are thirty lines of
arithmetic, with the colours coming from our own stylesheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WIDTH = 320
BAR_SPACE = 230  # the rest of the width holds the value after the longest bar
ROW_HEIGHT = 44
BAR_HEIGHT = 16
_PLACES = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class BarRow:
    label: str
    value: int
    display: str
    label_y: int
    bar_y: int
    bar_width: Decimal
    value_x: Decimal
    value_y: int


@dataclass(frozen=True, slots=True)
class BarChart:
    chart_id: str
    title: str
    label_header: str
    value_header: str
    rows: tuple[BarRow, ...]
    width: int
    height: int

    @property
    def description(self) -> str:
        """One sentence a screen reader reads for the SVG: every label with its value."""
        parts = "; ".join(f"{row.label}: {row.display}" for row in self.rows)
        return f"{self.title}. {parts}."


def bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, int, str]],
    *,
    label_header: str,
    value_header: str,
) -> BarChart:
    """A chart of ``(label, value, display)`` rows; ``value`` is a non-negative int (centavos,
    counts, or hundredths of a percent) and ``display`` its formatted text."""
    if any(value < 0 for _, value, _ in rows):
        raise ValueError("bar values are never negative")
    largest = max((value for _, value, _ in rows), default=0)
    bars = []
    for index, (label, value, display) in enumerate(rows):
        top = index * ROW_HEIGHT
        width = (
            (Decimal(BAR_SPACE) * value / largest).quantize(_PLACES, rounding=ROUND_HALF_UP)
            if largest
            else Decimal(0)
        )
        bars.append(
            BarRow(
                label=label,
                value=value,
                display=display,
                label_y=top + 14,
                bar_y=top + 20,
                bar_width=width,
                value_x=width + 6,
                value_y=top + 33,
            )
        )
    return BarChart(
        chart_id=chart_id,
        title=title,
        label_header=label_header,
        value_header=value_header,
        rows=tuple(bars),
        width=WIDTH,
        height=max(ROW_HEIGHT, ROW_HEIGHT * len(bars)),
    )
