"""The secretariat's pages (two-factor required): the review queue, overdue lists, the
catalogue editor and annotation moderation. The organisation's own overdue list is here
too, since it is the same list narrowed to one organisation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.decorators import secretariat_required
from portal.permissions import access_organization_by_slug, roles_in

from .. import permissions, selectors, services
from ..forms import CommitmentTextForm, ModerationForm, ReviewForm
from .common import add_errors

LIST_LIMIT = 500


@secretariat_required
def review_queue(request):
    updates = list(selectors.list_updates_awaiting_review(request.user)[:LIST_LIMIT])
    return render(request, "commitments/secretariat/review_queue.html", {"updates": updates, "form": ReviewForm()})


@secretariat_required
@require_POST
def review_update(request, pk):
    update = permissions.access_progress_update(request.user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_progress(actor=request.user, update=update, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    elif form.cleaned_data["decision"] == "accept":
        messages.success(request, _("The update was accepted."))
    else:
        messages.success(request, _("The update was sent back to the reporter."))
    return redirect("commitments:review_queue")


@secretariat_required
def overdue_all(request):
    implementations = list(selectors.list_overdue_for(request.user)[:LIST_LIMIT])
    total = selectors.list_overdue_for(request.user).count()
    return render(
        request,
        "commitments/overdue.html",
        {
            "implementations": implementations,
            "total": total,
            "organization": None,
            "limit": LIST_LIMIT,
            "reporting_since": selectors.not_reporting_cutoff_for(),
        },
    )


@login_required
def overdue_for_organization(request, slug):
    organization = access_organization_by_slug(request.user, slug)
    if roles_in(request.user, organization) is None and not permissions.is_secretariat(request.user):
        raise Http404  # an organisation's overdue list is its own business
    overdue = selectors.list_overdue_for(request.user, organization_id=organization.pk)
    implementations = list(overdue[:LIST_LIMIT])
    return render(
        request,
        "commitments/overdue.html",
        {"implementations": implementations, "total": len(implementations), "organization": organization,
         "can_report": permissions.can_report_for(request.user, organization),
         "limit": LIST_LIMIT, "reporting_since": selectors.not_reporting_cutoff_for()},
    )  # fmt: skip


@secretariat_required
def catalogue_editor(request):
    commitments = selectors.list_commitments(include_retired=True)
    return render(request, "commitments/secretariat/catalogue.html", {"commitments": commitments})


@secretariat_required
def edit_commitment(request, pk):
    commitment = permissions.access_commitment(request.user, pk, for_write=True)
    form = CommitmentTextForm(request.POST or None, initial=CommitmentTextForm.initial_from(commitment))
    if request.method == "POST" and form.is_valid():
        try:
            revision, _changed = services.edit_commitment(
                actor=request.user,
                commitment=commitment,
                translations=form.translations(),
                source_url=form.cleaned_data["source_url"],
                audience=form.cleaned_data["audience"],
                group=form.cleaned_data["group"],
                order=form.cleaned_data["order"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if revision is not None:
                messages.success(request, _("Saved as revision %(n)d.") % {"n": revision.number})
            else:
                messages.info(request, _("The wording did not change; no new revision."))
            return redirect("commitments:catalogue_editor")
    return render(request, "commitments/secretariat/edit_commitment.html", {"commitment": commitment, "form": form})


@secretariat_required
@require_POST
def retire_or_reinstate(request, pk):
    commitment = permissions.access_commitment(request.user, pk, for_write=True)
    if request.POST.get("action") == "retire":
        services.retire_commitment(actor=request.user, commitment=commitment)
        messages.success(request, _("%(code)s is retired.") % {"code": commitment.code})
    elif request.POST.get("action") == "reinstate":
        services.reinstate_commitment(actor=request.user, commitment=commitment)
        messages.success(request, _("%(code)s is reinstated.") % {"code": commitment.code})
    else:
        messages.error(request, _("Choose retire or reinstate."))
    return redirect("commitments:catalogue_editor")


@secretariat_required
def annotation_moderation(request):
    hidden = request.GET.get("hidden") == "1"
    annotations = list(selectors.list_annotations_for(request.user, hidden=hidden).order_by("-created_at")[:LIST_LIMIT])
    return render(
        request,
        "commitments/secretariat/annotations.html",
        {"annotations": annotations, "hidden": hidden, "form": ModerationForm()},
    )


@secretariat_required
@require_POST
def moderate(request, pk):
    annotation = permissions.access_annotation(request.user, pk, for_write=True)
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            services.moderate_annotation(
                actor=request.user,
                annotation=annotation,
                hidden=form.cleaned_data["action"] == "hide",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("The annotation was moderated."))
    return redirect("commitments:annotation_moderation")
