"""Members of an organisation: changing the roles a member holds and removing a member.

An organisation always keeps at least one admin: both services lock its admins' rows
before they check, so two changes at once cannot remove the last two admins. Members
join through an approved application (applications.py) or an invitation (invitations.py)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import permissions, signals
from ..models import ROLE_FIELDS, Membership, Role
from ..roles import clean_roles, holding, holds
from .audit import record_audit


def _lock_admins(organization_id) -> list[int]:
    return list(
        Membership.objects.select_for_update()
        .filter(holding(Role.ADMIN), organization_id=organization_id)
        .values_list("pk", flat=True)
    )


def change_roles(*, actor, membership: Membership, roles: list[str]) -> Membership:
    """Replaces the roles the member holds with `roles` (a non-empty list of Role values)."""
    if not permissions.can_manage_members(actor, membership.organization):
        raise PermissionDenied
    roles = clean_roles(roles)
    with transaction.atomic():
        admins = _lock_admins(membership.organization_id)
        current = Membership.objects.select_for_update().get(pk=membership.pk)
        previous = current.roles
        current.roles = roles
        if current.roles == previous:
            return current
        if holds(previous, Role.ADMIN) and not holds(current, Role.ADMIN) and admins == [current.pk]:
            raise ValidationError(_("An organisation needs at least one admin. Make someone else admin first."))
        current.save(update_fields=list(ROLE_FIELDS.values()))
        record_audit(
            actor=actor,
            action="membership.role_changed",
            organization=current.organization,
            target=current.user.email,
            before=previous,
            after=current.roles,
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
                roles=membership.roles,
            )
            _announce_access_after_commit([membership.user_id])


def _announce_access_after_commit(user_ids: list[int]) -> None:
    transaction.on_commit(lambda: signals.access_changed.send(sender=Membership, user_ids=user_ids))
