"""Chart geometry: numbers in, rectangles and labels out (pure functions, no database)."""

from organiser.reach import charts


def test_share_chart_fills_the_track_in_proportion():
    chart = charts.share_chart("c", "Titel", "Uitleg", 0.25, "25%")
    track, fill = chart.bars
    assert fill.width == track.width * 0.25
    assert chart.labels[0].text == "25%"
    long = charts.share_chart("c", "t", "d", 0.5, "3 van de 6 actieve kantoorcollega's bereikt (50%)")
    lines = [label.text for label in long.labels]
    assert len(lines) == 2 and " ".join(lines) == "3 van de 6 actieve kantoorcollega's bereikt (50%)"
    assert long.labels[1].y > long.labels[0].y and long.height > long.labels[1].y  # one under the other, inside
    assert len(charts.share_chart("c", "t", "d", 0, "0%").bars) == 1  # no sliver for nothing
    assert charts.share_chart("c", "t", "d", 3, "?").bars[1].width == track.width  # clamped


def test_grouped_bars_scale_to_the_largest_and_label_every_bar():
    chart = charts.grouped_bars(
        "c",
        "Titel",
        "Uitleg",
        [
            ("Vergunningen", [charts.Series(10, "a", "uitgenodigd: 10"), charts.Series(5, "b", "bereikt: 5")]),
            ("Publiekszaken", [charts.Series(0, "a", "uitgenodigd: 0"), charts.Series(0, "b", "bereikt: 0")]),
        ],
    )
    assert [b.width for b in chart.bars] == [charts.WIDTH - charts.VALUE_ROOM, (charts.WIDTH - charts.VALUE_ROOM) / 2]
    texts = [label.text for label in chart.labels]
    assert texts == ["Vergunningen", "uitgenodigd: 10", "bereikt: 5", "Publiekszaken", "uitgenodigd: 0", "bereikt: 0"]
    # A value label starts where its bar ends (a percentage) plus a gap in pixels, at any screen width.
    assert (chart.labels[2].x, chart.labels[2].dx) == ((charts.WIDTH - charts.VALUE_ROOM) / 2, charts.VALUE_GAP)
    assert chart.height > 0


def test_long_group_labels_wrap_to_fit_a_phone():
    title = "Wijksafari langs alle moestuinen van de Rijnbuurt (zaterdag 12 september 2026)"
    chart = charts.grouped_bars("c", "t", "d", [(title, [charts.Series(3, "a", "aanwezig: 3")])])
    lines = [label.text for label in chart.labels if "chart__label--group" in label.css]
    assert len(lines) > 1 and all(len(line) <= charts.LABEL_CHARS for line in lines)
    assert " ".join(lines) == title
    bar = chart.bars[0]
    assert bar.y > max(label.y for label in chart.labels if "chart__label--group" in label.css)  # the bar under it


def test_column_panels_share_one_scale_and_thin_out_month_labels():
    months = [f"m{i}" for i in range(24)]
    chart = charts.column_panels("c", "t", "d", months, [("A", "x", [4] + [0] * 23), ("B", "y", [2] + [0] * 23)])
    first, second = chart.bars
    assert first.height == 2 * second.height
    ticks = [label for label in chart.labels if "chart__tick" in label.css.split()]
    # Every other month, under both panels.
    assert [t.text for t in ticks[:3]] == ["m0", "m2", "m4"] and len(ticks) == 24
    # A phone shows at most five of the twelve under a panel: m0, m6, m12, m18 (the others are marked minor).
    shown = [t.text for t in ticks[:12] if "chart__tick--minor" not in t.css]
    assert shown == ["m0", "m6", "m12", "m18"]
    assert ticks[0].anchor == "start" and ticks[0].x == 0  # the first label does not spill over the left edge


def test_the_last_month_label_ends_at_the_right_edge():
    chart = charts.column_panels("c", "t", "d", ["jan", "feb", "mrt"], [("A", "x", [1, 2, 3])])
    ticks = [label for label in chart.labels if "chart__tick" in label.css]
    assert [(t.text, t.anchor) for t in ticks] == [("jan", "start"), ("feb", "middle"), ("mrt", "end")]
    assert ticks[-1].x == charts.WIDTH


def test_empty_charts_still_draw():
    assert charts.grouped_bars("c", "t", "d", []).height > 0
    assert charts.column_panels("c", "t", "d", [], []).height > 0
