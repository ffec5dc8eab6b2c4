"""Transparency reports: published ones are public (for organisations in the public
directory); drafts are seen only by the reporting organisation's own members."""

from django.db.models import Q, QuerySet

from portal.models import PUBLIC_STANDINGS

from ..models import ReportState, TransparencyReport
from .progress import viewer_for


def list_transparency_reports_for(
    user,
    *,
    organization_id: int | None = None,
    state: str | None = None,
    kind: str | None = None,
) -> QuerySet[TransparencyReport]:
    viewer = viewer_for(user)
    visible = Q(state=ReportState.PUBLISHED)
    if not viewer.secretariat:
        visible &= Q(organization__standing__in=PUBLIC_STANDINGS)
    if viewer.own_org_ids:
        visible |= Q(organization_id__in=viewer.own_org_ids)
    qs = TransparencyReport.objects.filter(visible).select_related("organization", "created_by")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(organization__kind=kind)
    return qs.order_by("organization__name", "period_start", "period_kind", "id")


def list_published_reports_for(user, **filters) -> QuerySet[TransparencyReport]:
    """What exports and comparisons show: published reports only, even to their own organisation."""
    return list_transparency_reports_for(user, state=ReportState.PUBLISHED, **filters)
