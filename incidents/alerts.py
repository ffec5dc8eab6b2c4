"""Incident alerts: every responder of every invited organisation is emailed when an
incident is declared (and again when it is escalated to a higher tier); each
organisation acknowledges once, through a signed link; an organisation that has not
acknowledged within its tier's window is escalated to its admins and the secretariat.

Exactly once: every email is a delivery record keyed by (incident, tier, recipient)
(portal.notifications.deliveries), and an escalation is claimed by a conditional
update on its acknowledgement row, so a rerun of any task sends and records nothing twice.
Callers authorise: the signed token is the responder's credential for acknowledging.

Who gets an email is decided when it is sent, inside the task: only people in the incident's
audience then (permissions.incident_audience), and a signed link works only while its responder
still may acknowledge. At AMBER+STRICT and RED an email carries the incident's number and links
that need signing in, never its title or summary (permissions.shares_content)."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from portal.emails import language_for
from portal.models import Membership, Organization, Role, User
from portal.notifications import conf as notifications_conf
from portal.notifications import deliveries
from portal.notifications.models import Delivery, DeliveryStatus

from .models import Acknowledgement, Incident, IncidentOrganization, IncidentRecipient, ItemKind, Status, Tlp
from .permissions import (
    PARTICIPANT_STANDINGS,
    acknowledging_memberships,
    can_acknowledge_for,
    incident_audience,
    shares_content,
)

logger = logging.getLogger(__name__)

ACKNOWLEDGE_SALT = "incidents.alerts.acknowledge"
ACKNOWLEDGE_MAX_AGE = 7 * 24 * 60 * 60
ALERT_KIND = "incident_alert"
ESCALATION_KIND = "incident_escalation"
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
    from . import tasks

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
        tier=tier, window_started_at=now, escalated_at=None
    )
    # robust: a broker outage must not undo the declaration; the record is already committed, and
    # requeue_lost_tasks queues the alerts later. (A lambda: robust on_commit logs a failure by the
    # callback's __qualname__, which a functools.partial lacks, so a partial would raise after all.)
    transaction.on_commit(lambda: tasks.send_alerts_task.delay(incident_id=incident_id, tier=tier), robust=True)


# --- Emails -----------------------------------------------------------------------------


def _site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def _render(*, template: str, context: dict, to: str, language: str) -> EmailMultiAlternatives:
    context = {**context, "site_url": _site_url()}
    with translation.override(language):
        subject = " ".join(render_to_string(f"incidents/email/{template}_subject.txt", context).split())
        body = render_to_string(f"incidents/email/{template}_body.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def acknowledge_token(*, incident_id: int, organization_id: int, user_id: int) -> str:
    return signing.dumps({"i": incident_id, "o": organization_id, "u": user_id}, salt=ACKNOWLEDGE_SALT)


def acknowledge_url(*, incident_id: int, organization_id: int, user_id: int) -> str:
    token = acknowledge_token(incident_id=incident_id, organization_id=organization_id, user_id=user_id)
    return _site_url() + reverse("incidents:acknowledge", args=[token])


def _incident_url(incident_id: int) -> str:
    return _site_url() + reverse("incidents:detail", args=[incident_id])


def _incident_link(incident: Incident) -> str:
    """The incident page; where the email withholds the content, through the sign-in page,
    since the incident page answers a visitor who is not signed in as if it did not exist."""
    if shares_content(incident):
        return _incident_url(incident.pk)
    next_path = reverse("incidents:detail", args=[incident.pk])
    return _site_url() + reverse("account_login") + "?" + urlencode({REDIRECT_FIELD_NAME: next_path})


def _send_each(recipients, *, key_for, key_prefix: str, kind: str, incident_id: int, period: str, build) -> None:
    """One delivery per recipient; a transient failure does not hold back the others and is
    raised at the end so the task retries (the recipients already served are skipped).
    A delivery of this round (its keys start with key_prefix) queued by an earlier run for
    someone no longer among the recipients is recorded as skipped, unsent."""
    keys = {key_for(user) for user, _organization in recipients}
    Delivery.objects.filter(
        kind=kind, object_id=incident_id, key__startswith=key_prefix, status=DeliveryStatus.QUEUED
    ).exclude(key__in=keys).update(status=DeliveryStatus.SKIPPED, claimed_until=None)
    transient = None
    for user, organization in recipients:
        delivery = deliveries.ensure_delivery(
            key=key_for(user), kind=kind, recipient=user, to_address=user.email, object_id=incident_id, period=period
        )
        try:
            deliveries.deliver(delivery.pk, partial(build, user=user, organization=organization))
        except deliveries.TransientDeliveryError as error:
            transient = transient or error
    if transient is not None:
        raise transient


def alert_recipients(incident: Incident) -> list[tuple[User, Organization]]:
    """Each active responder of an invited supporter once, with the organisation they acknowledge
    for, among those in the incident's audience now (at TLP:RED, the named individuals)."""
    memberships = Membership.objects.filter(
        role=Role.RESPONDER,
        user__is_active=True,
        organization__standing__in=PARTICIPANT_STANDINGS,
        organization__incident_invitations__incident_id=incident.pk,
        user__in=incident_audience(incident).values("pk"),
    )
    memberships = memberships.select_related("user", "organization").order_by("user_id", "organization__name")
    chosen: dict[int, tuple[User, Organization]] = {}
    for membership in memberships:
        chosen.setdefault(membership.user_id, (membership.user, membership.organization))
    return list(chosen.values())


def send_alerts(*, incident_id: int, tier: int) -> None:
    """Emails every responder of every invited organisation who has not had this tier's alert."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or not incident.is_open:
        logger.info("Incident %s gone or closed; no alerts sent", incident_id)
        return

    def build(_delivery, *, user, organization):
        context = {
            "incident": incident,
            "withheld": not shares_content(incident),
            "tier": tier,
            "organization": organization,
            "window": ack_window_minutes(tier),
            "incident_url": _incident_link(incident),
            "acknowledge_url": acknowledge_url(
                incident_id=incident_id, organization_id=organization.pk, user_id=user.pk
            ),
        }
        return _render(template="alert", context=context, to=user.email, language=language_for(user))

    _send_each(
        alert_recipients(incident),
        key_for=lambda user: f"{ALERT_KIND}:{incident_id}:{tier}:{user.pk}",
        key_prefix=f"{ALERT_KIND}:{incident_id}:{tier}:",
        kind=ALERT_KIND,
        incident_id=incident_id,
        period=f"tier{tier}",
        build=build,
    )


def escalation_recipients(incident: Incident, organization_id: int) -> list[tuple[User, None]]:
    """The secretariat, and the organisation's admins who are in the incident's audience now: at
    AMBER+STRICT only those who are also its responders, at RED only named ones, and none while
    the organisation is not a supporter (suspended, withdrawn)."""
    admins = Membership.objects.filter(
        organization_id=organization_id, organization__standing__in=PARTICIPANT_STANDINGS, role=Role.ADMIN
    ).values("user_id")
    candidates = User.objects.filter(Q(is_secretariat=True) | Q(pk__in=admins))
    return [(user, None) for user in incident_audience(incident, candidates).order_by("pk")]


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
        context = {
            "incident": incident,
            "withheld": not shares_content(incident),
            "tier": ack.tier,
            "organization": ack.organization,
            "window": ack_window_minutes(ack.tier),
            "incident_url": _incident_link(incident),
        }
        return _render(template="escalation", context=context, to=user.email, language=language_for(user))

    _send_each(
        escalation_recipients(incident, ack.organization_id),
        key_for=lambda user: f"{ESCALATION_KIND}:{incident.pk}:{ack.organization_id}:{ack.tier}:{user.pk}",
        key_prefix=f"{ESCALATION_KIND}:{incident.pk}:{ack.organization_id}:{ack.tier}:",
        kind=ESCALATION_KIND,
        incident_id=incident.pk,
        period=f"tier{ack.tier}",
        build=build,
    )


# --- Acknowledging ------------------------------------------------------------------------


@dataclass(frozen=True)
class AcknowledgeClaim:
    incident: Incident
    organization: Organization
    user: User


def read_acknowledge_token(token: str) -> AcknowledgeClaim | None:
    """What a signed link stands for, checked now, each time it is used: None when it is
    tampered or expired, or its responder may no longer acknowledge for that organisation
    (can_acknowledge_for: no longer active, a responder, invited, or in the incident's
    audience, after a TLP raise say). None says nothing about the incident."""
    try:
        data = signing.loads(token, salt=ACKNOWLEDGE_SALT, max_age=ACKNOWLEDGE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("i", "o", "u")):
        return None
    incident = Incident.objects.filter(pk=data["i"]).first()
    if incident is None:
        return None
    membership = (
        acknowledging_memberships(incident=incident, user_id=data["u"])
        .filter(organization_id=data["o"])
        .select_related("user", "organization")
        .first()
    )
    if membership is None:
        return None
    return AcknowledgeClaim(incident=incident, organization=membership.organization, user=membership.user)


def acknowledge_alert(*, incident: Incident, organization: Organization, user: User) -> bool:
    """Records the organisation's acknowledgement once: the first responder and time are
    kept, a `system` item is appended to the room and an audit event recorded; a repeat
    changes nothing (False)."""
    from .services.core import _append, _audit

    now = timezone.now()
    with transaction.atomic():
        Acknowledgement.objects.get_or_create(
            incident=incident, organization=organization, defaults={"tier": incident.tier, "window_started_at": now}
        )
        changed = Acknowledgement.objects.filter(
            incident=incident, organization=organization, acknowledged_at__isnull=True
        ).update(acknowledged_by=user, acknowledged_at=now)
        if not changed:
            return False
        _append(
            incident_id=incident.pk,
            kind=ItemKind.SYSTEM,
            author=user,
            organization=organization,
            body=_("%(org)s acknowledged the alert (%(who)s).") % {"org": organization.name, "who": user.display_name},
            data={"acknowledged": organization.pk},
            allow_closed=True,
        )
        # The organisation goes in the event's data, not its organisation field, as for every
        # incident event: the log's incident title is the secretariat's to read, whatever the TLP.
        _audit(actor=user, action="alert_acknowledged", incident=incident, acknowledged_for=organization.pk)
    return True


def acknowledge_in_room(*, incident: Incident, organization: Organization, user: User) -> bool:
    """The room's "Acknowledge for ...": what the email link does, for a signed-in user, who
    must be one the link could have been sent to (PermissionDenied otherwise)."""
    if not can_acknowledge_for(user, incident, organization):
        raise PermissionDenied(_("Only a responder of an invited organisation acknowledges for it."))
    return acknowledge_alert(incident=incident, organization=organization, user=user)


def current_acknowledgement(*, incident: Incident, organization: Organization) -> Acknowledgement | None:
    return (
        Acknowledgement.objects.select_related("acknowledged_by")
        .filter(incident=incident, organization=organization)
        .first()
    )


# --- Escalating ---------------------------------------------------------------------------


def _queue_escalation(acknowledgement_id: int):
    """The after-commit hook for one escalation: a named function, bound now, not to the loop
    variable (and robust on_commit logs a failure by the function's __qualname__, which a
    functools.partial lacks: a broker outage would then fail the sweep instead of being logged)."""
    from . import tasks

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
    from .services.core import _append

    now = now or timezone.now()
    limit = limit or escalation_batch_size()
    still_invited = IncidentOrganization.objects.filter(
        incident_id=OuterRef("incident_id"), organization_id=OuterRef("organization_id")
    )
    candidates = list(
        Acknowledgement.objects.filter(_overdue_q(now), acknowledged_at__isnull=True, escalated_at__isnull=True)
        .exclude(incident__status=Status.CLOSED)
        .filter(Exists(still_invited))
        .order_by("window_started_at", "pk")
        .values_list("pk", "incident_id", "organization__name", "tier")[:limit]
    )
    escalated = []
    for pk, incident_id, organization_name, tier in candidates:
        with transaction.atomic():
            claimed = Acknowledgement.objects.filter(
                pk=pk, tier=tier, acknowledged_at__isnull=True, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            _append(
                incident_id=incident_id,
                kind=ItemKind.SYSTEM,
                body=_(
                    "%(org)s has not acknowledged within %(n)d minutes: its admins and the secretariat were alerted."
                )
                % {"org": organization_name, "n": ack_window_minutes(tier)},
                data={"escalated": pk, "tier": tier},
                allow_closed=True,
            )
            transaction.on_commit(_queue_escalation(pk), robust=True)
        escalated.append(pk)
    return EscalationBatch(escalated=escalated, more=len(candidates) == limit)


# --- Lost tasks ----------------------------------------------------------------------------


def lost_after_seconds() -> int:
    """An alert round or delivery nobody has touched for this long lost its task (a broker
    outage at commit, a worker killed): shorter than the shortest acknowledgement window."""
    return int(getattr(settings, "INCIDENT_ALERTS_LOST_AFTER_SECONDS", 120))


LOST_LOOKBACK = timedelta(days=1)  # older rounds are past every window; the sweep leaves them


@dataclass
class LostTasks:
    alert_rounds: list[tuple[int, int]]  # (incident id, tier) for send_alerts
    escalations: list[int]  # acknowledgement ids for send_escalation


def _period_of(tier_field: str):
    return Concat(Value("tier"), Cast(tier_field, CharField()))


def find_lost_tasks(*, now=None) -> LostTasks:
    """Alert and escalation emails whose task was lost: deliveries still queued and unclaimed
    after lost_after_seconds(), and rounds (or escalations) of open incidents that never got a
    delivery at all because their task never ran."""
    now = now or timezone.now()
    lost_before = now - timedelta(seconds=lost_after_seconds())
    since = now - LOST_LOOKBACK
    notifications_stale = timedelta(seconds=notifications_conf.stale_after_seconds())
    # Never tried, or claimed by a worker that died: lost. Released after a transient failure:
    # its task retries with backoff, so only the generic stale age counts it lost.
    queued = Delivery.objects.filter(
        Q(attempts=0, claimed_until__isnull=True)
        | Q(claimed_until__lte=now)
        | Q(claimed_until__isnull=True, created_at__lte=now - notifications_stale),
        status=DeliveryStatus.QUEUED,
        created_at__lte=lost_before,
        created_at__gte=since,
    )
    rounds = {
        (object_id, int(period.removeprefix("tier")))
        for object_id, period in queued.filter(kind=ALERT_KIND).values_list("object_id", "period")
        if object_id is not None and period.removeprefix("tier").isdigit()
    }
    escalation_keys = set()
    for key in queued.filter(kind=ESCALATION_KIND).values_list("key", flat=True):
        parts = key.split(":")  # incident_escalation:<incident>:<organisation>:<tier>:<user>
        if len(parts) == 5 and parts[1].isdigit() and parts[2].isdigit():
            escalation_keys.add((int(parts[1]), int(parts[2])))

    open_incident = ~Q(incident__status=Status.CLOSED)
    # Only rounds someone would be alerted for, so a round with no responders is not re-queued each minute.
    responders = Membership.objects.filter(
        organization_id=OuterRef("organization_id"),
        organization__standing__in=PARTICIPANT_STANDINGS,
        role=Role.RESPONDER,
        user__is_active=True,
    )
    named = IncidentRecipient.objects.filter(incident_id=OuterRef(OuterRef("incident_id")), user_id=OuterRef("user_id"))
    named_responders = responders.filter(Exists(named))
    has_recipients = (~Q(incident__tlp=Tlp.RED) & Exists(responders)) | (
        Q(incident__tlp=Tlp.RED) & Exists(named_responders)
    )
    never_alerted = (
        Acknowledgement.objects.filter(
            open_incident,
            has_recipients,
            acknowledged_at__isnull=True,
            window_started_at__lte=lost_before,
            window_started_at__gte=since,
        )
        .annotate(period=_period_of("tier"))
        .filter(
            ~Exists(
                Delivery.objects.filter(kind=ALERT_KIND, object_id=OuterRef("incident_id"), period=OuterRef("period"))
            )
        )
        .values_list("incident_id", "tier")
        .distinct()
    )
    rounds.update(never_alerted)
    escalation_prefix = Concat(
        Value(f"{ESCALATION_KIND}:"),
        Cast("incident_id", CharField()),
        Value(":"),
        Cast("organization_id", CharField()),
        Value(":"),
        Cast("tier", CharField()),
        Value(":"),
    )
    escalated = Acknowledgement.objects.filter(open_incident, escalated_at__isnull=False)
    never_escalated = (
        escalated.filter(escalated_at__lte=lost_before, escalated_at__gte=since, acknowledged_at__isnull=True)
        .annotate(prefix=escalation_prefix)
        .filter(~Exists(Delivery.objects.filter(kind=ESCALATION_KIND, key__startswith=OuterRef("prefix"))))
        .values_list("pk", flat=True)
    )
    escalation_ids = set(never_escalated)
    if escalation_keys:
        pairs = Q(pk__in=[])
        for incident_id, organization_id in escalation_keys:
            pairs |= Q(incident_id=incident_id, organization_id=organization_id)
        escalation_ids.update(escalated.filter(pairs).values_list("pk", flat=True))
    return LostTasks(alert_rounds=sorted(rounds), escalations=sorted(escalation_ids))


def requeue_lost_tasks(*, now=None) -> LostTasks:
    """Queues again the alert and escalation tasks that were lost. Safe to repeat: every email
    is a delivery record claimed before sending, so one already sent is never sent again."""
    from . import tasks

    lost = find_lost_tasks(now=now)
    for incident_id, tier in lost.alert_rounds:
        tasks.send_alerts_task.delay(incident_id=incident_id, tier=tier)
    for acknowledgement_id in lost.escalations:
        tasks.send_escalation_task.delay(acknowledgement_id=acknowledgement_id)
    if lost.alert_rounds or lost.escalations:
        logger.info("Re-queued lost incident alert tasks: %s", lost)
    return lost


# --- The board ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    organization: Organization
    acknowledgement: Acknowledgement | None
    may_acknowledge: bool = False  # the viewer may acknowledge for it, and nobody has yet


def acknowledgement_board(incident: Incident, viewer: User | None = None) -> list[BoardRow]:
    """Every invited organisation, acknowledged or not, in two queries; with a viewer, whether
    they may acknowledge for it (the room's button)."""
    invitations = IncidentOrganization.objects.filter(incident=incident).select_related("organization")
    if viewer is not None and viewer.is_authenticated:
        speaks_for = acknowledging_memberships(incident=incident, user_id=viewer.pk)
        invitations = invitations.annotate(
            speaks_for=Exists(speaks_for.filter(organization_id=OuterRef("organization_id")))
        )
    acks = {
        ack.organization_id: ack
        for ack in Acknowledgement.objects.filter(incident=incident).select_related("acknowledged_by")
    }
    rows = []
    for invitation in invitations.order_by("organization__name"):
        ack = acks.get(invitation.organization_id)
        acknowledged = ack is not None and ack.acknowledged_at is not None
        rows.append(
            BoardRow(
                organization=invitation.organization,
                acknowledgement=ack,
                may_acknowledge=getattr(invitation, "speaks_for", False) and not acknowledged,
            )
        )
    return rows
