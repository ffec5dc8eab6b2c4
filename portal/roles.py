"""The one way to ask whether someone holds a role: `holds` for a row or a set of roles already
read, `holding` for a queryset filter. Every permission check and recipient query goes
through these, so the storage (portal.models.HeldRoles) can change in one place.

Holding several roles means holding any of them; every membership holds `member`."""

import operator
from collections.abc import Iterable
from functools import reduce

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from .models import ROLE_FIELDS, HeldRoles, Membership, Role


def holds(held: HeldRoles | Iterable[str] | None, *roles: str) -> bool:
    """Whether `held` (a membership, invitation, or the roles from permissions.roles_of) holds
    any of `roles`. None, for someone who is not a member, holds nothing."""
    if held is None:
        return False
    names = held.roles if isinstance(held, HeldRoles) else held
    return Role.MEMBER in roles or any(role in names for role in roles)


def holding(*roles: str, through: str = "") -> Q:
    """A filter for rows holding any of `roles`; `through` is the lookup path to the membership
    ("membership__", "memberships__"). Put it in the same .filter() as the path's other
    conditions, so they apply to the same membership."""
    if Role.MEMBER in roles:
        return Q()
    return reduce(operator.or_, (Q(**{f"{through}{ROLE_FIELDS[role]}": True}) for role in roles))


def holding_or_admins(role: str) -> Q:
    """A filter on memberships: those holding `role`, and the admins of an organisation where no
    active member holds it (reminders go to reporters, alerts to responders, else to admins)."""
    has_holder = Membership.objects.filter(
        holding(role), organization_id=OuterRef("organization_id"), user__is_active=True
    )
    return holding(role) | (holding(Role.ADMIN) & ~Exists(has_holder))


def clean_roles(values, *, field: str = "roles") -> list[str]:
    """A non-empty list of known roles, deduplicated in Role's order, or ValidationError."""
    if isinstance(values, str) or not isinstance(values, list | tuple | set | frozenset):
        raise ValidationError({field: _("Give the roles as a list.")})
    if not values:
        raise ValidationError({field: _("Choose at least one role.")})
    if any(value not in Role.values for value in values):
        raise ValidationError({field: _("Choose a valid role.")})
    return [role for role in Role.values if role in values]
