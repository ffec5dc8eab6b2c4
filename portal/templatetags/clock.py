"""Times as the portal shows them (#12 "one clock"): to the second and naming their zone."""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format

register = template.Library()


@register.filter
def clock(value):
    """In the page's zone (portal.time_zones): date, time to the second, and the zone's name."""
    if not isinstance(value, datetime.datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_format(local, 'SHORT_DATE_FORMAT')} {time_format(local, 'H:i:s')} {local.tzname() or ''}".strip()


@register.filter
def utc_clock(value):
    """In UTC with its offset, ISO 8601 (the after-action report: one clock for every reader)."""
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        return ""
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds")
