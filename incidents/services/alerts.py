"""Incident alerts, the write side: every responder of every invited organisation is emailed
when an incident is declared (and again when it is escalated to a higher tier); each
organisation acknowledges once, through a signed link (incidents.alert_emails); an organisation
that has not acknowledged within its tier's window is escalated to its admins and the secretariat.

Exactly once: every email is a delivery record keyed by (incident, tier, recipient)
(portal.notifications.deliveries; the keys: alert_emails.delivery_key), and an escalation is
claimed by a conditional update on its acknowledgement row, so a rerun of any task sends and
records nothing twice. Callers authorise: the signed token is the responder's credential for
acknowledging.

Who gets an email is decided when it is sent, inside the task: only people in the incident's
audience then (selectors.alerts), and a signed link works only while its responder still may
acknowledge (alert_emails.read_acknowledge_token)."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import metrics
from portal.contacts.selectors import callable_steps
from portal.models import Organization, User
from portal.notifications import deliveries
from portal.notifications.models import Delivery, DeliveryStatus

from .. import alert_webhooks, inbox
from ..alert_emails import (
    ALERT_KIND,
    ESCALATION_KIND,
    delivery_key,
    delivery_period,
    render_alert,
    render_escalation,
)
from ..models import Acknowledgement, Incident, IncidentOrganization, ItemKind, Status
from ..permissions import acknowledging_memberships, can_acknowledge_for
from ..selectors.alerts import LostTasks, alert_recipients, escalation_recipients, find_lost_tasks
from .audit import record_incident_audit
from .room import append_item

logger = logging.getLogger(__name__)

DEFAULT_ACK_WINDOWS = {1: 60, 2: 30, 3: 10}  # minutes, by tier


def ack_windows() -> dict[int, int]:
    return {
        int(tier): int(minutes)
        for tier, minutes in getattr(settings, "INCIDENT_ACK_WINDOWS", DEFAULT_ACK_WINDOWS).items()
    }


def ack_window_minutes(tier: int) -> int:
    windows = ack_windows()
    return windows.get(tier, min(windows.values()))


def escalation_batch_size() -> int:
    return int(getattr(settings, "INCIDENT_ESCALATION_BATCH_SIZE", 200))


# --- Opening alert rounds ------------------------------------------------------------


def open_alerts(*, incident_id: int, tier: int) -> None:
    """Runs inside the caller's transaction (declare, escalate, invite): gives every invited
    organisation an acknowledgement row, restarts the window of those that have not
    acknowledged at a lower tier, and queues the emails after commit."""
    from .. import tasks

    now = timezone.now()
    invited = IncidentOrganization.objects.filter(incident_id=incident_id).values_list("organization_id", flat=True)
    Acknowledgement.objects.bulk_create(
        [
            Acknowledgement(incident_id=incident_id, organization_id=org_id, tier=tier, window_started_at=now)
            for org_id in invited
        ],
        ignore_conflicts=True,
    )
    Acknowledgement.objects.filter(incident_id=incident_id, acknowledged_at__isnull=True, tier__lt=tier).update(
        tier=tier, window_started_at=now, escalated_at=None, chain_step_announced=0
    )
    # robust: a broker outage must not undo the declaration; the record is already committed, and
    # requeue_lost_tasks queues the alerts later. (A lambda: robust on_commit logs a failure by the
    # callback's __qualname__, which a functools.partial lacks, so a partial would raise after all.)
    transaction.on_commit(lambda: tasks.send_alerts_task.delay(incident_id=incident_id, tier=tier), robust=True)
    alert_webhooks.announce_alerts_opened(incident_id=incident_id, tier=tier)


def _send_each(recipients, *, kind: str, incident_id: int, tier: int, organization_id: int | None = None, build):
    """One delivery per recipient; a transient failure does not hold back the others and is
    raised at the end so the task retries (the recipients already served are skipped).
    A delivery of this round (its keys share the round's prefix) queued by an earlier run for
    someone no longer among the recipients is recorded as skipped, unsent."""
    round_key = partial(delivery_key, kind, incident_id=incident_id, tier=tier, organization_id=organization_id)
    keys = {round_key(user_id=user.pk) for user, _organization in recipients}
    Delivery.objects.filter(
        kind=kind, object_id=incident_id, key__startswith=round_key(), status=DeliveryStatus.QUEUED
    ).exclude(key__in=keys).update(status=DeliveryStatus.SKIPPED, claimed_until=None)
    transient = None
    for user, organization in recipients:
        delivery = deliveries.ensure_delivery(
            key=round_key(user_id=user.pk),
            kind=kind,
            recipient=user,
            to_address=user.email,
            object_id=incident_id,
            period=delivery_period(tier),
        )
        try:
            deliveries.deliver(delivery.pk, partial(build, user=user, organization=organization))
        except deliveries.TransientDeliveryError as error:
            transient = transient or error
    if transient is not None:
        raise transient


def send_alerts(*, incident_id: int, tier: int) -> None:
    """Emails every responder of every invited organisation who has not had this tier's alert."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or not incident.is_open:
        logger.info("Incident %s gone or closed; no alerts sent", incident_id)
        return

    def build(_delivery, *, user, organization):
        return render_alert(
            incident=incident, tier=tier, organization=organization, user=user, window=ack_window_minutes(tier)
        )

    recipients = alert_recipients(incident)
    inbox.alert_opened(incident=incident, tier=tier, recipients=[user for user, _organization in recipients])
    _send_each(recipients, kind=ALERT_KIND, incident_id=incident_id, tier=tier, build=build)


def send_escalation(*, acknowledgement_id: int) -> None:
    """Emails the organisation's admins and the secretariat about an escalated window;
    skipped for anyone not yet served once the organisation has acknowledged."""
    ack = Acknowledgement.objects.select_related("incident", "organization").filter(pk=acknowledgement_id).first()
    if ack is None or ack.escalated_at is None:
        logger.info("Acknowledgement %s gone or not escalated; nothing sent", acknowledgement_id)
        return
    incident = ack.incident

    def build(_delivery, *, user, organization):
        if ack.acknowledged_at is not None:
            return None
        return render_escalation(
            incident=incident,
            tier=ack.tier,
            organization=ack.organization,
            user=user,
            window=ack_window_minutes(ack.tier),
        )

    recipients = escalation_recipients(incident, ack.organization_id)
    if ack.acknowledged_at is None:
        inbox.escalation_reached(
            incident=incident, acknowledgement_id=ack.pk, recipients=[user for user, _none in recipients]
        )
    _send_each(
        recipients,
        kind=ESCALATION_KIND,
        incident_id=incident.pk,
        tier=ack.tier,
        organization_id=ack.organization_id,
        build=build,
    )


# --- Acknowledging ------------------------------------------------------------------------


def acknowledge_alert(*, incident: Incident, organization: Organization, user: User) -> bool:
    """Records the organisation's acknowledgement once: the first responder and time are
    kept, a `system` item is appended to the room and an audit event recorded; a repeat
    changes nothing (False)."""
    now = timezone.now()
    with transaction.atomic():
        alert, _created = Acknowledgement.objects.get_or_create(
            incident=incident, organization=organization, defaults={"tier": incident.tier, "window_started_at": now}
        )
        changed = Acknowledgement.objects.filter(
            incident=incident, organization=organization, acknowledged_at__isnull=True
        ).update(acknowledged_by=user, acknowledged_at=now)
        if not changed:
            return False
        append_item(
            incident_id=incident.pk,
            kind=ItemKind.SYSTEM,
            author=user,
            organization=organization,
            event="alert.acknowledged",
            params={"org": organization.name, "who": user.display_name},
            data={"acknowledged": organization.pk},
            allow_closed=True,
        )
        # The organisation goes in the event's data, not its organisation field, as for every
        # incident event: the log's incident title is the secretariat's to read, whatever the TLP.
        record_incident_audit(
            actor=user, action="alert_acknowledged", incident=incident, acknowledged_for=organization.pk
        )
        alert_webhooks.announce_alert_acknowledged(incident_id=incident.pk, organization_id=organization.pk)
        waited = (now - alert.window_started_at).total_seconds()
        transaction.on_commit(lambda: metrics.alert_acknowledged(tier=alert.tier, seconds=waited))
    return True


def acknowledge_in_room(*, incident: Incident, organization: Organization, user: User) -> bool:
    """The room's "Acknowledge for ...": what the email link does, for a signed-in user, who
    must be one the link could have been sent to (PermissionDenied otherwise)."""
    if not can_acknowledge_for(user, incident, organization):
        raise PermissionDenied(_("Only a responder of an invited organisation acknowledges for it."))
    return acknowledge_alert(incident=incident, organization=organization, user=user)


def acknowledge_as_responder(
    *, incident: Incident, user: User, organization_id: int | None = None
) -> tuple[Organization, bool]:
    """The API's acknowledge (an on-call tool's): what the email link and the room button do, for
    the organisation named, or the only one the user may acknowledge for when none is named.
    PermissionDenied when the user may not acknowledge for it (or for any); ValidationError when
    they may for several and named none. Returns the organisation and whether this call recorded it."""
    memberships = acknowledging_memberships(incident=incident, user_id=user.pk)
    organizations = list(Organization.objects.filter(pk__in=memberships.values("organization_id")).order_by("pk"))
    if organization_id is None and len(organizations) > 1:
        raise ValidationError(
            {"organization": _("You respond for several invited organisations: name the one you acknowledge for.")}
        )
    chosen = next((o for o in organizations if organization_id in (None, o.pk)), None)
    if chosen is None:
        raise PermissionDenied(_("Only a responder of an invited organisation acknowledges for it."))
    return chosen, acknowledge_alert(incident=incident, organization=chosen, user=user)


# --- Escalating ---------------------------------------------------------------------------


def _queue_escalation(acknowledgement_id: int):
    """The after-commit hook for one escalation: a named function, bound now, not to the loop
    variable (and robust on_commit logs a failure by the function's __qualname__, which a
    functools.partial lacks: a broker outage would then fail the sweep instead of being logged)."""
    from .. import tasks

    def queue_escalation():
        tasks.send_escalation_task.delay(acknowledgement_id=acknowledgement_id)

    return queue_escalation


@dataclass
class EscalationBatch:
    escalated: list[int]
    more: bool


def _overdue_q(now) -> Q:
    overdue = Q(pk__in=[])
    for tier, minutes in ack_windows().items():
        overdue |= Q(tier=tier, window_started_at__lte=now - timedelta(minutes=minutes))
    return overdue


def escalate_overdue(*, now=None, limit: int | None = None) -> EscalationBatch:
    """Escalates a capped batch of windows that ran out without an acknowledgement. Each is
    claimed by a conditional update (still unacknowledged and unescalated), so a rerun or a
    concurrent sweep escalates nothing twice; the room item and the emails follow the claim."""
    now = now or timezone.now()
    limit = limit or escalation_batch_size()
    still_invited = IncidentOrganization.objects.filter(
        incident_id=OuterRef("incident_id"), organization_id=OuterRef("organization_id")
    )
    candidates = list(
        Acknowledgement.objects.filter(_overdue_q(now), acknowledged_at__isnull=True, escalated_at__isnull=True)
        .exclude(incident__status=Status.CLOSED)
        .filter(Exists(still_invited))
        # An organisation with an escalation chain follows it instead (services.chains).
        .exclude(Exists(callable_steps().filter(organization_id=OuterRef("organization_id"))))
        .order_by("window_started_at", "pk")
        .values_list("pk", "incident_id", "organization__name", "tier")[:limit]
    )
    escalated = [
        pk
        for pk, incident_id, organization_name, tier in candidates
        if escalate_window(
            acknowledgement_id=pk,
            incident_id=incident_id,
            organization_name=organization_name,
            tier=tier,
            minutes=ack_window_minutes(tier),
            now=now,
        )
    ]
    return EscalationBatch(escalated=escalated, more=len(candidates) == limit)


def escalate_window(
    *, acknowledgement_id: int, incident_id: int, organization_name: str, tier: int, minutes: int, now
) -> bool:
    """Escalates one window to the organisation's admins and the secretariat, once: claimed by a
    conditional update (still unacknowledged and unescalated), then the room item and the emails
    after commit. False when it was acknowledged or escalated meanwhile. Also the end of an
    escalation chain (services.chains), after `minutes` of it."""
    with transaction.atomic():
        claimed = Acknowledgement.objects.filter(
            pk=acknowledgement_id, tier=tier, acknowledged_at__isnull=True, escalated_at__isnull=True
        ).update(escalated_at=now)
        if not claimed:
            return False
        append_item(
            incident_id=incident_id,
            kind=ItemKind.SYSTEM,
            event="alert.escalated",
            params={"org": organization_name, "n": minutes},
            data={"escalated": acknowledgement_id, "tier": tier},
            allow_closed=True,
        )
        transaction.on_commit(_queue_escalation(acknowledgement_id), robust=True)
        alert_webhooks.announce_alert_escalated(acknowledgement_id=acknowledgement_id)
    return True


# --- Lost tasks ----------------------------------------------------------------------------


def requeue_lost_tasks(*, now=None) -> LostTasks:
    """Queues again the alert and escalation tasks that were lost. Safe to repeat: every email
    is a delivery record claimed before sending, so one already sent is never sent again."""
    from .. import tasks

    lost = find_lost_tasks(now=now)
    for incident_id, tier in lost.alert_rounds:
        tasks.send_alerts_task.delay(incident_id=incident_id, tier=tier)
    for acknowledgement_id in lost.escalations:
        tasks.send_escalation_task.delay(acknowledgement_id=acknowledgement_id)
    if lost.alert_rounds or lost.escalations:
        logger.info("Re-queued lost incident alert tasks: %s", lost)
    return lost
