"""Bar charts as plain geometry (pure functions: numbers in, rectangles and labels out); a template draws the SVG.

Every bar carries its number as text next to it, so no meaning depends on colour alone, and the
dashboard puts a table with the same numbers under every chart. Colours come from classes in app.css
(the Content-Security-Policy forbids inline styles).

Horizontal positions and widths are percentages of the chart's width, vertical ones are CSS pixels, and the
SVG has no viewBox: the chart stretches to the width of the screen while its text keeps the size app.css
gives it (with a viewBox, a phone shrank 13px labels to 6px). Long labels are broken into lines that fit a
phone.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

#: The full width: x and width are percentages.
WIDTH = 100.0
#: Height of one line of label text (px).
LABEL_HEIGHT = 22
BAR_HEIGHT = 18
BAR_GAP = 4
GROUP_GAP = 14
#: Room on the right of the longest bar for its value label (percent of the width: ~140px on a phone).
VALUE_ROOM = 40.0
#: Gap between the end of a bar and its value label (px).
VALUE_GAP = 6
#: Characters per line of a label, so that it fits a 360px phone at the chart's font size.
LABEL_CHARS = 34


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
    #: A shift to the right in px, after x (a percentage): keeps a value label clear of its bar at any width.
    dx: float = 0


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


def label_lines(text: str, width: int = LABEL_CHARS) -> list[str]:
    """A label broken into lines that fit a phone (SVG text does not wrap by itself)."""
    return textwrap.wrap(text, width) or [""]


def share_chart(chart_id: str, title: str, description: str, share: float, text: str) -> Chart:
    """One bar filled to `share` (0..1) of a bordered track, with the text under it."""
    chart = Chart(chart_id, title, description, WIDTH, 0)
    share = min(max(share, 0.0), 1.0)
    chart.bars.append(Bar(0, 1, WIDTH, 30, "chart__track"))
    if share > 0:
        chart.bars.append(Bar(0, 1, max(WIDTH * share, 0.5), 30, "chart__bar chart__bar--reached"))
    y = 31.0
    for line in label_lines(text, LABEL_CHARS + 6):
        y += LABEL_HEIGHT
        chart.labels.append(Label(0, y, line))
    chart.height = y + 8
    return chart


def grouped_bars(chart_id: str, title: str, description: str, groups: list[tuple[str, list[Series]]]) -> Chart:
    """Horizontal bars in labelled groups (the label above its bars), each bar with its number beside it."""
    top = max((s.value for _, series in groups for s in series), default=0)
    scale = (WIDTH - VALUE_ROOM) / top if top else 0
    chart = Chart(chart_id, title, description, WIDTH, 0)
    y = 0.0
    for label, series in groups:
        for line in label_lines(label):
            chart.labels.append(Label(0, y + 16, line, "chart__label chart__label--group"))
            y += LABEL_HEIGHT
        for s in series:
            width = s.value * scale
            if s.value:
                chart.bars.append(Bar(0, y, max(width, 0.4), BAR_HEIGHT, f"chart__bar {s.css}"))
            chart.labels.append(Label(width, y + BAR_HEIGHT - 4, s.text, "chart__value", dx=VALUE_GAP))
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
    each panel, thinned out to at most 12, of which at most 5 are not marked minor (app.css hides minor ones on
    a phone, where a month is only ~25px wide).
    """
    count = max(len(categories), 1)
    step = WIDTH / count
    column = max(step * 0.7, 1)
    top = max((v for _, _, values in panels for v in values), default=0)
    scale = (panel_height - 18) / top if top else 0
    every = math.ceil(count / 12)
    phone_every = math.ceil(math.ceil(count / every) / 5)  # of the labels drawn, a phone shows at most 5
    chart = Chart(chart_id, title, description, WIDTH, 0)
    y = 0.0
    for label, css, values in panels:
        for line in label_lines(label):
            chart.labels.append(Label(0, y + 16, line, "chart__label chart__label--group"))
            y += LABEL_HEIGHT
        base = y + panel_height
        for i, value in enumerate(values):
            x = i * step + (step - column) / 2
            height = value * scale
            if value:
                chart.bars.append(Bar(x, base - max(height, 2), column, max(height, 2), f"chart__bar {css}"))
                if count <= 16:  # a column at least ~22px wide on a phone: room for its number
                    chart.labels.append(Label(x + column / 2, base - height - 4, str(value), "chart__value", "middle"))
        chart.lines.append(Line(0, base, WIDTH, base))
        y = base
        for i, category in enumerate(categories):
            if i % every == 0:
                css = "chart__tick chart__tick--minor" if (i // every) % phone_every else "chart__tick"
                if i == 0:  # the outer labels line up with the edges instead of spilling over them
                    chart.labels.append(Label(0, y + 16, category, css))
                elif i == count - 1:
                    chart.labels.append(Label(WIDTH, y + 16, category, css, "end"))
                else:
                    chart.labels.append(Label(i * step + step / 2, y + 16, category, css, "middle"))
        y += LABEL_HEIGHT + GROUP_GAP
    chart.height = max(y, 20)
    return chart


#: The heat map's row labels take this share of the width (percent); its cells share the rest.
HEAT_LABEL_ROOM = 38.0
HEAT_ROW_HEIGHT = 30
#: Darkness levels of a cell (app.css: chart__heat--0 … --4); from this level on its number is written in white.
HEAT_LEVELS = 4
HEAT_LIGHT_TEXT_FROM = 3


def heat_level(value: int, top: int) -> int:
    """0 for nothing, else 1 … HEAT_LEVELS in proportion to the largest value."""
    return 0 if value <= 0 or top <= 0 else max(1, math.ceil(HEAT_LEVELS * value / top))


def heat_map(
    chart_id: str, title: str, description: str, rows: list[str], columns: list[str], values: list[list[int]]
) -> Chart:
    """A grid of cells, one row per `rows` label and one column per `columns` label, each cell shaded by its value
    and carrying the number itself. Columns are numbered above the grid and named in a key under it, so that the
    names fit a phone."""
    chart = Chart(chart_id, title, description, WIDTH, 0)
    count = max(len(columns), 1)
    step = (WIDTH - HEAT_LABEL_ROOM) / count
    top = max((v for row in values for v in row), default=0)
    y = float(LABEL_HEIGHT)
    for j in range(len(columns)):
        chart.labels.append(Label(HEAT_LABEL_ROOM + (j + 0.5) * step, y - 6, str(j + 1), "chart__tick", "middle"))
    for label, row in zip(rows, values, strict=True):
        lines = label_lines(label, 18)
        height = max(HEAT_ROW_HEIGHT, len(lines) * 18 + 10)
        for k, line in enumerate(lines):
            chart.labels.append(Label(0, y + 19 + k * 18, line, "chart__label"))
        for j, value in enumerate(row):
            level = heat_level(value, top)
            x = HEAT_LABEL_ROOM + j * step
            chart.bars.append(Bar(x, y, step, height, f"chart__heat chart__heat--{level}"))
            css = "chart__value chart__value--light" if level >= HEAT_LIGHT_TEXT_FROM else "chart__value"
            chart.labels.append(Label(x + step / 2, y + height / 2 + 5, str(value), css, "middle"))
        y += height
    y += GROUP_GAP
    for j, column in enumerate(columns):
        for k, line in enumerate(label_lines(f"{j + 1}: {column}", LABEL_CHARS + 6)):
            y += LABEL_HEIGHT
            chart.labels.append(Label(0, y, line if k == 0 else f"   {line}", "chart__tick"))
    chart.height = max(y + 8, 20)
    return chart
