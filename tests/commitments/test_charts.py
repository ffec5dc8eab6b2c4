"""The dashboard's layout: chart axis labels that never collide (in any language), long
commitment titles that wrap, and figures that keep their headings on a narrow screen."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from commitments.charts import AXIS_CHAR_UNITS, CHART_RIGHT, axis_ticks, compact_number, line_chart


def label_extent(tick, label):
    """The x-range a tick's label covers, from its anchor and an upper bound on its width."""
    width = len(label) * AXIS_CHAR_UNITS
    if tick["anchor"] == "start":
        return tick["x"], tick["x"] + width
    if tick["anchor"] == "end":
        return tick["x"] - width, tick["x"]
    return tick["x"] - width / 2, tick["x"] + width / 2


@pytest.mark.parametrize("n", [1, 2, 5, 9, 13, 40])
@pytest.mark.parametrize("label", ["2026-06-30", "Dec 2024", "ديسمبر 2024", "2025 Q1", "30 septembre 2026"])
def test_axis_labels_never_overlap_and_stay_inside(n, label):
    chart = line_chart([(f"{label} #{i}", float(i)) for i in range(n)], short_labels=[label] * n)
    ticks = chart["ticks"]
    assert ticks and ticks[0]["x"] == chart["dots"][0]["x"]  # the first point is always labelled
    assert ticks[-1]["x"] == chart["dots"][-1]["x"]  # and the last
    extents = [label_extent(t, t["label"]) for t in ticks]
    for (_start, end), (next_start, _end) in itertools.pairwise(extents):
        assert end <= next_start, (label, n, extents)
    assert extents[0][0] >= 0 and extents[-1][1] <= CHART_RIGHT  # nothing is cut off at either edge
    assert all(t["label"] == label for t in ticks)  # the short label goes on the axis


def test_full_labels_stay_in_tooltips_and_table():
    chart = line_chart([("30 June 2026", 40), ("28 November 2026", None)], max_value=100, short_labels=["Jun", "Nov"])
    assert [d["label"] for d in chart["dots"]] == ["30 June 2026", "28 November 2026"]
    assert chart["dots"][1]["y"] is None and len(chart["lines"]) == 1


def test_axis_ticks_of_no_points():
    assert axis_ticks([]) == []


def test_large_axis_values_are_abbreviated():
    assert [compact_number(v) for v in (0, 950, 9999, 12_345, 250_000, 3_400_000, 12_000_000)] == [
        "0", "950", "9999", "12k", "250k", "3.4M", "12M",
    ]  # fmt: skip
    chart = line_chart([("2025", 1_200_000), ("2026", 2_400_000)])
    assert [g["label"] for g in chart["grid"]] == ["0", "1.2M", "2.4M"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ar"])
def test_dashboard_chart_and_table_markup(client, catalogue, language):
    html = client.get(reverse("commitments:dashboard"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    # The chart is drawn left to right in Arabic too, so its text anchors keep their meaning.
    assert '<svg class="line-chart" dir="ltr"' in html
    assert html.count('class="axis axis-x"') <= 5
    with translation.override(language):
        short = date_format(timezone.localdate(), "M Y")
    assert short in html  # the axis shows abbreviated dates, not ISO ones
    # The table keeps its semantics when a phone lays it out as blocks, and each figure its heading.
    assert '<table class="table progress-table" role="table">' in html
    assert 'role="rowheader" class="commitment-cell"' in html
    assert html.count('data-label="') == 2 * len(catalogue)
