"""Deputies: a responder names another member of the same organisation to receive their alerts
for a period (leave). The responder or the organisation's admins (or the secretariat) name one
or end one; both are audited. A responder has at most one deputy at any moment: periods of the
same responder never overlap (checked here under a lock on the responder's membership, and on
PostgreSQL by an exclusion constraint, migration 0020)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
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
        # The lock makes two concurrent namings for one responder check one after the other.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        _refuse_overlap(membership=membership, starts_at=starts_at, ends_at=ends_at)
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


def _refuse_overlap(*, membership: Membership, starts_at: datetime, ends_at: datetime) -> None:
    # Periods are half-open, [starts_at, ends_at), as covering_now reads them: one may start
    # when the other ends.
    clash = (
        Deputy.objects.filter(membership=membership, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("deputy__user")
        .order_by("starts_at")
        .first()
    )
    if clash is None:
        return
    raise ValidationError(
        {
            "starts_at": _(
                "%(person)s already covers this responder from %(start)s until %(end)s: choose a period "
                "that does not overlap it, or end that cover first."
            )
            % {
                "person": clash.deputy.user.display_name,
                "start": formats.date_format(timezone.localtime(clash.starts_at), "SHORT_DATETIME_FORMAT"),
                "end": formats.date_format(timezone.localtime(clash.ends_at), "SHORT_DATETIME_FORMAT"),
            }
        }
    )


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
