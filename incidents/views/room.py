"""Incident pages: the list and an incident with its live room. Forms post to small
views that authorise, call one service and redirect back; the room itself talks
to the websocket and the items API from static/incidents/room.js."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.models import Organization
from portal.permissions import can_enter_crisis_areas

from .. import alerts, selectors, services
from ..models import ActionItem, Indicator, IndicatorKind, PlatformStatus, Status, Tier, Tlp
from ..permissions import (
    access_incident,
    access_room,
    can_enter_room,
    can_manage_incident,
    is_in_audience,
    platforms_reportable_by,
    requesting_organizations,
)
from .guards import two_factor_setup_on_refusal


def incident_list(request):
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": selectors.list_incidents_for(request.user)[:200],
            "statistics": selectors.incident_statistics(request.user),
            "pending_requests": selectors.pending_activation_count(request.user)
            if request.user.is_authenticated
            else 0,
            "can_declare": can_manage_incident(request.user),
            "may_request": request.user.is_authenticated and requesting_organizations(request.user).exists(),
        },
    )


def incident_detail(request, incident_id):
    incident = access_incident(request.user, incident_id)
    incident = selectors.list_incidents_for(request.user).select_related("commander").get(pk=incident.pk)
    in_audience = is_in_audience(request.user, incident)
    may_enter = in_audience and can_enter_room(request.user, incident)
    context = {
        "incident": incident,
        "in_audience": in_audience,
        "may_enter": may_enter,
        "needs_two_factor": in_audience and not can_enter_crisis_areas(request.user),
        "can_manage": can_manage_incident(request.user),
    }
    if may_enter:
        context.update(
            status_changes=incident.status_changes.select_related("actor"),
            invited=incident.invitations.all(),
            indicators=selectors.incident_indicators(incident),
            actions=selectors.incident_actions(incident),
            next_statuses=[(s, Status(s).label) for s in services.TRANSITIONS[incident.status]],
            indicator_kinds=IndicatorKind.choices,
            platform_statuses=PlatformStatus.choices,
            my_platforms=list(platforms_reportable_by(request.user)),
            assignable=incident.invited_organizations.order_by("name"),
            room_strings=_room_strings(),
            tiers=Tier.choices,
            tlps=Tlp.choices,
            changes=selectors.incident_changes(incident),
            recipients=incident.named_recipients.select_related("user").order_by("user__email"),
            debrief=selectors.debrief_of(incident),
            acknowledgement_board=alerts.acknowledgement_board(incident),
        )
    return render(request, "incidents/detail.html", context)


def _room_strings() -> dict:
    # Read by room.js; every string it shows comes from here so it is translated.
    return {
        "live": _("Live."),
        "resumed": _("Reconnected: caught up from message %(seq)s."),
        "reconnecting": _("Connection lost. Reconnecting in %(s)s s; nothing will be missed."),
        "offline": _(
            "Connection lost: you are offline. The room reconnects when the network is back; nothing will be missed."
        ),
        "closed_4401": _("Your session has ended. Sign in again to use the room."),
        "closed_4403": _("You may no longer enter this room."),
        "closed_4404": _("This incident is no longer available to you."),
        "pending": _("sending…"),
        "system": _("System"),
        "load_failed": _("Could not load the history. Retrying…"),
        "new_item": _("New in the room from %(who)s: %(body)s"),
        "no_indicators": _("No indicators yet."),
        "no_actions": _("No actions yet."),
        "done": _("Done"),
        "open": _("Open"),
        "platform_statuses": dict(PlatformStatus.choices),
        "statuses": dict(Status.choices),
        "tier": _("Tier %(tier)s"),
        "tlps": dict(Tlp.choices),
        "indicator_kinds": dict(IndicatorKind.choices),
        "room_closed": _("This incident is closed; its room no longer takes new messages."),
    }


def _back(incident_id):
    return redirect(reverse("incidents:detail", args=[incident_id]))


def _run(request, incident_id, write):
    """Runs one service call, turning its refusals into messages on the page."""
    try:
        write()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You may not do that."))
    return _back(incident_id)


@login_required
@require_POST
@two_factor_setup_on_refusal
def change_status(request, incident_id):
    incident = access_incident(request.user, incident_id, for_write=True)
    status = request.POST.get("status", "")
    return _run(
        request,
        incident_id,
        lambda: services.change_status(actor=request.user, incident=incident, status=status),
    )


@login_required
@require_POST
def add_indicator(request, incident_id):
    incident = access_room(request.user, incident_id)
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
    return _run(
        request,
        incident_id,
        lambda: services.add_indicator(actor=request.user, incident=incident, kind=kind, value=value),
    )


@login_required
@require_POST
def set_platform_status(request, incident_id, indicator_id):
    incident = access_room(request.user, incident_id)
    indicator = get_object_or_404(Indicator, pk=indicator_id, incident=incident)
    organization = Organization.objects.filter(pk=_int(request.POST.get("organization"))).first()
    if organization is None:
        messages.error(request, _("Choose your platform."))
        return _back(incident_id)
    status = request.POST.get("status", "")
    return _run(
        request,
        incident_id,
        lambda: services.set_platform_status(
            actor=request.user, indicator=indicator, organization=organization, status=status
        ),
    )


@login_required
@require_POST
def create_action(request, incident_id):
    incident = access_room(request.user, incident_id)
    organization = Organization.objects.filter(pk=_int(request.POST.get("organization"))).first()
    if organization is None:
        messages.error(request, _("Choose an organisation."))
        return _back(incident_id)
    title = request.POST.get("title", "")
    return _run(
        request,
        incident_id,
        lambda: services.create_action(actor=request.user, incident=incident, title=title, organization=organization),
    )


@login_required
@require_POST
def complete_action(request, incident_id, action_id):
    incident = access_room(request.user, incident_id)
    action = get_object_or_404(ActionItem, pk=action_id, incident=incident)
    return _run(request, incident_id, lambda: services.complete_action(actor=request.user, action=action))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
