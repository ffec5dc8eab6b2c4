"""Community progress over time, for the dashboard chart.

The average progress of today's supporters' implementations as it stood at each date:
the sum, over implementations, of the progress of the latest accepted update visible at
the viewer's audience level (public, supporters or secretariat) dated on or before that
date, divided by the number of implementations. Each accepted update stores how much it
changed its implementation's progress for each audience (ProgressUpdate.delta_*), so
one grouped sum in SQL gives the series. The result is cached per audience and filter
until the next acceptance (commitments.cache)."""

import datetime

from django.db.models import Q, Sum
from django.utils import timezone

from portal.models import Standing

from ..cache import cached_aggregate
from ..models import Implementation, ProgressUpdate, Visibility
from .progress import viewer_for

QUARTERS_SHOWN = 8
# Which stored progress change (set by refresh_latest_accepted) each audience sums.
DELTA_COLUMN = {
    (Visibility.PUBLIC,): "delta_public",
    (Visibility.PUBLIC, Visibility.SUPPORTERS): "delta_supporters",
    tuple(Visibility.values): "delta_all",
}


def chart_dates(today: datetime.date, quarters: int = QUARTERS_SHOWN) -> list[datetime.date]:
    """The last day of each of the previous `quarters` quarters, then today."""
    first_of_quarter = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    dates = []
    end = first_of_quarter - datetime.timedelta(days=1)
    for _ in range(quarters):
        dates.append(end)
        end = datetime.date(end.year, (end.month - 1) // 3 * 3 + 1, 1) - datetime.timedelta(days=1)
    return [*reversed(dates), today]


def community_progress_series(user, *, kind: str = "", country: str = "", today=None) -> list[dict]:
    """[{"date", "average"}] at each of chart_dates(today). Two queries when not cached."""
    today = today or timezone.localdate()
    levels = viewer_for(user).levels
    return cached_aggregate(
        "trend",
        (",".join(levels), kind, country.upper(), today.isoformat()),
        lambda: _compute(levels, kind=kind, country=country, today=today),
    )


def _scope(prefix: str, kind: str, country: str) -> Q:
    scope = Q(**{f"{prefix}organization__standing": Standing.SUPPORTER, f"{prefix}commitment__is_active": True})
    if kind:
        scope &= Q(**{f"{prefix}organization__kind": kind})
    if country:
        scope &= Q(**{f"{prefix}organization__country": country.upper()})
    return scope


def _compute(levels, *, kind: str, country: str, today: datetime.date) -> list[dict]:
    dates = chart_dates(today)
    total = Implementation.objects.filter(_scope("", kind, country)).count()
    if not total:
        return [{"date": d, "average": 0.0} for d in dates]
    column = DELTA_COLUMN[tuple(levels)]
    changes = (
        ProgressUpdate.objects.filter(
            _scope("implementation__", kind, country), **{f"{column}__isnull": False}, as_of__lte=today
        )
        .order_by()
        .values("as_of")
        .annotate(change=Sum(column))
        .order_by("as_of")
        .values_list("as_of", "change")
    )
    series, running = [], 0
    changes = [(_as_date(day), change) for day, change in changes]
    i = 0
    for day in dates:
        while i < len(changes) and changes[i][0] <= day:
            running += changes[i][1]
            i += 1
        series.append({"date": day, "average": round(running / total, 1)})
    return series


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
