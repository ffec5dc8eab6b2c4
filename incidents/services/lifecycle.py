"""An incident's lifecycle: declaring it, moving its status, inviting and uninviting
organisations. The secretariat manages incidents (require_incident_manager, shared by every
management service); each service validates, owns its transaction, appends what happened to
the room (room.append_item) and records an audit event.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import PARTICIPATING_STANDINGS, Organization

from .. import alert_webhooks, events, inbox, lines, permissions, webhooks
from ..choices import choose_one_of
from ..models import (
    Incident,
    IncidentOrganization,
    IncidentRecipient,
    IncidentStatusChange,
    ItemKind,
    Status,
    Tier,
    Tlp,
)
from . import alerts
from .audit import record_incident_audit
from .room import append_item

# Forward only, except that monitoring may go back to active; closed is final.
TRANSITIONS = {
    Status.DECLARED: {Status.ACTIVE, Status.MONITORING, Status.CLOSED},
    Status.ACTIVE: {Status.MONITORING, Status.CLOSED},
    Status.MONITORING: {Status.ACTIVE, Status.CLOSED},
    Status.CLOSED: set(),
}


def next_statuses(status: str) -> list[str]:
    """Where an incident may go from `status`, in lifecycle order (TRANSITIONS holds sets; a
    form preselects the first, which must never be Closed when Active is possible)."""
    return [s for s in Status.values if s in TRANSITIONS[status]]


def require_incident_manager(actor) -> None:
    if not permissions.can_manage_incident(actor):
        raise PermissionDenied(_("Only the secretariat manages incidents."))


def clean_participants(organizations: Iterable[Organization]) -> list[Organization]:
    organizations = list(organizations)
    for organization in organizations:
        if organization.standing not in PARTICIPATING_STANDINGS:
            raise ValidationError(
                {"organizations": _("%(name)s is not a supporter and cannot be invited.") % {"name": organization}}
            )
    return organizations


def declare_incident(
    *,
    actor,
    title: str,
    summary: str = "",
    tier: int = Tier.COORDINATED,
    tlp: str = Tlp.AMBER,
    is_exercise: bool = False,
    ongoing_violent_event: bool = False,
    perpetrator_produced: bool = False,
    livestreamed: bool = False,
    spreading_across_platforms: bool = False,
    commander=None,
    organizations: Iterable[Organization] = (),
    recipients: Iterable = (),
) -> Incident:
    require_incident_manager(actor)
    errors = {}
    title = " ".join(str(title or "").split())
    if not title or len(title) > 200:
        errors["title"] = _("Enter a title of at most 200 characters.")
    if tier not in Tier.values:
        errors["tier"] = _("Choose tier 1, 2 or 3.")
    if tlp not in Tlp.values:
        errors["tlp"] = choose_one_of(Tlp)
    if errors:
        raise ValidationError(errors)
    organizations = clean_participants(organizations)
    now = timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title,
            summary=str(summary or ""),
            tier=tier,
            tlp=tlp,
            is_exercise=bool(is_exercise),
            ongoing_violent_event=bool(ongoing_violent_event),
            perpetrator_produced=bool(perpetrator_produced),
            livestreamed=bool(livestreamed),
            spreading_across_platforms=bool(spreading_across_platforms),
            criteria_decided_by=actor,
            criteria_decided_at=now,
            commander=commander or actor,
            created_by=actor,
            created_at=now,
            status_changed_at=now,
        )
        IncidentStatusChange.objects.create(incident=incident, to_status=Status.DECLARED, actor=actor, changed_at=now)
        webhooks.announce_declared(incident_id=incident.pk)
        append_item(
            incident_id=incident.pk,
            kind=ItemKind.STATUS,
            author=actor,
            event="incident.declared",
            params={"who": actor.display_name, "tier": tier, "tlp": tlp},
            data={"status": Status.DECLARED, "tier": tier, "tlp": tlp, "exercise": incident.is_exercise},
        )
        IncidentOrganization.objects.bulk_create(
            IncidentOrganization(incident=incident, organization=o, invited_by=actor) for o in organizations
        )
        IncidentRecipient.objects.bulk_create(
            IncidentRecipient(incident=incident, user=u, added_by=actor) for u in recipients
        )
        alerts.open_alerts(incident_id=incident.pk, tier=tier)
        inbox.incident_declared(incident=incident, organization_ids=[o.pk for o in organizations], actor=actor)
        record_incident_audit(
            actor=actor,
            action="declared",
            incident=incident,
            tier=tier,
            tlp=tlp,
            exercise=incident.is_exercise,
            organizations=[o.pk for o in organizations],
        )
    return incident


MAX_STATUS_NOTE = 500


def change_status(*, actor, incident: Incident, status: str, note: str = "") -> bool:
    """Moves the incident to `status`. Conditional on the status the caller saw, so a
    repeated request changes nothing (returns False) and a stale one is refused."""
    require_incident_manager(actor)
    if status not in Status.values:
        raise ValidationError({"status": choose_one_of(Status)})
    if len(note) > MAX_STATUS_NOTE:
        raise ValidationError({"note": _("Keep the note under %(n)d characters.") % {"n": MAX_STATUS_NOTE}})
    from_status = incident.status
    if status == from_status:
        return False
    if status not in TRANSITIONS[from_status]:
        raise ValidationError(
            {
                "status": _("An incident cannot go from %(a)s to %(b)s.")
                % {"a": Status(from_status).label, "b": Status(status).label}
            }
        )
    now = timezone.now()
    with transaction.atomic():
        changed = Incident.objects.filter(pk=incident.pk, status=from_status).update(
            status=status, status_changed_at=now
        )
        if not changed:
            current = Incident.objects.filter(pk=incident.pk).values_list("status", flat=True).first()
            if current == status:
                return False
            raise ValidationError({"status": _("The incident's status changed meanwhile; reload and try again.")})
        IncidentStatusChange.objects.create(
            incident=incident, from_status=from_status, to_status=status, actor=actor, note=note, changed_at=now
        )
        webhooks.announce_status_changed(incident_id=incident.pk, from_status=from_status, note=note)
        if status == Status.CLOSED:  # the on-call tools' alerts are resolved with it
            alert_webhooks.announce_alerts_resolved(incident_id=incident.pk)
        event, params = lines.status_line(who=actor.display_name, from_status=from_status, to_status=status, note=note)
        append_item(
            incident_id=incident.pk,
            kind=ItemKind.STATUS,
            author=actor,
            event=event,
            params=params,
            data={"from": from_status, "status": status, "note": note},
            allow_closed=True,
        )
        record_incident_audit(
            actor=actor, action="status_changed", incident=incident, before=from_status, after=status, note=note
        )
    incident.status, incident.status_changed_at = status, now
    return True


def invite_organization(*, actor, incident: Incident, organization: Organization) -> bool:
    require_incident_manager(actor)
    clean_participants([organization])
    with transaction.atomic():
        _row, created = IncidentOrganization.objects.get_or_create(
            incident=incident, organization=organization, defaults={"invited_by": actor}
        )
        if created:
            append_item(
                incident_id=incident.pk,
                kind=ItemKind.SYSTEM,
                author=actor,
                event="organization.invited",
                params={"org": organization.name},
                data={"invited": organization.pk},
                allow_closed=True,
            )
            if incident.is_open:
                alerts.open_alerts(incident_id=incident.pk, tier=incident.tier)
                inbox.incident_declared(incident=incident, organization_ids=[organization.pk], actor=actor)
            record_incident_audit(
                actor=actor, action="organization_invited", incident=incident, invited=organization.pk
            )
    return created


def uninvite_organization(*, actor, incident: Incident, organization: Organization) -> bool:
    """Removes an organisation; its members' room connections re-check and are closed, and its
    on-call tools' alert is resolved."""
    require_incident_manager(actor)
    with transaction.atomic():
        deleted, _unused = IncidentOrganization.objects.filter(incident=incident, organization=organization).delete()
        if deleted:
            append_item(
                incident_id=incident.pk,
                kind=ItemKind.SYSTEM,
                author=actor,
                event="organization.uninvited",
                params={"org": organization.name},
                data={"uninvited": organization.pk},
                allow_closed=True,
            )
            transaction.on_commit(lambda: events.recheck_room(incident.pk), robust=True)
            if incident.is_open:  # its on-call tools' alert is resolved (closing resolves every one)
                alert_webhooks.announce_alert_withdrawn(incident_id=incident.pk, organization_id=organization.pk)
            record_incident_audit(
                actor=actor, action="organization_uninvited", incident=incident, invited=organization.pk
            )
    return bool(deleted)
