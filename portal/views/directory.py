"""The public directory and each organisation's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import page_cache, permissions, selectors, services
from ..forms import DirectoryFilterForm, JoinForm, messages_of
from ..models import ApplicationStatus, Role
from .charts import kind_bars
from .common import PAGE_SIZE

DIRECTORY_PARAMS = ("q", "kind", "country", "standing", "page")


def directory(request):
    """The list is public: one rendering per language, filters and registry version serves
    everyone (portal.page_cache). A name search is rendered afresh: its keys would never repeat."""
    query = QueryDict(mutable=True)
    for name in DIRECTORY_PARAMS:
        if request.GET.get(name):
            query[name] = request.GET[name]
    if query.get("q") or any(len(value) > 20 for value in query.values()):
        body, has_errors = _directory_body(query)
    else:
        body, has_errors = page_cache.cached_value(
            "directory",
            audience="public",
            parts=sorted(query.items()),
            version_names=(page_cache.REGISTRY,),
            compute=lambda: _directory_body(query),
        )
    return render(request, "portal/directory.html", {"body": mark_safe(body), "has_errors": has_errors})  # noqa: S308


def _directory_body(query: QueryDict) -> tuple[str, bool]:
    """The page's content, from the filters alone (no request: nothing personal can get in)."""
    country_codes = selectors.directory_countries()
    filter_data = {k: v for k, v in query.items() if k != "page"}
    form = DirectoryFilterForm(filter_data or None, country_codes=country_codes)
    filters = form.filters() if filter_data else {"q": "", "kind": "", "country": "", "standing": ""}
    page = Paginator(selectors.list_directory(**filters), PAGE_SIZE).get_page(query.get("page"))
    counts = selectors.directory_counts(country=filters["country"], standing=filters["standing"])
    html = render_to_string(
        "portal/_directory_body.html",
        {
            "form": form if filter_data else DirectoryFilterForm(country_codes=country_codes),
            "page": page,
            "query": query,
            "bars": kind_bars(counts),
            "total": sum(counts.values()),
            "filters": filters,
        },
    )
    return html, bool(filter_data and form.errors)


def organization_detail(request, slug):
    """The organisation's details and standing history are the same for everyone who may see
    it: rendered once per language and registry version; the parts about the viewer are not."""
    organization = permissions.access_organization_by_slug(request.user, slug)
    public_part, history_part = page_cache.cached_value(
        "organization",
        audience="any",
        parts=(organization.pk,),
        version_names=(page_cache.REGISTRY,),
        compute=lambda: _organization_public_parts(organization),
    )
    user = request.user
    roles = permissions.roles_in(user, organization)
    can_view_members = permissions.can_view_members(user, organization)
    verified = roles is None and permissions.can_apply(user)
    pending_request = (
        user.is_authenticated
        and roles is None
        and selectors.list_applications_of(user)
        .filter(organization=organization, status=ApplicationStatus.PENDING)
        .exists()
    )
    return render(
        request,
        "portal/organization_detail.html",
        {
            "organization": organization,
            "public_part": mark_safe(public_part),  # noqa: S308 - our templates, escaped there
            "history_part": mark_safe(history_part),  # noqa: S308
            "members": selectors.list_members(organization) if can_view_members else None,
            "show_emails": permissions.can_see_member_emails(user, organization),
            "role": roles is not None,
            "role_label": ", ".join(str(Role(role).label) for role in roles or ()),
            "can_manage": permissions.can_manage_members(user, organization),
            "can_view_deputies": permissions.can_view_deputies(user, organization),
            "pending_request": pending_request,
            "can_request_to_join": (organization.is_participant and verified and not pending_request),
            "needs_verification": user.is_authenticated and roles is None and not verified,
            "join_form": JoinForm(),
        },
    )


def _organization_public_parts(organization) -> tuple[str, str]:
    organization = selectors.get_organization_page(organization)
    context = {"organization": organization, "standing_changes": organization.standing_changes.all()}
    return (
        render_to_string("portal/_organization_public.html", context),
        render_to_string("portal/_organization_history.html", context),
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
