"""Transparency reports: a draft per organisation and period, edited until published;
published reports are public and never change."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Organization
from portal.services import record_audit

from .. import permissions, webhooks
from ..metrics import metrics_for
from ..models import PERIODS_PER_YEAR, PeriodKind, ReportState, TransparencyReport, period_bounds

FIRST_YEAR = 2000
MAX_COUNT = 10**12


def _require_reporter(actor, organization_id: int) -> None:
    if not permissions.can_report_for(actor, organization_id):
        raise PermissionDenied(_("Only this organisation's reporters and admins can write its transparency reports."))


def _clean_period(*, period_kind, year, number) -> dict:
    errors = {}
    today = timezone.localdate()
    if period_kind not in PeriodKind.values:
        errors["period_kind"] = _("Choose quarter, half-year or year.")
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        errors["year"] = _("Enter a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": today.year}
    if isinstance(number, bool) or not isinstance(number, int):
        errors["number"] = _("Enter the number of the period within the year.")
    elif period_kind in PeriodKind.values and not 1 <= number <= PERIODS_PER_YEAR[period_kind]:
        errors["number"] = _("A year has %(n)d periods of this kind.") % {"n": PERIODS_PER_YEAR[period_kind]}
    if errors:
        raise ValidationError(errors)
    start, end = period_bounds(period_kind, year, number)
    if start > today:
        raise ValidationError({"number": _("This period has not started yet.")})
    return {"period_kind": period_kind, "year": year, "number": number, "period_start": start, "period_end": end}


def clean_metrics(kind: str, metrics, *, complete: bool = False) -> dict:
    """Values by key for the organisation's kind: counts are whole numbers of at least 0,
    shares 0 to 100, totals consistent (e.g. reinstatements never exceed appeals). Missing
    values are null in a draft; `complete` (publishing) requires every one."""
    definitions = metrics_for(kind)
    if not definitions:
        raise ValidationError(_("No transparency metrics are defined for this kind of organisation."))
    if not isinstance(metrics, dict):
        raise ValidationError({"metrics": _("Give the metrics as an object of name and number.")})
    known = {metric.key for metric in definitions}
    unknown = sorted(set(map(str, metrics)) - known)
    errors = {}
    if unknown:
        errors["metrics"] = _("Unknown metrics: %(keys)s") % {"keys": ", ".join(unknown)[:300]}
    cleaned = {}
    for metric in definitions:
        value = metrics.get(metric.key)
        if value is None:
            if complete:
                errors[metric.key] = _("Give a value before publishing.")
            cleaned[metric.key] = None
            continue
        if metric.is_share:
            valid = not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= 100
            if not valid:
                errors[metric.key] = _("A share is a number from 0 to 100.")
                continue
            cleaned[metric.key] = round(float(value), 2) if isinstance(value, float) else value
        else:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
                errors[metric.key] = _("A count is a whole number of at least 0.")
                continue
            cleaned[metric.key] = value
    for metric in definitions:
        value = cleaned.get(metric.key)
        if value is None or metric.key in errors:
            continue
        if metric.at_most and cleaned.get(metric.at_most) is not None and value > cleaned[metric.at_most]:
            errors[metric.key] = _("This cannot be more than “%(other)s”.") % {
                "other": next(m.label for m in definitions if m.key == metric.at_most)
            }
        if metric.share_of and cleaned.get(metric.share_of) == 0 and value != 0:
            errors[metric.key] = _("A share of nothing is 0.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_transparency_report(
    *, actor, organization: Organization, period_kind: str, year: int, number: int = 1, metrics: dict | None = None
) -> TransparencyReport:
    """A draft for one period; one report per organisation and period."""
    _require_reporter(actor, organization.pk)
    period = _clean_period(period_kind=period_kind, year=year, number=number)
    cleaned = clean_metrics(organization.kind, metrics or {})
    try:
        with transaction.atomic():
            report = TransparencyReport.objects.create(
                organization=organization, metrics=cleaned, created_by=actor, **period
            )
            record_audit(
                actor=actor,
                action="transparency.created",
                organization=organization,
                target=report.period_label,
            )
    except IntegrityError:
        raise ValidationError({"period_kind": _("A report for this period already exists.")}) from None
    return report


def update_transparency_report(*, actor, report: TransparencyReport, metrics: dict) -> TransparencyReport:
    """Change a draft's figures (given keys replace, others stay). A published report is a matter of record."""
    _require_reporter(actor, report.organization_id)
    if not isinstance(metrics, dict):
        raise ValidationError({"metrics": _("Give the metrics as an object of name and number.")})
    with transaction.atomic():
        locked = TransparencyReport.objects.select_for_update().select_related("organization").get(pk=report.pk)
        if locked.state != ReportState.DRAFT:
            raise ValidationError(_("A published report cannot be changed."))
        locked.metrics = clean_metrics(locked.organization.kind, {**locked.metrics, **metrics})
        locked.updated_at = timezone.now()
        locked.save(update_fields=["metrics", "updated_at"])
        record_audit(
            actor=actor, action="transparency.updated", organization=locked.organization, target=locked.period_label
        )
    return locked


def publish_transparency_report(*, actor, report: TransparencyReport) -> TransparencyReport:
    """Once, when every figure is given and the period is over; then public and unchangeable."""
    _require_reporter(actor, report.organization_id)
    with transaction.atomic():
        locked = TransparencyReport.objects.select_for_update().select_related("organization").get(pk=report.pk)
        if locked.state != ReportState.DRAFT:
            raise ValidationError(_("This report is already published."))
        clean_metrics(locked.organization.kind, locked.metrics, complete=True)
        if locked.period_end >= timezone.localdate():
            raise ValidationError(_("A report is published once its period is over."))
        now = timezone.now()
        TransparencyReport.objects.filter(pk=locked.pk, state=ReportState.DRAFT).update(
            state=ReportState.PUBLISHED, published_at=now, updated_at=now
        )
        record_audit(
            actor=actor, action="transparency.published", organization=locked.organization, target=locked.period_label
        )
        webhooks.announce_report_published(report_id=locked.pk)
    locked.refresh_from_db()
    return locked
