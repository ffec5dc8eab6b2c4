"""Incident pages: the list and an incident with its live room. Forms post to small
views that are authorised before they run (base.incident_page), call one service and
redirect back to the panel they came from
(a fragment naming the element to focus, with the outcome shown in that panel); the room
itself talks to the websocket and the items API from static/incidents/room.js."""

import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal import two_factor_return
from portal.models import Organization
from portal.permissions import can_enter_crisis_areas
from portal.selectors import active_user_by_email
from portal.views.outcomes import run_service

from .. import selectors, services
from ..caching import no_store
from ..indicator_lines import MAX_BYTES, MAX_LINES
from ..models import ActionItem, Indicator, IndicatorKind, PlatformStatus, Status, Tier, Tlp
from ..permissions import (
    can_enter_room,
    can_manage_incident,
    can_post_in_room,
    is_in_audience,
    requesting_organizations,
)
from .base import INCIDENT, ROOM, incident_action, incident_page


@no_store
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


@no_store
@incident_page(access=INCIDENT)
def incident_detail(request, incident):
    incident = selectors.with_invitations(incident)
    in_audience = is_in_audience(request.user, incident)
    may_enter = in_audience and can_enter_room(request.user, incident)
    can_manage = can_manage_incident(request.user)
    context = {
        "incident": incident,
        "in_audience": in_audience,
        "may_enter": may_enter,
        "needs_two_factor": in_audience and not can_enter_crisis_areas(request.user),
        "two_factor_setup_url": two_factor_return.setup_url(next_path=request.get_full_path()),
        "can_manage": can_manage,
    }
    if may_enter:
        # Overrides the context processor's `messages`: those about a panel are shown in it.
        # A reader (CLEAR or GREEN, not invited) gets no composer and no write controls.
        may_post = can_post_in_room(request.user, incident)
        context["messages"], context["panel_messages"], context["draft"] = _returned(
            request, incident, can_manage, may_post=may_post
        )
        context.update(
            selectors.room_panels(request.user, incident, may_post=may_post),
            may_post=may_post,
            next_statuses=[(s, Status(s).label) for s in services.next_statuses(incident.status)],
            invitable=selectors.invitable_organizations(incident) if can_manage and incident.is_open else [],
            indicator_kinds=IndicatorKind.choices,
            max_lines=number_format(MAX_LINES, force_grouping=True),
            max_mb=MAX_BYTES // (1024 * 1024),
            platform_statuses=PlatformStatus.choices,
            room_strings=_room_strings(),
            tiers=Tier.choices,
            tlps=Tlp.choices,
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
        "list_shared": _("Indicators shared from a list: %(n)s."),
        "reload": _("Reload to see them"),
        "no_actions": _("No actions yet."),
        "done": _("Done"),
        "open": _("Open"),
        "platform_statuses": dict(PlatformStatus.choices),
        "statuses": dict(Status.choices),
        "tier": _("Tier %(tier)s"),
        "tlps": dict(Tlp.choices),
        "indicator_kinds": dict(IndicatorKind.choices),
        "room_closed": _("This incident is closed; its room no longer takes new messages."),
        "acknowledged": _("acknowledged"),
        # The same msgids as the action rows the page renders.
        "due": _("due"),
        "overdue": _("Overdue"),
        # After your own name on your messages: said by a screen reader as well as shown.
        "you": _("(you)"),
        "local_time": _("%(time)s local time (%(zone)s)"),
        # The same msgids as _platform_form.html's, which names the indicator of each form.
        "platform_for": _("Platform for %(indicator)s"),
        "status_for": _("Status on your platform for %(indicator)s"),
        "set_status_for": _("Set the status of %(indicator)s"),
    }


# Where a post returns to: the panel that shows its outcome, and the element focused
# there (the fragment), so a keyboard user goes on from where they acted. The panel is
# kept in the session for the next page of that incident, which shows the pending
# messages in it instead of at the top of the page.
INDICATORS, INDICATOR_FORM = "indicators", "indicator_form"
ACTIONS, ACTION_FORM = "actions", "action_form"
CONTROLS = "controls"
ACKNOWLEDGEMENTS = "acknowledgements"
PANEL_FOCUS = {
    INDICATORS: "indicators-heading",
    INDICATOR_FORM: "indicator-value",
    ACTIONS: "actions-heading",
    ACTION_FORM: "action-title",
    CONTROLS: "controls-heading",
    ACKNOWLEDGEMENTS: "acknowledgements-heading",
}
# The add forms are only there while the incident is open and for those who may post;
# otherwise their panel shows the outcome (an incident closed since the post was made, say).
FORM_PANELS = {INDICATOR_FORM: INDICATORS, ACTION_FORM: ACTIONS}
RETURN_KEY = "incident_room_return"


def _back(incident_id, panel: str | None = None):
    url = reverse("incidents:detail", args=[incident_id])
    return redirect(f"{url}#{PANEL_FOCUS[panel]}" if panel else url)


def back_to_panel(request, incident_id, panel: str, draft: dict | None = None):
    """Goes back to `panel`; `draft` is what was typed in a refused add form, put back in it."""
    kept = {k: str(v)[:2048] for k, v in (draft or {}).items()}
    request.session[RETURN_KEY] = {"incident": int(incident_id), "panel": panel, "draft": kept}
    return _back(incident_id, panel)


def _returned(request, incident, can_manage, *, may_post: bool = True) -> tuple[list, dict, dict]:
    """The messages for the top of the page, those for the panel a post came back to
    ({panel: messages}) and what to put back in its form."""
    back = request.session.pop(RETURN_KEY, None)
    pending = list(messages.get_messages(request))
    if not isinstance(back, dict) or back.get("incident") != incident.pk:
        return pending, {}, {}
    panel = back.get("panel")
    if panel in FORM_PANELS and not (incident.is_open and may_post):
        panel = FORM_PANELS[panel]
    if panel not in PANEL_FOCUS or (panel == CONTROLS and not can_manage):
        return pending, {}, {}
    return [], {panel: pending}, back.get("draft") or {}


def run_in_room(
    request,
    incident,
    call,
    *,
    done: str,
    panel: str,
    unchanged: str | None = None,
    refused_panel: str | None = None,
    draft: dict | None = None,
):
    """Runs one service call (portal.views.outcomes.run_service) and goes back to `panel`
    saying what happened: `done`, or `unchanged` when the call returns False; invalid input
    goes to `refused_panel`, with `draft`, and a refusal to `panel`: the form is not offered
    to those who may not use it."""
    outcome = run_service(request, call, done=done, unchanged=unchanged or _("Nothing changed."))
    if outcome.invalid:
        return back_to_panel(request, incident.pk, refused_panel or panel, draft)
    return back_to_panel(request, incident.pk, panel)


@incident_action(access=INCIDENT, write=True)
def change_status(request, incident):
    status = request.POST.get("status", "")
    note = request.POST.get("note", "").strip()
    label = Status(status).label if status in Status.values else status
    return run_in_room(
        request,
        incident,
        lambda: services.change_status(actor=request.user, incident=incident, status=status, note=note),
        done=_("The status is now %(status)s.") % {"status": label},
        panel=CONTROLS,
    )


@incident_action(access=ROOM)
def add_indicator(request, incident):
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
    return run_in_room(
        request,
        incident,
        lambda: services.add_indicator(actor=request.user, incident=incident, kind=kind, value=value)[1],
        done=_("Indicator shared."),
        unchanged=_("That indicator was already shared; it is listed once."),
        panel=INDICATORS,
        refused_panel=INDICATOR_FORM if incident.is_open else None,
        draft={"kind": kind, "value": value},
    )


@incident_action(access=ROOM)
def set_platform_status(request, incident, indicator_id):
    indicator = get_object_or_404(Indicator, pk=indicator_id, incident=incident)
    organization = Organization.objects.filter(pk=int_or_none(request.POST.get("organization"))).first()
    if organization is None:
        messages.error(request, _("Choose your platform."))
        return back_to_panel(request, incident.pk, INDICATORS)
    status = request.POST.get("status", "")
    label = PlatformStatus(status).label if status in PlatformStatus.values else status
    return run_in_room(
        request,
        incident,
        lambda: services.set_platform_status(
            actor=request.user, indicator=indicator, organization=organization, status=status
        ),
        done=_("%(platform)s: %(indicator)s is now marked %(status)s.")
        % {"platform": organization.name, "indicator": indicator.defanged, "status": label},
        panel=INDICATORS,
    )


@incident_action(access=ROOM)
def create_action(request, incident):
    organization = Organization.objects.filter(pk=int_or_none(request.POST.get("organization"))).first()
    title = request.POST.get("title", "")
    draft = {
        "title": title,
        "organization": organization.pk if organization else None,
        "owner": request.POST.get("owner", "").strip(),
    }
    refused = ACTION_FORM if incident.is_open else ACTIONS
    if organization is None:
        messages.error(request, _("Choose an organisation."))
        return back_to_panel(request, incident.pk, refused, {"title": title})
    due_at, owner, problem = _due_and_owner(request.POST)
    if problem:
        messages.error(request, problem)
        return back_to_panel(request, incident.pk, refused, draft)
    return run_in_room(
        request,
        incident,
        lambda: services.create_action(
            actor=request.user, incident=incident, title=title, organization=organization, due_at=due_at, owner=owner
        ),
        done=_("Action assigned to %(organization)s.") % {"organization": organization.name},
        panel=ACTIONS,
        refused_panel=ACTION_FORM if incident.is_open else None,
        draft=draft,
    )


def _due_and_owner(data):
    """The form's optional due time (in the person's zone, as the field says: portal.time_zones)
    and owner (an email address, from the menu of the organisations' people)."""
    due_at = owner = None
    if raw := data.get("due_at", "").strip():
        try:
            due_at = datetime.datetime.fromisoformat(raw)
        except ValueError:
            return None, None, _("Enter the due time as a date and a time.")
        if timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at, timezone.get_current_timezone())
    if email := data.get("owner", "").strip():
        owner = active_user_by_email(email)
        if owner is None:
            return None, None, _("No active user has that email address.")
    return due_at, owner, None


@incident_action(access=ROOM)
def complete_action(request, incident, action_id):
    action = get_object_or_404(ActionItem, pk=action_id, incident=incident)
    return run_in_room(
        request,
        incident,
        lambda: services.complete_action(actor=request.user, action=action),
        done=_("Action done: %(title)s") % {"title": action.title},
        panel=ACTIONS,
    )


@incident_action(access=ROOM)
def acknowledge_in_room(request, incident):
    """The room's "Acknowledge for <organisation>": the email link's service, for a signed-in responder."""
    organization = Organization.objects.filter(pk=int_or_none(request.POST.get("organization"))).first()
    if organization is None:
        messages.error(request, _("Choose an organisation."))
        return back_to_panel(request, incident.pk, ACKNOWLEDGEMENTS)
    names = {"org": organization.name}
    return run_in_room(
        request,
        incident,
        lambda: services.acknowledge_in_room(incident=incident, organization=organization, user=request.user),
        done=_("%(org)s has acknowledged the alert.") % names,
        unchanged=_("%(org)s had already acknowledged the alert.") % names,
        panel=ACKNOWLEDGEMENTS,
    )


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
