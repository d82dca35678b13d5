"""Chart geometry: numbers in, rectangles and labels out (pure functions, no database)."""

from organiser.reach import charts


def test_share_chart_fills_the_track_in_proportion():
    chart = charts.share_chart("c", "Titel", "Uitleg", 0.25, "25%")
    track, fill = chart.bars
    assert fill.width == track.width * 0.25
    assert chart.labels[0].text == "25%"
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
    assert chart.height > 0


def test_column_panels_share_one_scale_and_thin_out_month_labels():
    months = [f"m{i}" for i in range(24)]
    chart = charts.column_panels("c", "t", "d", months, [("A", "x", [4] + [0] * 23), ("B", "y", [2] + [0] * 23)])
    first, second = chart.bars
    assert first.height == 2 * second.height
    ticks = [label.text for label in chart.labels if label.css == "chart__tick"]
    assert ticks[:3] == ["m0", "m2", "m4"] and len(ticks) == 24  # every other month, under both panels


def test_empty_charts_still_draw():
    assert charts.grouped_bars("c", "t", "d", []).height > 0
    assert charts.column_panels("c", "t", "d", [], []).height > 0
