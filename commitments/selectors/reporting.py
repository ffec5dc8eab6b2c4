"""Which supporters are not reporting: derived from the reporting cycle and grace period
(commitments.conf) and each implementation's latest accepted update, never stored.

A supporter is not reporting when one of its implementations of an active commitment,
existing when the latest cycle whose grace is over began, has no accepted update dated
since. It reads the latest accepted update whatever its visibility, so a supporter that
reports to the secretariat only is not publicly called not reporting; the status is the
same for every viewer, and says nothing about what the update holds."""

import datetime

from django.db.models import Case, CharField, Count, DateField, Exists, OuterRef, Q, QuerySet, TextChoices, Value, When
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from portal.models import Organization, Standing

from .. import conf
from ..cache import cached_aggregate
from ..models import Implementation


class ReportingStatus(TextChoices):
    REPORTING = "reporting", pgettext_lazy("reporting status", "Reporting")
    NOT_REPORTING = "not_reporting", pgettext_lazy("reporting status", "Not reporting")


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def not_reporting_cutoff_for(today: datetime.date | None = None) -> datetime.date:
    """Updates dated from this day on count for the latest closed cycle (shown beside the status)."""
    return conf.not_reporting_cutoff(_today(today))


def missed_cycle(*, today: datetime.date | None = None, prefix: str = "") -> Q:
    """Implementations (through `prefix`, e.g. "implementations__") that missed the latest closed cycle."""
    cutoff = conf.not_reporting_cutoff(_today(today))
    cutoff_at = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return Q(
        **{
            f"{prefix}organization__standing": Standing.SUPPORTER,
            f"{prefix}commitment__is_active": True,
            f"{prefix}created_at__lt": cutoff_at,
        }
    ) & (Q(**{f"{prefix}latest_accepted__isnull": True}) | Q(**{f"{prefix}latest_accepted__as_of__lt": cutoff}))


def overdue_for_reporting(*, today: datetime.date | None = None) -> Q:
    """Implementations overdue now as their organisation sees them (its latest accepted update,
    whatever the visibility): the rule of list_overdue_for, for reminders sent to reporters."""
    cutoff = conf.reporting_cutoff(_today(today))
    cutoff_at = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return Q(organization__standing=Standing.SUPPORTER, commitment__is_active=True, created_at__lt=cutoff_at) & (
        Q(latest_accepted__isnull=True) | Q(latest_accepted__as_of__lt=cutoff)
    )


def not_reporting_exists(*, today: datetime.date | None = None) -> Exists:
    """For annotating a queryset whose `organization_id` names an organisation."""
    return Exists(Implementation.objects.filter(missed_cycle(today=today), organization_id=OuterRef("organization_id")))


def not_reporting_ids(organization_ids) -> set[int]:
    """Which of these organisations are not reporting. One query."""
    ids = set(organization_ids)
    if not ids:
        return set()
    return set(
        Implementation.objects.filter(missed_cycle(), organization_id__in=ids)
        .values_list("organization_id", flat=True)
        .distinct()
    )


def missed_cycle_count(organization_id: int) -> int:
    """How many of the organisation's implementations missed the latest closed cycle (more
    than none: it is not reporting). One query."""
    return Implementation.objects.filter(missed_cycle(), organization_id=organization_id).count()


def list_reporting_status(
    *, not_reporting: bool | None = None, today: datetime.date | None = None
) -> QuerySet[Organization]:
    """Current supporters (the not-reporting status is public, like the supporters themselves),
    annotated with `missed_count` (implementations that missed the latest closed cycle),
    `not_reporting`, `reporting_status` (a ReportingStatus word) and `since` (the cut-off). One query."""
    qs = (
        Organization.objects.filter(standing=Standing.SUPPORTER)
        .annotate(missed_count=Count("implementations", filter=missed_cycle(today=today, prefix="implementations__")))
        .annotate(
            not_reporting=Q(missed_count__gt=0),
            since=Value(not_reporting_cutoff_for(today), output_field=DateField()),
            reporting_status=Case(
                When(missed_count__gt=0, then=Value(ReportingStatus.NOT_REPORTING)),
                default=Value(ReportingStatus.REPORTING),
                output_field=CharField(),
            ),
        )
    )
    if not_reporting is not None:
        qs = qs.filter(not_reporting=not_reporting)
    return qs.order_by("name", "pk")


def not_reporting_supporters(*, kind: str = "", country: str = "") -> list[dict]:
    """The dashboard's list: name, slug and missed count of each supporter not reporting.
    One query, cached with the dashboard's figures (and per day, since the cut-off moves)."""
    day = timezone.localdate()

    def compute() -> list[dict]:
        qs = list_reporting_status(not_reporting=True, today=day)
        if kind:
            qs = qs.filter(kind=kind)
        if country:
            qs = qs.filter(country=country.upper())
        return list(qs.values("name", "slug", "missed_count"))

    return cached_aggregate("not-reporting", (day.isoformat(), kind, country.upper()), compute)
