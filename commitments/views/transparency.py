"""Transparency reports in the site: an organisation's page charting its published
metrics over periods, and the reporter's draft form."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.permissions import access_organization_by_slug

from .. import permissions, selectors, services
from ..charts import line_chart
from ..forms import TransparencyPeriodForm
from ..metrics import metrics_for
from ..models import PeriodKind, ReportState
from .common import add_errors


def transparency_page(request, slug):
    organization = access_organization_by_slug(request.user, slug)
    reports = list(selectors.list_transparency_reports_for(request.user, organization_id=organization.pk))
    published = [r for r in reports if r.state == ReportState.PUBLISHED]
    kinds_present = [k for k in PeriodKind.values if any(r.period_kind == k for r in published)]
    period_kind = request.GET.get("period", "")
    if period_kind not in kinds_present:
        period_kind = kinds_present[0] if kinds_present else ""
    shown = [r for r in published if r.period_kind == period_kind]
    charts = [
        {
            "metric": metric,
            "chart": line_chart(
                [(r.period_label, r.metrics.get(metric.key)) for r in shown],
                max_value=100 if metric.is_share else None,
            ),
            "values": [(r.period_label, r.metrics.get(metric.key)) for r in shown],
        }
        for metric in metrics_for(organization.kind)
    ]
    return render(
        request,
        "commitments/transparency.html",
        {
            "organization": organization,
            "charts": charts,
            "period_kind": period_kind,
            "period_choices": [(k, PeriodKind(k).label) for k in kinds_present],
            "drafts": [r for r in reports if r.state == ReportState.DRAFT],
            "published": published,
            "metrics": metrics_for(organization.kind),
            "can_report": permissions.can_report_for(request.user, organization)
            and bool(metrics_for(organization.kind)),
        },
    )


def metrics_form_class(kind: str):
    """A form with one optional number field per metric defined for the kind."""
    fields = {}
    for metric in metrics_for(kind):
        if metric.is_share:
            fields[metric.key] = forms.FloatField(label=metric.label, required=False)
        else:
            fields[metric.key] = forms.IntegerField(label=metric.label, required=False)
    return type("MetricsForm", (forms.Form,), fields)


@login_required
def new_report(request, slug):
    organization = access_organization_by_slug(request.user, slug)
    if not permissions.can_report_for(request.user, organization):
        raise PermissionDenied(_("Only this organisation's reporters and admins can write its transparency reports."))
    period_form = TransparencyPeriodForm(request.POST or None)
    metrics_form = metrics_form_class(organization.kind)(request.POST or None)
    if request.method == "POST" and period_form.is_valid() and metrics_form.is_valid():
        try:
            report = services.create_transparency_report(
                actor=request.user, organization=organization, metrics=metrics_form.cleaned_data,
                **period_form.cleaned_data,
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(period_form if _names_period(exc) else metrics_form, exc)
        else:
            messages.success(request, _("The draft report was saved. Publish it when every figure is in."))
            return redirect("commitments:edit_report", pk=report.pk)
    return render(
        request,
        "commitments/report_form.html",
        {"organization": organization, "period_form": period_form, "metrics_form": metrics_form, "report": None},
    )


@login_required
def edit_report(request, pk):
    report = permissions.access_transparency_report(request.user, pk, for_write=True)
    if report.state != ReportState.DRAFT:
        raise PermissionDenied(_("A published report cannot be changed."))
    metrics_form = metrics_form_class(report.organization.kind)(request.POST or None, initial=report.metrics)
    if request.method == "POST" and metrics_form.is_valid():
        try:
            report = services.update_transparency_report(
                actor=request.user, report=report, metrics=metrics_form.cleaned_data
            )
            if "publish" in request.POST:
                services.publish_transparency_report(actor=request.user, report=report)
        except ValidationError as exc:
            add_errors(metrics_form, exc)
        else:
            if "publish" in request.POST:
                messages.success(request, _("The report is published."))
                return redirect("commitments:transparency", slug=report.organization.slug)
            messages.success(request, _("The draft report was saved."))
            return redirect("commitments:edit_report", pk=report.pk)
    return render(
        request,
        "commitments/report_form.html",
        {"organization": report.organization, "metrics_form": metrics_form, "report": report, "period_form": None},
    )


def _names_period(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and bool(set(exc.error_dict) & {"period_kind", "year", "number"})
