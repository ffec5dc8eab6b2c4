"""Members of an organisation: changing a member's role and removing a member.

An organisation always keeps at least one admin: both services lock its admins' rows
before they check, so two changes at once cannot remove the last two admins. Members
join through an approved application (applications.py) or an invitation (invitations.py)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import permissions, signals
from ..models import Membership, Role
from .audit import record_audit


def _lock_admins(organization_id) -> list[int]:
    return list(
        Membership.objects.select_for_update()
        .filter(organization_id=organization_id, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )


def change_role(*, actor, membership: Membership, role: str) -> Membership:
    if not permissions.can_manage_members(actor, membership.organization):
        raise PermissionDenied
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    with transaction.atomic():
        admins = _lock_admins(membership.organization_id)
        current = Membership.objects.select_for_update().get(pk=membership.pk)
        if current.role == role:
            return current
        if current.role == Role.ADMIN and admins == [current.pk]:
            raise ValidationError(_("An organisation needs at least one admin. Make someone else admin first."))
        previous = current.role
        current.role = role
        current.save(update_fields=["role"])
        record_audit(
            actor=actor,
            action="membership.role_changed",
            organization=current.organization,
            target=current.user.email,
            before=previous,
            after=role,
        )
        _announce_access_after_commit([current.user_id])
    permissions.forget_roles(current.user)
    return current


def remove_member(*, actor, membership: Membership) -> None:
    if not (permissions.can_manage_members(actor, membership.organization) or actor.pk == membership.user_id):
        raise PermissionDenied
    with transaction.atomic():
        admins = _lock_admins(membership.organization_id)
        if admins == [membership.pk]:
            raise ValidationError(_("An organisation needs at least one admin. Make someone else admin first."))
        deleted, _rows = Membership.objects.filter(pk=membership.pk).delete()
        if deleted:
            record_audit(
                actor=actor,
                action="membership.removed",
                organization=membership.organization,
                target=membership.user.email,
                role=membership.role,
            )
            _announce_access_after_commit([membership.user_id])


def _announce_access_after_commit(user_ids: list[int]) -> None:
    transaction.on_commit(lambda: signals.access_changed.send(sender=Membership, user_ids=user_ids))
