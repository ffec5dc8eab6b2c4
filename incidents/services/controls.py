"""The secretariat's controls on a declared incident: tier, TLP level, commander and
the named individuals of TLP:RED.

Each is a conditional update on the value the caller saw, so a repeated request
changes nothing (returns False) and one that raced another is refused. Each change
is recorded (IncidentChange: who, when, from, to) and appended to the room as a
`system` item. A change that can narrow the audience asks every connection in the
room to re-check its access after commit (events.recheck_room), so whoever may no
longer see or enter is disconnected (4403).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.permissions import has_two_factor

from .. import events, inbox
from ..choices import choose_one_of
from ..models import ChangeKind, Incident, IncidentChange, IncidentRecipient, ItemKind, Status, Tier, Tlp
from . import alerts
from .audit import record_incident_audit
from .lifecycle import require_incident_manager
from .room import append_item

_AUDIT_ACTIONS = {
    ChangeKind.TIER: "tier_changed",
    ChangeKind.TLP: "tlp_changed",
    ChangeKind.COMMANDER: "commander_changed",
    ChangeKind.RECIPIENT_ADDED: "recipient_added",
    ChangeKind.RECIPIENT_REMOVED: "recipient_removed",
}


def _record(
    *, actor, incident: Incident, kind: str, from_value="", to_value="", user=None, note="", event, params, data
):
    now = timezone.now()
    IncidentChange.objects.create(
        incident=incident,
        kind=kind,
        from_value=str(from_value),
        to_value=str(to_value),
        user=user,
        actor=actor,
        note=note,
        changed_at=now,
    )
    append_item(
        incident_id=incident.pk,
        kind=ItemKind.SYSTEM,
        author=actor,
        event=event,
        params=params,
        data={"change": kind, "from": from_value, "to": to_value, **data},
        allow_closed=True,
    )
    record_incident_audit(
        actor=actor, action=_AUDIT_ACTIONS[kind], incident=incident, before=from_value, after=to_value, note=note
    )


def _recheck_after_commit(incident: Incident) -> None:
    transaction.on_commit(lambda: events.recheck_room(incident.pk), robust=True)


def _conditional_update(incident: Incident, field: str, seen, new) -> bool:
    """Sets `field` from `seen` to `new`; False if it already holds `new`, ValidationError if it moved elsewhere."""
    changed = Incident.objects.filter(pk=incident.pk, **{field: seen}).update(**{field: new})
    if changed:
        return True
    current = Incident.objects.filter(pk=incident.pk).values_list(field, flat=True).first()
    if current == new:
        return False
    raise ValidationError({field: _("The incident changed meanwhile; reload and try again.")})


def change_tier(*, actor, incident: Incident, tier, note: str = "") -> bool:
    """Escalates or de-escalates. Refused once the incident is closed."""
    require_incident_manager(actor)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose tier 1, 2 or 3.")})
    if incident.status == Status.CLOSED:
        raise ValidationError({"tier": _("A closed incident's tier cannot change.")})
    seen = incident.tier
    if tier == seen:
        return False
    with transaction.atomic():
        if not _conditional_update(incident, "tier", seen, tier):
            return False
        _record(
            actor=actor,
            incident=incident,
            kind=ChangeKind.TIER,
            from_value=seen,
            to_value=tier,
            note=note,
            event="tier.escalated" if tier > seen else "tier.deescalated",
            params={"who": actor.display_name, "a": seen, "b": tier},
            data={"tier": tier},
        )
        if tier > seen:
            alerts.open_alerts(incident_id=incident.pk, tier=tier)
            inbox.incident_escalated(incident=incident, tier=tier, actor=actor)
    incident.tier = tier
    return True


def change_tlp(*, actor, incident: Incident, tlp: str, note: str = "") -> bool:
    """Changes who may see the incident; those who no longer may are disconnected."""
    require_incident_manager(actor)
    if tlp not in Tlp.values:
        raise ValidationError({"tlp": choose_one_of(Tlp)})
    seen = incident.tlp
    if tlp == seen:
        return False
    with transaction.atomic():
        if not _conditional_update(incident, "tlp", seen, tlp):
            return False
        _record(
            actor=actor,
            incident=incident,
            kind=ChangeKind.TLP,
            from_value=seen,
            to_value=tlp,
            note=note,
            event="tlp.changed",
            params={"who": actor.display_name, "a": seen, "b": tlp},
            data={"tlp": tlp},
        )
        # Any change may narrow the audience: RED to AMBER drops named individuals of uninvited organisations.
        _recheck_after_commit(incident)
    incident.tlp = tlp
    return True


def set_commander(*, actor, incident: Incident, commander) -> bool:
    """Appoints the incident commander, who sees the incident whatever its TLP level.
    The commander must have two-factor authentication, since they work in the room."""
    require_incident_manager(actor)
    if commander is None or not commander.is_active:
        raise ValidationError({"commander": _("Choose an active user as commander.")})
    if not has_two_factor(commander):
        raise ValidationError({"commander": _("The commander must have two-factor authentication set up.")})
    seen = incident.commander_id
    if commander.pk == seen:
        return False
    with transaction.atomic():
        if not _conditional_update(incident, "commander_id", seen, commander.pk):
            return False
        _record(
            actor=actor,
            incident=incident,
            kind=ChangeKind.COMMANDER,
            from_value=seen or "",
            to_value=commander.pk,
            user=commander,
            event="commander.appointed",
            params={"who": actor.display_name, "commander": commander.display_name},
            data={"commander": commander.pk, "commander_name": commander.display_name},
        )
        _recheck_after_commit(incident)  # the former commander may no longer see it
    incident.commander = commander
    return True


def add_recipient(*, actor, incident: Incident, user) -> bool:
    """Names an individual who may see a TLP:RED incident; a repeat changes nothing."""
    require_incident_manager(actor)
    if user is None or not user.is_active:
        raise ValidationError({"user": _("Choose an active user.")})
    with transaction.atomic():
        _row, created = IncidentRecipient.objects.get_or_create(
            incident=incident, user=user, defaults={"added_by": actor}
        )
        if created:
            _record(
                actor=actor,
                incident=incident,
                kind=ChangeKind.RECIPIENT_ADDED,
                user=user,
                to_value=user.pk,
                event="recipient.added",
                params={"who": actor.display_name, "user": user.display_name},
                data={"recipient": user.pk},
            )
    return created


def remove_recipient(*, actor, incident: Incident, user) -> bool:
    """Removes a named individual; at TLP:RED their room connections are closed."""
    require_incident_manager(actor)
    with transaction.atomic():
        deleted, _unused = IncidentRecipient.objects.filter(incident=incident, user=user).delete()
        if deleted:
            _record(
                actor=actor,
                incident=incident,
                kind=ChangeKind.RECIPIENT_REMOVED,
                user=user,
                from_value=user.pk,
                event="recipient.removed",
                params={"who": actor.display_name, "user": user.display_name},
                data={"recipient": user.pk},
            )
            _recheck_after_commit(incident)
    return bool(deleted)
