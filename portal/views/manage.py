"""An organisation's management page: details, members, invitations, join
requests and its audit log. For its admins and the secretariat."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import audit_log, permissions, selectors, services
from ..decorators import secretariat_two_factor
from ..forms import ROLE_CHECKBOXES, EditOrganizationForm, InviteForm, RejectForm, RolesForm, add_service_errors
from ..models import Role
from .common import paginate
from .outcomes import run_service


def _manageable(request, slug):
    return permissions.check_manages(request.user, permissions.access_organization_by_slug(request.user, slug))


def _details_form(request, organization, data=None):
    initial = {f: getattr(organization, f) for f in ("name", "kind", "website", "description")}
    initial["country"] = organization.country.code or ""
    return EditOrganizationForm(
        data, initial=initial, can_change_kind=permissions.is_secretariat(request.user), prefix="details"
    )


def _render_manage(request, organization, *, details_form=None, invite_form=None):
    user = request.user
    events = selectors.list_audit_events_for(user, organization=organization)
    audit_page = paginate(request, events, param="audit_page")
    return render(
        request,
        "portal/organization_manage.html",
        {
            "organization": organization,
            "details_form": details_form or _details_form(request, organization),
            "invite_form": invite_form or InviteForm(),
            "members": selectors.list_members(organization),
            "role_checkboxes": ROLE_CHECKBOXES,
            "invitations": selectors.list_open_invitations(organization),
            "join_requests": selectors.list_pending_applications_for(user).filter(organization=organization),
            "reject_form": RejectForm(),
            "audit_page": audit_page,
            "audit_rows": audit_log.rows(audit_page.object_list),
        },
    )


@login_required
@secretariat_two_factor
def organization_manage(request, slug):
    organization = _manageable(request, slug)
    if request.method != "POST":
        return _render_manage(request, organization)
    form = _details_form(request, organization, request.POST)
    if form.is_valid():
        try:
            services.update_organization(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The organisation's details are saved."))
            return redirect("portal:organization_manage", slug=organization.slug)
        organization.refresh_from_db()  # the failed update may have set attributes on the instance
    return _render_manage(request, organization, details_form=form)


@login_required
@secretariat_two_factor
@require_POST
def invite(request, slug):
    organization = _manageable(request, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invite_member(actor=request.user, organization=organization, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("portal:organization_manage", slug=organization.slug)
    return _render_manage(request, organization, invite_form=form)


def _membership(request, slug, membership_id):
    membership = permissions.access_membership(request.user, membership_id, for_write=True)
    if membership.organization.slug != slug:
        raise Http404
    return membership


@login_required
@secretariat_two_factor
@require_POST
def change_roles(request, slug, membership_id):
    membership = _membership(request, slug, membership_id)
    form = RolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
    else:
        roles = form.cleaned_data["roles"]
        labels = ", ".join(str(Role(role).label) for role in roles)
        run_service(
            request,
            lambda: services.change_roles(actor=request.user, membership=membership, roles=roles),
            done=_("%(person)s is now: %(role)s.") % {"person": membership.user.email, "role": labels},
        )
    return redirect("portal:organization_manage", slug=slug)


@login_required
@secretariat_two_factor
@require_POST
def remove_member(request, slug, membership_id):
    membership = _membership(request, slug, membership_id)
    run_service(
        request,
        lambda: services.remove_member(actor=request.user, membership=membership),
        done=_("%(person)s was removed.") % {"person": membership.user.email},
    )
    return redirect("portal:organization_manage", slug=slug)


@login_required
@secretariat_two_factor
@require_POST
def revoke_invitation(request, slug, invitation_id):
    organization = _manageable(request, slug)
    invitation = get_object_or_404(selectors.list_open_invitations(organization), pk=invitation_id)
    invitation.organization = organization
    services.revoke_invitation(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("portal:organization_manage", slug=slug)
