"""The secretariat's controls on the incident page: tier, TLP level, commander and
named individuals. Each view is authorised before it runs (base.incident_page, for writing),
calls one service and goes back to the controls panel with what happened."""

from django.contrib import messages
from django.utils.translation import gettext as _

from portal.models import Organization, User
from portal.selectors import active_user_by_email

from .. import services
from .base import INCIDENT, incident_action
from .room import CONTROLS, back_to_panel, int_or_none, run_in_room


@incident_action(access=INCIDENT, write=True)
def change_tier(request, incident):
    tier = int_or_none(request.POST.get("tier"))
    return run_in_room(
        request,
        incident,
        lambda: services.change_tier(actor=request.user, incident=incident, tier=tier),
        done=_("The tier is now %(tier)s.") % {"tier": tier},
        panel=CONTROLS,
    )


@incident_action(access=INCIDENT, write=True)
def change_tlp(request, incident):
    tlp = request.POST.get("tlp", "")
    return run_in_room(
        request,
        incident,
        lambda: services.change_tlp(actor=request.user, incident=incident, tlp=tlp),
        done=_("The TLP level has changed."),
        panel=CONTROLS,
    )


@incident_action(access=INCIDENT, write=True)
def set_commander(request, incident):
    commander = active_user_by_email(request.POST.get("email"))
    if commander is None:
        messages.error(request, _("No active user has that email address."))
        return back_to_panel(request, incident.pk, CONTROLS)
    return run_in_room(
        request,
        incident,
        lambda: services.set_commander(actor=request.user, incident=incident, commander=commander),
        done=_("%(name)s is now the incident commander.") % {"name": commander.display_name},
        panel=CONTROLS,
    )


@incident_action(access=INCIDENT, write=True)
def add_recipient(request, incident):
    user = active_user_by_email(request.POST.get("email"))
    if user is None:
        messages.error(request, _("No active user has that email address."))
        return back_to_panel(request, incident.pk, CONTROLS)
    return run_in_room(
        request,
        incident,
        lambda: services.add_recipient(actor=request.user, incident=incident, user=user),
        done=_("%(name)s is a named recipient.") % {"name": user.display_name},
        panel=CONTROLS,
    )


@incident_action(access=INCIDENT, write=True)
def remove_recipient(request, incident, user_id):
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        messages.error(request, _("No such user."))
        return back_to_panel(request, incident.pk, CONTROLS)
    return run_in_room(
        request,
        incident,
        lambda: services.remove_recipient(actor=request.user, incident=incident, user=user),
        done=_("%(name)s is no longer a named recipient.") % {"name": user.display_name},
        panel=CONTROLS,
    )


@incident_action(access=INCIDENT, write=True)
def invite_organization(request, incident):
    organization = Organization.objects.filter(pk=int_or_none(request.POST.get("organization"))).first()
    if organization is None:
        messages.error(request, _("Choose an organisation to invite."))
        return back_to_panel(request, incident.pk, CONTROLS)
    return run_in_room(
        request,
        incident,
        lambda: services.invite_organization(actor=request.user, incident=incident, organization=organization),
        done=_("%(org)s is invited; its people are being alerted.") % {"org": organization.name},
        panel=CONTROLS,
    )
