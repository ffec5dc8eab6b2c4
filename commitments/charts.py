"""Shapes for the server-side SVG progress bars (no chart library, no CDN)."""

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


def line_chart(points: list[tuple[str, float | None]], *, max_value: float | None = None) -> dict:
    """Coordinates for a small SVG line chart in a 0-300 x 0-120 box (plot area inset for
    labels). `points` are (label, value); a None value leaves a gap in the line."""
    left, right, top, bottom = 40.0, 290.0, 10.0, 100.0
    values = [v for _label, v in points if v is not None]
    top_value = max_value if max_value is not None else max(values, default=0)
    top_value = top_value or 1
    step = (right - left) / max(len(points) - 1, 1)
    dots, segments, current = [], [], []
    for i, (label, value) in enumerate(points):
        x = left + i * step if len(points) > 1 else (left + right) / 2
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
    return {
        "lines": [" ".join(segment) for segment in segments],
        "dots": dots,
        "max": top_value,
        "grid": [{"y": bottom - (bottom - top) * f, "value": top_value * f} for f in (0, 0.5, 1)],
        "label_every": max(1, len(points) // 6),
    }
