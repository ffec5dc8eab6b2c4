"""The public directory and each organisation's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, selectors, services
from ..forms import DirectoryFilterForm, JoinForm, messages_of
from ..models import ApplicationStatus, Role
from .charts import kind_bars
from .common import paginate


def directory(request):
    country_codes = selectors.directory_countries()
    form = DirectoryFilterForm(request.GET or None, country_codes=country_codes)
    filters = form.filters() if request.GET else {"q": "", "kind": "", "country": "", "standing": ""}
    page = paginate(request, selectors.list_directory(**filters))
    counts = selectors.directory_counts(country=filters["country"], standing=filters["standing"])
    return render(
        request,
        "portal/directory.html",
        {
            "form": form if request.GET else DirectoryFilterForm(country_codes=country_codes),
            "page": page,
            "bars": kind_bars(counts),
            "total": sum(counts.values()),
            "filters": filters,
        },
    )


def organization_detail(request, slug):
    organization = selectors.get_organization_page(permissions.access_organization_by_slug(request.user, slug))
    user = request.user
    role = permissions.role_in(user, organization)
    can_view_members = permissions.can_view_members(user, organization)
    verified = role is None and permissions.can_apply(user)
    pending_request = (
        user.is_authenticated
        and role is None
        and selectors.list_applications_of(user)
        .filter(organization=organization, status=ApplicationStatus.PENDING)
        .exists()
    )
    return render(
        request,
        "portal/organization_detail.html",
        {
            "organization": organization,
            "standing_changes": organization.standing_changes.all(),
            "members": selectors.list_members(organization) if can_view_members else None,
            "show_emails": permissions.can_see_member_emails(user, organization),
            "role": role,
            "role_label": Role(role).label if role else "",
            "can_manage": permissions.can_manage_members(user, organization),
            "pending_request": pending_request,
            "can_request_to_join": (organization.is_participant and verified and not pending_request),
            "needs_verification": user.is_authenticated and role is None and not verified,
            "join_form": JoinForm(),
        },
    )


@login_required
@require_POST
def organization_join(request, slug):
    organization = permissions.access_organization_by_slug(request.user, slug)
    form = JoinForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("portal:organization_detail", slug=organization.slug)
    try:
        services.request_to_join(applicant=request.user, organization=organization, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        # Both carry a message meant for the applicant: unverified address, already a member, ...
        text = " ".join(messages_of(error)) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text or _("You cannot ask to join this organisation."))
    else:
        messages.success(request, _("Your request to join has been sent to the organisation's admins."))
    return redirect("portal:organization_detail", slug=organization.slug)
