"""Deputies: a responder names another member of the same organisation to receive their alerts
for a period (leave). The responder or the organisation's admins (or the secretariat) name one
or end one; both are audited."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import permissions
from ..contacts.models import Deputy
from ..models import Membership, Role
from ..roles import holds
from .audit import record_audit


def name_deputy(*, actor, membership: Membership, deputy: Membership, starts_at: datetime, ends_at: datetime) -> Deputy:
    if not permissions.can_name_deputy(actor, membership):
        raise PermissionDenied
    if not holds(membership, Role.RESPONDER):
        raise ValidationError({"membership": _("Only a responder names a deputy.")})
    if deputy.organization_id != membership.organization_id:
        raise ValidationError({"deputy": _("The deputy must be a member of the same organisation.")})
    if deputy.pk == membership.pk:
        raise ValidationError({"deputy": _("Name someone other than the responder.")})
    if not deputy.user.is_active:
        raise ValidationError({"deputy": _("The deputy must be a member of the same organisation.")})
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    with transaction.atomic():
        row = Deputy.objects.create(
            membership=membership, deputy=deputy, starts_at=starts_at, ends_at=ends_at, created_by=actor
        )
        record_audit(
            actor=actor,
            action="deputy.named",
            organization=membership.organization,
            target=membership.user.email,
            deputy=deputy.user.email,
            starts_at=starts_at.isoformat(),
            ends_at=ends_at.isoformat(),
        )
    return row


def end_deputy(*, actor, deputy: Deputy) -> None:
    if not permissions.can_name_deputy(actor, deputy.membership):
        raise PermissionDenied
    with transaction.atomic():
        deleted, _rows = Deputy.objects.filter(pk=deputy.pk).delete()
        if deleted:
            record_audit(
                actor=actor,
                action="deputy.ended",
                organization=deputy.membership.organization,
                target=deputy.membership.user.email,
                deputy=deputy.deputy.user.email,
            )
