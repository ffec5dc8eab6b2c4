"""Action items in an incident: assigned to an invited organisation, completed by it or the
secretariat. Callers authorise entry to the room; these re-check who may write in it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Membership, Organization

from .. import inbox, permissions
from ..models import ActionItem, ActionStatus, Incident, IncidentOrganization, ItemKind
from ..selectors import acting_organization
from .audit import record_incident_audit
from .lifecycle import clean_participants
from .room import append_item


def create_action(
    *, actor, incident: Incident, title: str, organization: Organization, due_at=None, owner=None
) -> ActionItem:
    """`due_at` (aware) and `owner` (an active member of the assigned organisation) are optional."""
    permissions.check_room_posting(actor, incident)
    title = " ".join(str(title or "").split())
    if not title or len(title) > 300:
        raise ValidationError({"title": _("Enter a title of at most 300 characters.")})
    if due_at is not None and (not isinstance(due_at, datetime.datetime) or timezone.is_naive(due_at)):
        raise ValidationError({"due_at": _("Give the due time with its time zone.")})
    if (
        owner is not None
        and not Membership.objects.filter(user=owner, user__is_active=True, organization=organization).exists()
    ):
        raise ValidationError({"owner": _("The owner must be a member of the assigned organisation.")})
    clean_participants([organization])
    # At every level: at CLEAR and GREEN an organisation that is not invited only reads the room,
    # so it could not mark its action done there.
    if not IncidentOrganization.objects.filter(incident=incident, organization=organization).exists():
        raise ValidationError({"organization": _("Assign actions to an invited organisation.")})
    with transaction.atomic():
        action = ActionItem.objects.create(
            incident=incident,
            title=title,
            assigned_organization=organization,
            created_by=actor,
            due_at=due_at,
            owner=owner,
        )
        append_item(
            incident_id=incident.pk,
            kind=ItemKind.ACTION,
            author=actor,
            organization=acting_organization(actor, incident),
            event="action.assigned",
            params={"org": organization.name, "title": title},
            data={
                "action": action.pk,
                "status": ActionStatus.OPEN,
                "assigned": organization.pk,
                "assigned_name": organization.name,
                "title": title,
                "due_at": due_at.isoformat() if due_at else None,
                "owner": owner.display_name if owner else None,
            },
        )
        record_incident_audit(
            actor=actor, action="action_created", incident=incident, action_item=action.pk, assigned=organization.pk
        )
        inbox.action_assigned(action=action, actor=actor)
    return action


def complete_action(*, actor, action: ActionItem) -> bool:
    """Marks an action done; a repeat changes nothing and returns False."""
    permissions.check_room_posting(actor, action.incident_id)
    if not permissions.can_complete_action(actor, action):
        raise PermissionDenied(_("Only the assigned organisation or the secretariat completes an action."))
    now = timezone.now()
    with transaction.atomic():
        changed = ActionItem.objects.filter(pk=action.pk, status=ActionStatus.OPEN).update(
            status=ActionStatus.DONE, completed_by=actor, completed_at=now
        )
        if not changed:
            return False
        append_item(
            incident_id=action.incident_id,
            kind=ItemKind.ACTION,
            author=actor,
            organization=acting_organization(actor, action.incident),
            event="action.done",
            params={"title": action.title},
            data={"action": action.pk, "status": ActionStatus.DONE},
        )
        record_incident_audit(
            actor=actor, action="action_completed", incident=action.incident_id, action_item=action.pk
        )
    action.status, action.completed_by, action.completed_at = ActionStatus.DONE, actor, now
    return True
