"""Shapes for the server-side SVG progress bars and line charts (no chart library, no CDN)."""

from django.utils.translation import pgettext

from .models import ProgressStatus

# Drawn from least to most done; "not applicable" last.
STATUS_ORDER = [
    ProgressStatus.COMPLETE,
    ProgressStatus.SUBSTANTIAL,
    ProgressStatus.LIMITED,
    ProgressStatus.NOT_STARTED,
    ProgressStatus.NOT_APPLICABLE,
]


def stacked_segments(counts: dict[str, int]) -> list[dict]:
    """Segments of a 0-100 wide bar, one per status with at least one implementation."""
    total = sum(counts.values())
    segments, x = [], 0.0
    if not total:
        return segments
    for status in STATUS_ORDER:
        n = counts.get(status, 0)
        if not n:
            continue
        width = 100.0 * n / total
        segments.append({"status": status, "label": ProgressStatus(status).label, "count": n, "x": x, "width": width})
        x += width
    return segments


# The line chart's box: a 300 x 120 viewBox, the plot inset for the axis labels.
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 40.0, 290.0, 10.0, 100.0
AXIS_FONT_UNITS = 10.0  # font-size of the axis labels, in viewBox units (commitments.css)
AXIS_CHAR_UNITS = AXIS_FONT_UNITS * 0.62  # a generous average advance per character
AXIS_LABEL_GAP = 6.0  # at least this much space between two labels


def compact_number(value: float) -> str:
    """An axis label short enough for the left margin: 950, 12k, 3.4M."""
    value = round(value)
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return pgettext("millions, abbreviated on a chart axis", "%(n)sM") % {"n": _trim(value / 1_000_000)}
    if magnitude >= 10_000:
        return pgettext("thousands, abbreviated on a chart axis", "%(n)sk") % {"n": _trim(value / 1_000)}
    return str(value)


def _trim(number: float) -> str:
    return f"{number:.1f}".removesuffix(".0") if abs(number) < 10 else f"{number:.0f}"


def _x(i: int, n: int) -> float:
    if n == 1:
        return (CHART_LEFT + CHART_RIGHT) / 2
    return CHART_LEFT + i * (CHART_RIGHT - CHART_LEFT) / (n - 1)


def _extent(x: float, width: float, anchor: str) -> tuple[float, float]:
    if anchor == "start":
        return x, x + width
    if anchor == "end":
        return x - width, x
    return x - width / 2, x + width / 2


def axis_ticks(labels: list[str]) -> list[dict]:
    """Which x-axis labels to draw so that none collide or leave the box: the first (anchored
    at its start) and the last (at its end) always, and between them every label that clears
    the one before it and the last. Widths are estimated generously from the length."""
    n = len(labels)
    if n == 1:
        return [{"index": 0, "anchor": "middle"}]
    chosen: list[tuple[int, str, tuple[float, float]]] = []
    for i, label in enumerate(labels):
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        extent = _extent(_x(i, n), len(label) * AXIS_CHAR_UNITS, anchor)
        if i == n - 1:
            while len(chosen) > 1 and chosen[-1][2][1] + AXIS_LABEL_GAP > extent[0]:
                chosen.pop()  # the last label wins over its crowded neighbours (never over the first)
            if chosen and chosen[-1][2][1] + AXIS_LABEL_GAP > extent[0]:
                continue  # two labels too long to share the axis: the first alone
        elif chosen and chosen[-1][2][1] + AXIS_LABEL_GAP > extent[0]:
            continue
        chosen.append((i, anchor, extent))
    return [{"index": i, "anchor": anchor} for i, anchor, _extent_ in chosen]


def line_chart(
    points: list[tuple[str, float | None]], *, max_value: float | None = None, short_labels: list[str] | None = None
) -> dict:
    """Coordinates for a small SVG line chart. `points` are (label, value); a None value
    leaves a gap in the line. `short_labels` (one per point, e.g. "Mar 2026") go on the
    axis; the full labels stay in the tooltips and the table."""
    top, bottom = CHART_TOP, CHART_BOTTOM
    values = [v for _label, v in points if v is not None]
    top_value = max_value if max_value is not None else max(values, default=0)
    top_value = top_value or 1
    axis_labels = short_labels if short_labels and len(short_labels) == len(points) else [p[0] for p in points]
    dots, segments, current = [], [], []
    for i, (label, value) in enumerate(points):
        x = _x(i, len(points))
        if value is None:
            if current:
                segments.append(current)
            current = []
            dots.append({"x": x, "y": None, "label": label, "value": None})
            continue
        y = bottom - (bottom - top) * (value / top_value)
        current.append(f"{x:.1f},{y:.1f}")
        dots.append({"x": x, "y": y, "label": label, "value": value})
    if current:
        segments.append(current)
    ticks = [
        {"x": dots[t["index"]]["x"], "label": axis_labels[t["index"]], "anchor": t["anchor"]}
        for t in axis_ticks(axis_labels)
    ]
    return {
        "lines": [" ".join(segment) for segment in segments],
        "dots": dots,
        "ticks": ticks,
        "max": top_value,
        "grid": [
            {"y": bottom - (bottom - top) * f, "value": top_value * f, "label": compact_number(top_value * f)}
            for f in (0, 0.5, 1)
        ],
    }
