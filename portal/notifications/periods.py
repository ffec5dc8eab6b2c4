"""Digest periods. A digest is due once per calendar period of its frequency (UTC): the
period's key is part of the delivery key, so the period can be sent only once."""

import datetime

from .models import DigestFrequency

LENGTH = {
    DigestFrequency.DAILY: datetime.timedelta(days=1),
    DigestFrequency.WEEKLY: datetime.timedelta(days=7),
    DigestFrequency.MONTHLY: datetime.timedelta(days=31),
}


def period_key(frequency: str, moment: datetime.datetime) -> str:
    day = moment.astimezone(datetime.UTC).date()
    if frequency == DigestFrequency.DAILY:
        return day.isoformat()  # 2026-11-28
    if frequency == DigestFrequency.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"  # 2026-W48
    if frequency == DigestFrequency.MONTHLY:
        return f"{day.year}-{day.month:02d}"  # 2026-11
    raise ValueError(f"no period for frequency {frequency!r}")


def current_keys(moment: datetime.datetime) -> dict[str, str]:
    return {frequency: period_key(frequency, moment) for frequency in LENGTH}


def digest_key(user_id: int, period: str) -> str:
    return f"digest:{user_id}:{period}"


def first_window_start(frequency: str, until: datetime.datetime) -> datetime.datetime:
    """Where a user's first digest starts: one period back."""
    return until - LENGTH.get(frequency, LENGTH[DigestFrequency.WEEKLY])
