"""Open incident actions in a user's calendar feed (portal.calendar): the open actions assigned
to the user's organisations, in open incidents whose room the user belongs to (room_incidents_q,
the access rule). An action with a due time is an event at that time; one without is an
all-day reminder on the day it was created (UTC). A calendar lives on someone else's server: at AMBER+STRICT and RED the
action's title is withheld, as webhooks withhold content. One query."""

from datetime import UTC

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.calendar.registry import CalendarEntry, register_calendar_source
from portal.models import PARTICIPATING_STANDINGS, Membership
from portal.notifications import conf as site

from .models import ActionItem, ActionStatus, Incident, Status
from .permissions import room_incidents_q, shares_content


def action_entries(user) -> list[CalendarEntry]:
    organizations = Membership.objects.filter(user=user, organization__standing__in=PARTICIPATING_STANDINGS)
    rooms = Incident.objects.filter(room_incidents_q(user)).exclude(status=Status.CLOSED)
    actions = (
        ActionItem.objects.filter(
            status=ActionStatus.OPEN,
            assigned_organization__in=organizations.values("organization_id"),
            incident__in=rooms.values("pk"),
        )
        .select_related("incident", "assigned_organization")
        .order_by("created_at", "pk")
    )
    entries = []
    for action in actions:
        incident = action.incident
        names = {"number": incident.pk, "org": action.assigned_organization.name}
        if shares_content(incident):
            summary = _("Action for %(org)s: %(title)s") % {**names, "title": action.title}
            description = _("Incident #%(number)s: %(title)s") % {"number": incident.pk, "title": incident.title}
        else:
            summary = _("Open action for %(org)s on incident #%(number)s") % names
            description = ""
        entries.append(
            CalendarEntry(
                uid=f"incidents-action-{action.pk}@callportal",
                summary=summary,
                day=(action.due_at or action.created_at).astimezone(UTC).date(),
                at=action.due_at,
                description=description,
                url=site.site_url() + reverse("incidents:detail", args=[incident.pk]),
                categories=("incident",),
            )
        )
    return entries


def register_calendar() -> None:
    register_calendar_source("incidents.actions", action_entries)
