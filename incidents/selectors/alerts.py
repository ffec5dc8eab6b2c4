"""Reads of incident alerts: who is alerted, the acknowledgement board, and the alert and
escalation emails whose task was lost (services.alerts.requeue_lost_tasks queues them again)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from portal.contacts.selectors import ChainStep, covering_now, escalation_chains
from portal.models import PARTICIPATING_STANDINGS, Membership, Organization, Role, User
from portal.notifications import conf as notifications_conf
from portal.notifications.models import Delivery, DeliveryStatus
from portal.roles import holding, holding_or_admins

from ..alert_emails import (
    ALERT_KIND,
    ESCALATION_KIND,
    delivery_key_prefix_sql,
    delivery_period_sql,
    parse_delivery_key,
    tier_of_period,
)
from ..models import Acknowledgement, Incident, IncidentOrganization, IncidentRecipient, Status, Tlp
from ..permissions import acknowledging_memberships, incident_audience


def alert_recipients(incident: Incident) -> list[tuple[User, Organization]]:
    """Each active responder of an invited supporter once (its admins where it has no active
    responder; deputies covering a responder now), with the organisation they acknowledge for,
    among those in the incident's audience now (at TLP:RED, the named individuals)."""
    memberships = Membership.objects.filter(
        holding_or_admins(Role.RESPONDER) | covering_now(),
        user__is_active=True,
        organization__standing__in=PARTICIPATING_STANDINGS,
        organization__incident_invitations__incident_id=incident.pk,
        user__in=incident_audience(incident).values("pk"),
    )
    memberships = memberships.select_related("user", "organization").order_by("user_id", "organization__name")
    chosen: dict[int, tuple[User, Organization]] = {}
    for membership in memberships:
        chosen.setdefault(membership.user_id, (membership.user, membership.organization))
    return list(chosen.values())


def escalation_recipients(incident: Incident, organization_id: int) -> list[tuple[User, None]]:
    """The secretariat, and the organisation's admins who are in the incident's audience now: at
    AMBER+STRICT only those who are also its responders, at RED only named ones, and none while
    the organisation is not a supporter (suspended, withdrawn)."""
    admins = Membership.objects.filter(
        holding(Role.ADMIN), organization_id=organization_id, organization__standing__in=PARTICIPATING_STANDINGS
    ).values("user_id")
    candidates = User.objects.filter(Q(is_secretariat=True) | Q(pk__in=admins))
    return [(user, None) for user in incident_audience(incident, candidates).order_by("pk")]


def current_acknowledgement(*, incident: Incident, organization: Organization) -> Acknowledgement | None:
    return (
        Acknowledgement.objects.select_related("acknowledged_by")
        .filter(incident=incident, organization=organization)
        .first()
    )


# --- The board ---


@dataclass(frozen=True)
class BoardRow:
    organization: Organization
    acknowledgement: Acknowledgement | None
    may_acknowledge: bool = False  # the viewer may acknowledge for it, and nobody has yet
    # Whom to call, in order, while it has not acknowledged (with_call_tree only).
    call_tree: list[ChainStep] = field(default_factory=list)


def acknowledgement_board(
    incident: Incident, viewer: User | None = None, *, with_call_tree: bool = False
) -> list[BoardRow]:
    """Every invited organisation, acknowledged or not, in two queries; with a viewer, whether
    they may acknowledge for it (the room's button). `with_call_tree` adds, for each organisation
    that has not acknowledged, its escalation chain with the numbers to call, in two more
    queries: the caller decides who may see the numbers (views: those who may post in the room)."""
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
    invitations = list(invitations.order_by("organization__name"))
    waiting = [
        i.organization_id
        for i in invitations
        if (ack := acks.get(i.organization_id)) is None or ack.acknowledged_at is None
    ]
    chains = escalation_chains(waiting) if with_call_tree and waiting else {}
    rows = []
    for invitation in invitations:
        ack = acks.get(invitation.organization_id)
        acknowledged = ack is not None and ack.acknowledged_at is not None
        rows.append(
            BoardRow(
                organization=invitation.organization,
                acknowledgement=ack,
                may_acknowledge=getattr(invitation, "speaks_for", False) and not acknowledged,
                call_tree=chains.get(invitation.organization_id, []),
            )
        )
    return rows


# --- Lost tasks ---


def lost_after_seconds() -> int:
    """An alert round or delivery nobody has touched for this long lost its task (a broker
    outage at commit, a worker killed): shorter than the shortest acknowledgement window."""
    return int(getattr(settings, "INCIDENT_ALERTS_LOST_AFTER_SECONDS", 120))


LOST_LOOKBACK = timedelta(days=1)  # older rounds are past every window; the sweep leaves them


@dataclass
class LostTasks:
    alert_rounds: list[tuple[int, int]]  # (incident id, tier) for send_alerts
    escalations: list[int]  # acknowledgement ids for send_escalation


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
        (object_id, tier_of_period(period))
        for object_id, period in queued.filter(kind=ALERT_KIND).values_list("object_id", "period")
        if object_id is not None and tier_of_period(period) is not None
    }
    escalation_keys = set()
    for key in queued.filter(kind=ESCALATION_KIND).values_list("key", flat=True):
        parsed = parse_delivery_key(key)
        if parsed is not None and parsed.kind == ESCALATION_KIND:
            escalation_keys.add((parsed.incident_id, parsed.organization_id))

    open_incident = ~Q(incident__status=Status.CLOSED)
    # Only rounds someone would be alerted for, so a round with no responders is not re-queued each minute.
    responders = Membership.objects.filter(
        holding_or_admins(Role.RESPONDER) | covering_now(),
        organization_id=OuterRef("organization_id"),
        organization__standing__in=PARTICIPATING_STANDINGS,
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
        .annotate(period=delivery_period_sql("tier"))
        .filter(
            ~Exists(
                Delivery.objects.filter(kind=ALERT_KIND, object_id=OuterRef("incident_id"), period=OuterRef("period"))
            )
        )
        .values_list("incident_id", "tier")
        .distinct()
    )
    rounds.update(never_alerted)
    escalation_prefix = delivery_key_prefix_sql(
        ESCALATION_KIND, incident_id="incident_id", tier="tier", organization_id="organization_id"
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
