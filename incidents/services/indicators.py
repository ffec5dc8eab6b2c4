"""Indicators in an incident: adding one (normalised, once per incident) and each provider's
status for it on its own platform. Callers authorise entry to the room; these re-check who may
write in it and who speaks for a platform."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Organization

from .. import permissions
from ..choices import choose_one_of
from ..indicators import normalise, pdq_fields
from ..models import Incident, Indicator, IndicatorPlatformStatus, ItemKind, PlatformStatus
from ..selectors import acting_organization
from .audit import record_incident_audit
from .room import append_item


def add_indicator(*, actor, incident: Incident, kind: str, value) -> tuple[Indicator, bool]:
    """Normalises and stores an indicator once per incident; a duplicate returns the
    stored one and adds nothing to the room. Never fetches the URL."""
    permissions.check_room_posting(actor, incident)
    value = normalise(kind, value)
    existing = Indicator.objects.filter(incident=incident, kind=kind, value=value).first()
    if existing is not None:
        return existing, False
    organization = acting_organization(actor, incident)
    try:
        with transaction.atomic():
            indicator = Indicator.objects.create(
                incident=incident,
                kind=kind,
                value=value,
                added_by=actor,
                organization=organization,
                **pdq_fields(kind, value),
            )
            append_item(
                incident_id=incident.pk,
                kind=ItemKind.INDICATOR,
                author=actor,
                organization=organization,
                event="indicator.shared",
                params={"kind": kind, "value": indicator.defanged},
                data={"indicator": indicator.pk, "kind": kind, "value": indicator.defanged},
            )
            record_incident_audit(
                actor=actor, action="indicator_added", incident=incident, indicator=indicator.pk, kind=kind
            )
    except IntegrityError:
        existing = Indicator.objects.filter(incident=incident, kind=kind, value=value).first()
        if existing is None:
            raise
        return existing, False
    return indicator, True


def set_platform_status(
    *, actor, indicator: Indicator, organization: Organization, status: str
) -> IndicatorPlatformStatus:
    """A provider records what it did about an indicator on its own platform."""
    permissions.check_room_posting(actor, indicator.incident_id)
    if status not in PlatformStatus.values:
        raise ValidationError({"status": choose_one_of(PlatformStatus)})
    if not permissions.can_report_for_platform(actor, organization):
        raise PermissionDenied(_("Only a provider's own responders set its platform status."))
    with transaction.atomic():
        row, created = IndicatorPlatformStatus.objects.select_for_update().get_or_create(
            indicator=indicator, organization=organization, defaults={"status": status, "set_by": actor}
        )
        if not created:
            if row.status == status:
                return row
            row.status, row.set_by, row.updated_at = status, actor, timezone.now()
            row.save(update_fields=["status", "set_by", "updated_at"])
        append_item(
            incident_id=indicator.incident_id,
            kind=ItemKind.INDICATOR,
            author=actor,
            organization=organization,
            event="indicator.platform_status",
            params={"org": organization.name, "value": indicator.defanged, "status": status},
            data={
                "indicator": indicator.pk,
                "platform": organization.pk,
                "platform_name": organization.name,
                "status": status,
            },
        )
        record_incident_audit(
            actor=actor,
            action="platform_status_set",
            incident=indicator.incident_id,
            indicator=indicator.pk,
            platform=organization.pk,
            status=status,
        )
    return row
