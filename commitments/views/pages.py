"""The public commitments pages and the reporter's forms: adapters over the same
selectors the API uses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal import page_cache
from portal import selectors as portal_selectors
from portal.forms import country_options
from portal.models import OrganizationKind
from portal.permissions import access_organization_by_slug, is_secretariat, roles_in

from .. import permissions, selectors, services
from ..cache import PAGE_VERSIONS, SCORECARD_VERSIONS
from ..charts import line_chart, stacked_segments
from ..forms import AnnotationForm, ProgressForm
from ..models import ProgressStatus, ReviewState
from .common import add_errors


def directory_filters(request) -> tuple[str, str]:
    kind = request.GET.get("kind", "")
    kind = kind if kind in OrganizationKind.values else ""
    country = request.GET.get("country", "").strip()[:2]
    country = country.upper() if country.isalpha() else ""
    return kind, country


def dashboard(request):
    """Rendered once per language, filters, audience, day and version of the figures, the
    supporters and the catalogue (portal.page_cache); the page around it is personal."""
    kind, country = directory_filters(request)
    body = page_cache.cached_fragment(
        "dashboard",
        audience=selectors.viewer_for(request.user).audience,
        parts=(kind, country, timezone.localdate().isoformat()),
        version_names=PAGE_VERSIONS,
        render=lambda: _dashboard_body(request.user, kind=kind, country=country),
    )
    return render(request, "commitments/dashboard.html", {"body": body})


def _dashboard_body(user, *, kind: str, country: str) -> str:
    rows = selectors.commitment_dashboard(user, kind=kind, country=country)
    for row in rows:
        row["segments"] = stacked_segments(row["counts"])
    series = selectors.community_progress_series(user, kind=kind, country=country)
    chart = line_chart(
        [(date_format(point["date"], "DATE_FORMAT"), point["average"]) for point in series],
        max_value=100,
        short_labels=[date_format(point["date"], "M Y") for point in series],
    )
    return render_to_string(
        "commitments/_dashboard_body.html",
        {"rows": rows, "kinds": OrganizationKind.choices, "kind": kind, "country": country,
         "countries": country_options(portal_selectors.directory_countries()),
         "statuses": ProgressStatus.choices, "series": series, "chart": chart,
         "not_reporting": selectors.not_reporting_supporters(kind=kind, country=country),
         "reporting_since": selectors.not_reporting_cutoff_for(), "is_secretariat": is_secretariat(user)},
    )  # fmt: skip


def commitment_detail(request, pk):
    commitment = permissions.access_commitment(request.user, pk)
    page = selectors.commitment_page(request.user, commitment)
    return render(
        request,
        "commitments/commitment_detail.html",
        {"commitment": commitment, "rows": page.rows, "segments": stacked_segments(page.status_counts),
         "can_annotate": permissions.can_annotate(request.user),
         "reporting_since": selectors.not_reporting_cutoff_for()},
    )  # fmt: skip


def scorecard(request, slug):
    """The timelines rendered once per language, audience (members see their drafts), role
    in the organisation, day and versions of the data (portal.page_cache)."""
    organization = access_organization_by_slug(request.user, slug)
    user = request.user
    can_annotate = permissions.can_annotate(user)
    body = page_cache.cached_fragment(
        "scorecard",
        audience=selectors.viewer_for(user).audience,
        parts=(
            organization.pk,
            ",".join(roles_in(user, organization) or ("-",)),
            can_annotate,
            timezone.localdate().isoformat(),
        ),
        version_names=SCORECARD_VERSIONS,
        render=lambda: _scorecard_body(user, organization, can_annotate=can_annotate),
    )
    return render(request, "commitments/scorecard.html", {"organization": organization, "body": body})


def _scorecard_body(user, organization, *, can_annotate: bool) -> str:
    page = selectors.scorecard_page(user, organization)
    return render_to_string(
        "commitments/_scorecard_body.html",
        {
            "organization": organization,
            "rows": page.rows,
            "can_report": permissions.can_report_for(user, organization),
            "is_member": roles_in(user, organization) is not None,
            "is_secretariat": is_secretariat(user),
            "can_annotate": can_annotate,
            "missed_count": page.missed_count,
            "reporting_since": selectors.not_reporting_cutoff_for(),
        },
    )


@login_required
def report_progress(request, pk):
    implementation = permissions.access_implementation(request.user, pk, for_write=True)
    form = ProgressForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_progress(actor=request.user, implementation=implementation, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your update was recorded and awaits review by the secretariat."))
            return redirect("commitments:scorecard", slug=implementation.organization.slug)
    return render(request, "commitments/report.html", {"implementation": implementation, "form": form})


@login_required
def edit_update(request, pk):
    """The reporter's page for an update awaiting review or sent back: the secretariat's
    comment, then the form; saving sends it back for review."""
    update = permissions.access_progress_update(request.user, pk, for_write=True)
    if update.review_state not in (ReviewState.SUBMITTED, ReviewState.RETURNED):
        raise PermissionDenied(_("Only an update awaiting review or sent back can be edited."))
    form = ProgressForm(request.POST or None, request.FILES or None, initial=ProgressForm.initial_from(update))
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_progress(actor=request.user, update=update, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your update was changed and awaits review again."))
            return redirect("commitments:scorecard", slug=update.implementation.organization.slug)
    return render(request, "commitments/edit_update.html", {"update": update, "form": form})


@login_required
def annotate(request, pk):
    update = permissions.access_progress_update(request.user, pk)
    if not permissions.can_annotate(request.user):
        raise PermissionDenied(_("Only members of a civil-society supporter or endorser can annotate progress."))
    form = AnnotationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.annotate_progress(actor=request.user, update=update, body=form.cleaned_data["body"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your annotation is published beside the report."))
            return redirect("commitments:scorecard", slug=update.implementation.organization.slug)
    return render(request, "commitments/annotate.html", {"update": update, "form": form})
