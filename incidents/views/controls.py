"""The secretariat's controls on the incident page: tier, TLP level, commander and
named individuals. Each view authorises (access_incident for_write), calls one
service and goes back to the controls panel with what happened."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.decorators import two_factor_setup_on_refusal
from portal.models import User

from .. import services
from ..caching import no_store
from ..permissions import access_incident
from .room import CONTROLS, _back_to, _int


def _apply(request, incident_id, write, done: str):
    try:
        changed = write()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You may not do that."))
    else:
        if changed:
            messages.success(request, done)
        else:
            messages.info(request, _("Nothing changed."))
    return _back_to(request, incident_id, CONTROLS)


def _user_by_email(email) -> User | None:
    email = str(email or "").strip()
    return User.objects.filter(email__iexact=email, is_active=True).first() if email else None


@no_store
@login_required
@require_POST
@two_factor_setup_on_refusal
def change_tier(request, incident_id):
    incident = access_incident(request.user, incident_id, for_write=True)
    tier = _int(request.POST.get("tier"))
    return _apply(
        request,
        incident_id,
        lambda: services.change_tier(actor=request.user, incident=incident, tier=tier),
        _("The tier is now %(tier)s.") % {"tier": tier},
    )


@no_store
@login_required
@require_POST
@two_factor_setup_on_refusal
def change_tlp(request, incident_id):
    incident = access_incident(request.user, incident_id, for_write=True)
    tlp = request.POST.get("tlp", "")
    return _apply(
        request,
        incident_id,
        lambda: services.change_tlp(actor=request.user, incident=incident, tlp=tlp),
        _("The TLP level has changed."),
    )


@no_store
@login_required
@require_POST
@two_factor_setup_on_refusal
def set_commander(request, incident_id):
    incident = access_incident(request.user, incident_id, for_write=True)
    commander = _user_by_email(request.POST.get("email"))
    if commander is None:
        messages.error(request, _("No active user has that email address."))
        return _back_to(request, incident_id, CONTROLS)
    return _apply(
        request,
        incident_id,
        lambda: services.set_commander(actor=request.user, incident=incident, commander=commander),
        _("%(name)s is now the incident commander.") % {"name": commander.display_name},
    )


@no_store
@login_required
@require_POST
@two_factor_setup_on_refusal
def add_recipient(request, incident_id):
    incident = access_incident(request.user, incident_id, for_write=True)
    user = _user_by_email(request.POST.get("email"))
    if user is None:
        messages.error(request, _("No active user has that email address."))
        return _back_to(request, incident_id, CONTROLS)
    return _apply(
        request,
        incident_id,
        lambda: services.add_recipient(actor=request.user, incident=incident, user=user),
        _("%(name)s is a named recipient.") % {"name": user.display_name},
    )


@no_store
@login_required
@require_POST
@two_factor_setup_on_refusal
def remove_recipient(request, incident_id, user_id):
    incident = access_incident(request.user, incident_id, for_write=True)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        messages.error(request, _("No such user."))
        return _back_to(request, incident_id, CONTROLS)
    return _apply(
        request,
        incident_id,
        lambda: services.remove_recipient(actor=request.user, incident=incident, user=user),
        _("%(name)s is no longer a named recipient.") % {"name": user.display_name},
    )
