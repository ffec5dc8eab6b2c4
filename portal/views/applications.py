"""Applying for an organisation, one's own organisations and applications, and the review queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..decorators import reviewer_required, secretariat_required, secretariat_two_factor
from ..forms import ApplyForm, ApproveForm, RejectForm, StandingForm, add_service_errors
from ..models import Role, Standing
from ..roles import holds
from .common import paginate, safe_next
from .outcomes import run_service


@login_required
def apply(request):
    form = ApplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.apply_for_organization(applicant=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:  # unverified address: the service says so
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Thank you. Your application for %(name)s is with the secretariat.")
                % {"name": application.organization.name},
            )
            return redirect("portal:my_organizations")
    return render(request, "portal/apply.html", {"form": form, "verified": permissions.can_apply(request.user)})


@login_required
def my_organizations(request):
    memberships = selectors.list_memberships_of(request.user)
    return render(
        request,
        "portal/my_organizations.html",
        {
            "memberships": memberships,
            "applications": selectors.list_applications_of(request.user),
            "is_admin_somewhere": any(holds(m, Role.ADMIN) for m in memberships),
        },
    )


def _render_queue(request, *, standing_form=None, status=200):
    user = request.user
    secretariat = permissions.is_secretariat(user)
    if secretariat and standing_form is None:
        standing_form = StandingForm(organizations=_organization_choices(user))
    return render(
        request,
        "portal/review_queue.html",
        {
            "page": paginate(request, selectors.list_pending_applications_for(user)),
            "standing_form": standing_form,
            "reject_form": RejectForm(),
            "secretariat": secretariat,
        },
        status=status,
    )


def _organization_choices(user):
    return selectors.list_organizations_for(user).order_by("name").values_list("pk", "name")


@reviewer_required
def review_queue(request):
    return _render_queue(request)


def _application_for_decision(request, application_id):
    try:
        return permissions.access_application(request.user, application_id)
    except PermissionDenied:
        raise PermissionDenied(
            _("You cannot decide this application: it is your own, or it has already been decided.")
        ) from None


@login_required
@secretariat_two_factor
@require_POST
def approve_application(request, application_id):
    application = _application_for_decision(request, application_id)
    form = ApproveForm(request.POST)
    standing = (form.is_valid() and form.cleaned_data["standing"]) or Standing.SUPPORTER
    run_service(
        request,
        lambda: services.approve_application(actor=request.user, application=application, standing=standing),
        done=_("Approved: %(applicant)s for %(organization)s.")
        % {"applicant": application.applicant.email, "organization": application.organization.name},
    )
    return redirect(safe_next(request, reverse("portal:review_queue")))


@login_required
@secretariat_two_factor
@require_POST
def reject_application(request, application_id):
    application = _application_for_decision(request, application_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason; the applicant will read it."))
        return redirect(safe_next(request, reverse("portal:review_queue")))
    reason = form.cleaned_data["reason"]
    run_service(
        request,
        lambda: services.reject_application(actor=request.user, application=application, reason=reason),
        done=_("Rejected: %(applicant)s for %(organization)s.")
        % {"applicant": application.applicant.email, "organization": application.organization.name},
    )
    return redirect(safe_next(request, reverse("portal:review_queue")))


@secretariat_required
@require_POST
def change_standing(request):
    form = StandingForm(request.POST, organizations=_organization_choices(request.user))
    if form.is_valid():
        data = form.cleaned_data
        organization = permissions.access_organization(request.user, data["organization"], for_write=True)
        try:
            services.change_standing(
                actor=request.user, organization=organization, standing=data["standing"], reason=data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(organization)s is now: %(standing)s.")
                % {"organization": organization.name, "standing": organization.get_standing_display()},
            )
            return redirect("portal:review_queue")
    return _render_queue(request, standing_form=form)
