"""Bar charts as plain geometry (pure functions: numbers in, rectangles and labels out); a template draws the SVG.

Every bar carries its number as text next to it, so no meaning depends on colour alone, and the
dashboard puts a table with the same numbers under every chart. Colours come from classes in app.css
(the Content-Security-Policy forbids inline styles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 720
LABEL_HEIGHT = 20
BAR_HEIGHT = 16
BAR_GAP = 4
GROUP_GAP = 12
#: Room on the right of the longest bar for its value label.
VALUE_ROOM = 150


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    css: str = "chart__label"
    anchor: str = "start"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "chart__axis"


@dataclass
class Chart:
    """An SVG picture: `title` is its accessible name, `description` says in words what it shows."""

    id: str
    title: str
    description: str
    width: float
    height: float
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Series:
    """One bar in a group: its value, its colour class and the words shown next to it ("bereikt 12")."""

    value: float
    css: str
    text: str


def share_chart(chart_id: str, title: str, description: str, share: float, text: str) -> Chart:
    """One bar filled to `share` (0..1) of a bordered track, with the text under it."""
    track_width = WIDTH - 2
    chart = Chart(chart_id, title, description, WIDTH, 64)
    share = min(max(share, 0.0), 1.0)
    chart.bars.append(Bar(1, 1, track_width, 30, "chart__track"))
    if share > 0:
        chart.bars.append(Bar(1, 1, max(track_width * share, 2), 30, "chart__bar chart__bar--reached"))
    chart.labels.append(Label(1, 54, text))
    return chart


def grouped_bars(chart_id: str, title: str, description: str, groups: list[tuple[str, list[Series]]]) -> Chart:
    """Horizontal bars in labelled groups (the label above its bars), each bar with its number beside it."""
    top = max((s.value for _, series in groups for s in series), default=0)
    scale = (WIDTH - VALUE_ROOM) / top if top else 0
    chart = Chart(chart_id, title, description, WIDTH, 0)
    y = 0.0
    for label, series in groups:
        chart.labels.append(Label(0, y + 15, label, "chart__label chart__label--group"))
        y += LABEL_HEIGHT
        for s in series:
            width = s.value * scale
            if s.value:
                chart.bars.append(Bar(0, y, max(width, 2), BAR_HEIGHT, f"chart__bar {s.css}"))
            chart.labels.append(Label(width + 6, y + BAR_HEIGHT - 3, s.text, "chart__value"))
            y += BAR_HEIGHT + BAR_GAP
        y += GROUP_GAP
    chart.lines.append(Line(0, 0, 0, max(y - GROUP_GAP, 1)))
    chart.height = max(y, 20)
    return chart


def column_panels(
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    panels: list[tuple[str, str, list[int]]],
    panel_height: float = 70,
) -> Chart:
    """Small multiples: one row of columns per panel (label, colour class, values), sharing one scale.

    Values are written above their columns where there is room; category labels (months) go under
    each panel, thinned out when there are many.
    """
    count = max(len(categories), 1)
    step = WIDTH / count
    column = max(step * 0.7, 1)
    top = max((v for _, _, values in panels for v in values), default=0)
    scale = (panel_height - 18) / top if top else 0
    every = math.ceil(count / 12)
    chart = Chart(chart_id, title, description, WIDTH, 0)
    y = 0.0
    for label, css, values in panels:
        chart.labels.append(Label(0, y + 15, label, "chart__label chart__label--group"))
        y += LABEL_HEIGHT
        base = y + panel_height
        for i, value in enumerate(values):
            x = i * step + (step - column) / 2
            height = value * scale
            if value:
                chart.bars.append(Bar(x, base - max(height, 2), column, max(height, 2), f"chart__bar {css}"))
                if step >= 24:
                    chart.labels.append(Label(x + column / 2, base - height - 4, str(value), "chart__value", "middle"))
        chart.lines.append(Line(0, base, WIDTH, base))
        y = base
        for i, category in enumerate(categories):
            if i % every == 0:
                chart.labels.append(Label(i * step + step / 2, y + 15, category, "chart__tick", "middle"))
        y += LABEL_HEIGHT + GROUP_GAP
    chart.height = max(y, 20)
    return chart
