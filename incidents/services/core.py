"""Every write to incidents. Each service validates, owns its transaction, appends
what happened to the room through `_append` and broadcasts after commit.

Callers authorise first (incidents.permissions: access_incident / access_room);
services re-check the rules that depend on the rows they change (who may write in
the room, who may set a platform's status, the secretariat for incident management).
"""

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Membership, Organization
from portal.services import record_audit

from .. import alerts, events, indicators, permissions, webhooks
from ..choices import choose_one_of
from ..models import (
    ActionItem,
    ActionStatus,
    Incident,
    IncidentOrganization,
    IncidentRecipient,
    IncidentStatusChange,
    Indicator,
    IndicatorPlatformStatus,
    ItemKind,
    PlatformStatus,
    RoomItem,
    RoomPresence,
    Status,
    Tier,
    Tlp,
)

MAX_BODY_BYTES = 8192
FLOOD_LIMIT = 20
FLOOD_WINDOW_SECONDS = 10

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


class RoomFloodedError(Exception):
    """Too many messages from one user in one room; nothing was stored."""

    def __init__(self):
        super().__init__(
            _("You are sending messages too fast: at most %(n)d in %(s)d seconds.")
            % {"n": FLOOD_LIMIT, "s": FLOOD_WINDOW_SECONDS}
        )


# --- The audit log ----------------------------------------------------------------


def _audit(*, actor, action: str, incident, **data) -> None:
    """Records a change in the registry's audit log (portal.AuditEvent); call it inside the
    change's transaction. No organisation: incident events are the secretariat's to read,
    whatever the incident's TLP level."""
    incident_id = incident if isinstance(incident, int) else incident.pk
    title = "" if isinstance(incident, int) else incident.title
    record_audit(
        actor=actor, action=f"incident.{action}", target=f"#{incident_id} {title}".strip(), incident=incident_id, **data
    )


# --- The room ---------------------------------------------------------------------


def _append(
    *,
    incident_id: int,
    kind: str,
    body: str,
    author=None,
    organization=None,
    data: dict | None = None,
    client_id: uuid.UUID | None = None,
    allow_closed: bool = False,
) -> RoomItem:
    """Stores the next item of a room; must run inside the caller's transaction.

    The counter update takes the incident's row lock until commit, so concurrent
    writers (in any process) get consecutive seqs and commit in seq order; a
    rollback (say a duplicate client_id) takes its seq back with it, leaving no gap.
    """
    table = connection.ops.quote_name(Incident._meta.db_table)
    condition = "" if allow_closed else " AND status <> %s"
    params = [incident_id] if allow_closed else [incident_id, Status.CLOSED]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s{condition} RETURNING last_seq",  # noqa: S608
            params,
        )
        row = cursor.fetchone()
    if row is None:
        raise ValidationError(_("This incident is closed; its room no longer takes new items."))
    item = RoomItem.objects.create(
        incident_id=incident_id,
        seq=row[0],
        kind=kind,
        author=author if author is not None and author.is_authenticated else None,
        organization=organization,
        body=body,
        data=data or {},
        client_id=client_id,
    )
    # robust: a channel layer outage is logged, not raised; clients catch up from the database.
    transaction.on_commit(lambda: events.broadcast_item(item), robust=True)
    webhooks.announce_item(item=item)
    return item


def acting_organization(user, incident: Incident) -> Organization | None:
    """The organisation a user speaks for in this room: an invited one first."""
    if not (user and user.is_authenticated):
        return None
    membership = (
        Membership.objects.filter(user=user, organization__standing__in=permissions.PARTICIPANT_STANDINGS)
        .annotate(
            invited=Exists(
                IncidentOrganization.objects.filter(
                    incident_id=incident.pk, organization_id=OuterRef("organization_id")
                )
            )
        )
        .select_related("organization")
        .order_by("-invited", "organization__name")
        .first()
    )
    return membership.organization if membership else None


def _parse_client_id(client_id) -> uuid.UUID | None:
    if client_id is None:
        return None
    if isinstance(client_id, uuid.UUID):
        return client_id
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError({"client_id": _("client_id must be a UUID.")}) from None


def _clean_body(body) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationError({"body": _("Write a message.")})
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise ValidationError({"body": _("A message may be at most %(n)d bytes.") % {"n": MAX_BODY_BYTES}})
    return body


def _check_flood(*, incident_id: int, user_id: int) -> None:
    """A counter per user and room that lives FLOOD_WINDOW_SECONDS from its first message."""
    key = f"incidents:flood:{incident_id}:{user_id}"
    cache.add(key, 0, timeout=FLOOD_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=FLOOD_WINDOW_SECONDS)
        count = 1
    if count > FLOOD_LIMIT:
        raise RoomFloodedError


def _existing_message(incident_id: int, client_id: uuid.UUID, actor) -> RoomItem | None:
    item = (
        RoomItem.objects.select_related("author", "organization")
        .filter(incident_id=incident_id, client_id=client_id)
        .first()
    )
    if item is not None and item.author_id != actor.pk:
        raise ValidationError({"client_id": _("This client_id is already used in this room.")})
    return item


def post_message(*, incident: Incident, actor, client_id, body) -> RoomItem:
    """Stores a chat message and broadcasts it after commit.

    Idempotent on client_id: a repeat returns the stored item and stores nothing.
    The caller has checked that the actor may enter the room; this checks that they may write in it.
    """
    permissions.check_room_posting(actor, incident)
    client_id = _parse_client_id(client_id)
    body = _clean_body(body)
    if client_id is not None:
        existing = _existing_message(incident.pk, client_id, actor)
        if existing is not None:
            return existing
    _check_flood(incident_id=incident.pk, user_id=actor.pk)
    organization = acting_organization(actor, incident)
    try:
        with transaction.atomic():
            return _append(
                incident_id=incident.pk,
                kind=ItemKind.CHAT,
                author=actor,
                organization=organization,
                body=body,
                client_id=client_id,
            )
    except IntegrityError:
        # A concurrent request with the same client_id committed first.
        existing = _existing_message(incident.pk, client_id, actor) if client_id else None
        if existing is None:
            raise
        return existing


# --- Incidents --------------------------------------------------------------------


def _require_manager(actor) -> None:
    if not permissions.can_manage_incident(actor):
        raise PermissionDenied(_("Only the secretariat manages incidents."))


def _clean_participants(organizations: Iterable[Organization]) -> list[Organization]:
    organizations = list(organizations)
    for organization in organizations:
        if organization.standing not in permissions.PARTICIPANT_STANDINGS:
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
    _require_manager(actor)
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
    organizations = _clean_participants(organizations)
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
        _append(
            incident_id=incident.pk,
            kind=ItemKind.STATUS,
            author=actor,
            body=_("%(who)s declared the incident (tier %(tier)d, %(tlp)s).")
            % {"who": actor.display_name, "tier": tier, "tlp": incident.get_tlp_display()},
            data={"status": Status.DECLARED, "tier": tier, "tlp": tlp, "exercise": incident.is_exercise},
        )
        IncidentOrganization.objects.bulk_create(
            IncidentOrganization(incident=incident, organization=o, invited_by=actor) for o in organizations
        )
        IncidentRecipient.objects.bulk_create(
            IncidentRecipient(incident=incident, user=u, added_by=actor) for u in recipients
        )
        alerts.open_alerts(incident_id=incident.pk, tier=tier)
        _audit(
            actor=actor,
            action="declared",
            incident=incident,
            tier=tier,
            tlp=tlp,
            exercise=incident.is_exercise,
            organizations=[o.pk for o in organizations],
        )
    return incident


def change_status(*, actor, incident: Incident, status: str, note: str = "") -> bool:
    """Moves the incident to `status`. Conditional on the status the caller saw, so a
    repeated request changes nothing (returns False) and a stale one is refused."""
    _require_manager(actor)
    if status not in Status.values:
        raise ValidationError({"status": choose_one_of(Status)})
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
        _append(
            incident_id=incident.pk,
            kind=ItemKind.STATUS,
            author=actor,
            body=_("%(who)s changed the status from %(a)s to %(b)s.")
            % {"who": actor.display_name, "a": Status(from_status).label, "b": Status(status).label},
            data={"from": from_status, "status": status, "note": note},
            allow_closed=True,
        )
        _audit(actor=actor, action="status_changed", incident=incident, before=from_status, after=status, note=note)
    incident.status, incident.status_changed_at = status, now
    return True


def invite_organization(*, actor, incident: Incident, organization: Organization) -> bool:
    _require_manager(actor)
    _clean_participants([organization])
    with transaction.atomic():
        _row, created = IncidentOrganization.objects.get_or_create(
            incident=incident, organization=organization, defaults={"invited_by": actor}
        )
        if created:
            _append(
                incident_id=incident.pk,
                kind=ItemKind.SYSTEM,
                author=actor,
                body=_("%(org)s was invited.") % {"org": organization.name},
                data={"invited": organization.pk},
                allow_closed=True,
            )
            if incident.is_open:
                alerts.open_alerts(incident_id=incident.pk, tier=incident.tier)
            _audit(actor=actor, action="organization_invited", incident=incident, invited=organization.pk)
    return created


def uninvite_organization(*, actor, incident: Incident, organization: Organization) -> bool:
    """Removes an organisation; its members' room connections re-check and are closed."""
    _require_manager(actor)
    with transaction.atomic():
        deleted, _unused = IncidentOrganization.objects.filter(incident=incident, organization=organization).delete()
        if deleted:
            _append(
                incident_id=incident.pk,
                kind=ItemKind.SYSTEM,
                author=actor,
                body=_("%(org)s is no longer invited.") % {"org": organization.name},
                data={"uninvited": organization.pk},
                allow_closed=True,
            )
            transaction.on_commit(lambda: events.recheck_room(incident.pk), robust=True)
            _audit(actor=actor, action="organization_uninvited", incident=incident, invited=organization.pk)
    return bool(deleted)


# --- Indicators and actions -------------------------------------------------------


def add_indicator(*, actor, incident: Incident, kind: str, value) -> tuple[Indicator, bool]:
    """Normalises and stores an indicator once per incident; a duplicate returns the
    stored one and adds nothing to the room. Never fetches the URL."""
    permissions.check_room_posting(actor, incident)
    value = indicators.normalise(kind, value)
    existing = Indicator.objects.filter(incident=incident, kind=kind, value=value).first()
    if existing is not None:
        return existing, False
    organization = acting_organization(actor, incident)
    try:
        with transaction.atomic():
            indicator = Indicator.objects.create(
                incident=incident, kind=kind, value=value, added_by=actor, organization=organization
            )
            _append(
                incident_id=incident.pk,
                kind=ItemKind.INDICATOR,
                author=actor,
                organization=organization,
                body=_("Indicator (%(kind)s): %(value)s") % {"kind": kind, "value": indicator.defanged},
                data={"indicator": indicator.pk, "kind": kind, "value": indicator.defanged},
            )
            _audit(actor=actor, action="indicator_added", incident=incident, indicator=indicator.pk, kind=kind)
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
        _append(
            incident_id=indicator.incident_id,
            kind=ItemKind.INDICATOR,
            author=actor,
            organization=organization,
            body=_("%(org)s: %(value)s is %(status)s.")
            % {"org": organization.name, "value": indicator.defanged, "status": PlatformStatus(status).label},
            data={
                "indicator": indicator.pk,
                "platform": organization.pk,
                "platform_name": organization.name,
                "status": status,
            },
        )
        _audit(
            actor=actor,
            action="platform_status_set",
            incident=indicator.incident_id,
            indicator=indicator.pk,
            platform=organization.pk,
            status=status,
        )
    return row


def create_action(*, actor, incident: Incident, title: str, organization: Organization) -> ActionItem:
    permissions.check_room_posting(actor, incident)
    title = " ".join(str(title or "").split())
    if not title or len(title) > 300:
        raise ValidationError({"title": _("Enter a title of at most 300 characters.")})
    _clean_participants([organization])
    # At every level: at CLEAR and GREEN an organisation that is not invited only reads the room,
    # so it could not mark its action done there.
    if not IncidentOrganization.objects.filter(incident=incident, organization=organization).exists():
        raise ValidationError({"organization": _("Assign actions to an invited organisation.")})
    with transaction.atomic():
        action = ActionItem.objects.create(
            incident=incident, title=title, assigned_organization=organization, created_by=actor
        )
        _append(
            incident_id=incident.pk,
            kind=ItemKind.ACTION,
            author=actor,
            organization=acting_organization(actor, incident),
            body=_("Action for %(org)s: %(title)s") % {"org": organization.name, "title": title},
            data={
                "action": action.pk,
                "status": ActionStatus.OPEN,
                "assigned": organization.pk,
                "assigned_name": organization.name,
                "title": title,
            },
        )
        _audit(actor=actor, action="action_created", incident=incident, action_item=action.pk, assigned=organization.pk)
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
        _append(
            incident_id=action.incident_id,
            kind=ItemKind.ACTION,
            author=actor,
            organization=acting_organization(actor, action.incident),
            body=_("Done: %(title)s") % {"title": action.title},
            data={"action": action.pk, "status": ActionStatus.DONE},
        )
        _audit(actor=actor, action="action_completed", incident=action.incident_id, action_item=action.pk)
    action.status, action.completed_by, action.completed_at = ActionStatus.DONE, actor, now
    return True


# --- Presence ---------------------------------------------------------------------


def join_room(*, incident_id: int, user, channel_name: str) -> None:
    RoomPresence.objects.update_or_create(
        channel_name=channel_name, defaults={"incident_id": incident_id, "user": user, "last_seen": timezone.now()}
    )


def touch_presence(*, channel_names) -> None:
    """Renews the presence rows of these connections (one room's heartbeat in one process)."""
    RoomPresence.objects.filter(channel_name__in=list(channel_names)).update(last_seen=timezone.now())


def leave_room(*, channel_name: str) -> None:
    RoomPresence.objects.filter(channel_name=channel_name).delete()
