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


def cycle_end(day: date) -> date:
    """The last day of the reporting cycle containing `day`."""
    start = cycle_start(day)
    month = start.month - 1 + cycle_months()
    return date(start.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def grace_end(day: date) -> date:
    """The last day of the grace period after the cycle containing `day`."""
    return cycle_end(day) + timedelta(days=grace_days())


def not_reporting_cutoff(today: date) -> date:
    """The start of the latest cycle whose grace period is over. A supporter with an
    implementation (existing when that cycle began) and no accepted update dated since
    then has missed a whole cycle and its grace: it is not reporting."""
    return cycle_start(reporting_cutoff(today) - timedelta(days=1))


def reminder_days_before() -> tuple[int, ...]:
    """Reporters of organisations with overdue implementations are reminded when this many
    days (or fewer) are left in the cycle, once per figure."""
    days = getattr(settings, "COMMITMENTS_REMINDER_DAYS_BEFORE", (30, 7))
    return tuple(sorted({int(d) for d in days if int(d) >= 0}, reverse=True))


def last_reminder_days() -> int:
    """The last reminder goes out when this many days (or fewer) of the grace period are left."""
    return int(getattr(settings, "COMMITMENTS_LAST_REMINDER_DAYS", 7))


def reminder_batch_size() -> int:
    return int(getattr(settings, "COMMITMENTS_REMINDER_BATCH_SIZE", 500))
