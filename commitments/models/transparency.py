"""Periodic transparency reports: numeric metrics whose definitions are data
(commitments/data/transparency_metrics.json), one set per organisation kind."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organization


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half-year")
    YEAR = "year", _("Year")


PERIODS_PER_YEAR = {PeriodKind.QUARTER: 4, PeriodKind.HALF: 2, PeriodKind.YEAR: 1}


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


def period_bounds(kind: str, year: int, number: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period."""
    months = 12 // PERIODS_PER_YEAR[kind]
    start = datetime.date(year, (number - 1) * months + 1, 1)
    end_month = start.month + months
    end = datetime.date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


class TransparencyReport(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="transparency_reports")
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("period number"), default=1)
    period_start = models.DateField()
    period_end = models.DateField()
    # {"metric key": integer or share, or null when not reported}; keys from the definitions for the kind.
    metrics = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization__name", "period_start", "period_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period_kind", "year", "number"], name="transparency_report_unique_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_kind__in=PeriodKind.values), name="transparency_period_kind_valid"
            ),
            models.CheckConstraint(condition=models.Q(state__in=ReportState.values), name="transparency_state_valid"),
            models.CheckConstraint(
                condition=~models.Q(state=ReportState.PUBLISHED) | models.Q(published_at__isnull=False),
                name="transparency_published_has_date",
            ),
        ]
        indexes = [models.Index(fields=["state", "period_start"])]
        verbose_name = _("transparency report")
        verbose_name_plural = _("transparency reports")

    def __str__(self):
        return f"{self.organization} {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.QUARTER:
            return f"{self.year} Q{self.number}"
        if self.period_kind == PeriodKind.HALF:
            return f"{self.year} H{self.number}"
        return str(self.year)
