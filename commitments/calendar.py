"""The reporting calendar in a user's calendar feed (portal.calendar): for each organisation
the user belongs to that has implementations, the end of the previous, current and next
reporting cycles (commitments.conf.cycle_end) and of each one's grace period (grace_end), as
all-day events. Public facts about the cycle; one query whatever the number of organisations."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.calendar.registry import CalendarEntry, register_calendar_source
from portal.models import PARTICIPATING_STANDINGS, Organization
from portal.notifications import conf as site

from . import conf
from .models import Implementation


def _cycles(today: date) -> list[date]:
    """A day in the previous, the current and the next reporting cycle."""
    current = conf.cycle_start(today)
    return [current - timedelta(days=1), current, conf.cycle_end(today) + timedelta(days=1)]


def deadline_entries(user) -> list[CalendarEntry]:
    organizations = (
        Organization.objects.filter(memberships__user=user, standing__in=PARTICIPATING_STANDINGS)
        .filter(Exists(Implementation.objects.filter(organization_id=OuterRef("pk"))))
        .distinct()
        .order_by("name")
    )
    entries = []
    for organization in organizations:
        url = site.site_url() + reverse("commitments:scorecard", args=[organization.slug])
        names = {"org": organization.name}
        for day in _cycles(timezone.now().date()):
            end, grace = conf.cycle_end(day), conf.grace_end(day)
            entries.append(
                CalendarEntry(
                    uid=f"commitments-{organization.pk}-cycle-{end.isoformat()}@callportal",
                    summary=_("Reporting cycle ends: %(org)s") % names,
                    day=end,
                    description=_("Record progress on every commitment of %(org)s before the cycle ends.") % names,
                    url=url,
                    categories=("reporting",),
                )
            )
            entries.append(
                CalendarEntry(
                    uid=f"commitments-{organization.pk}-grace-{grace.isoformat()}@callportal",
                    summary=_("Reporting grace period ends: %(org)s") % names,
                    day=grace,
                    description=_("After this day %(org)s counts as overdue for the cycle that ended on %(date)s.")
                    % {**names, "date": end.isoformat()},
                    url=url,
                    categories=("reporting",),
                )
            )
    return entries


def register_calendar() -> None:
    register_calendar_source("commitments.deadlines", deadline_entries)
