"""Reporting-cycle settings, read with defaults so the portal's settings file need not name them."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def cycle_months() -> int:
    months = int(getattr(settings, "COMMITMENTS_REPORTING_CYCLE_MONTHS", 6))
    if months not in (1, 2, 3, 4, 6, 12):
        raise ImproperlyConfigured("COMMITMENTS_REPORTING_CYCLE_MONTHS must divide the year (1, 2, 3, 4, 6 or 12).")
    return months


def grace_days() -> int:
    return int(getattr(settings, "COMMITMENTS_REPORTING_GRACE_DAYS", 30))


def cycle_start(day: date) -> date:
    """The first day of the reporting cycle containing `day`; cycles are aligned to the calendar year."""
    months = cycle_months()
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def reporting_cutoff(today: date) -> date:
    """An implementation is overdue when its latest accepted update is older than this.
    During the grace period at the start of a cycle the previous cycle still counts."""
    return cycle_start(today - timedelta(days=grace_days()))
