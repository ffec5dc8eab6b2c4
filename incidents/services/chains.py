"""Escalation along an organisation's chain (portal.contacts): while an invited organisation has
not acknowledged, each step of its chain is emailed in turn, the next one once the minutes of
the steps before it have passed since its window started; after the last step's minutes the
window is escalated to its admins and the secretariat (alerts.escalate_window). An
organisation without a chain is escalated after its tier's window, as before (alerts.escalate_overdue).

The first step, when a responder, is the alert round's own recipient, so it is not emailed
again. Exactly once per step: each email is a delivery record whose key carries the step
(alert_emails.chain_step_key), claimed before it is sent, so the every-minute sweep, a retry
and a restarted worker all send it once; a step whose record is not finished is queued again
by the next sweep, which is how a lost task is recovered. Who is emailed is decided at sending
time: only a person in the incident's audience then, and nobody once the organisation has
acknowledged.

The organisation's on-call tools hear of each step after the first (the first is the alert
itself, alert.opened) as `alert.escalated` on the same alert, once: a step is claimed by a
conditional update of the window's `chain_step_announced` (announce_chain_steps)."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from portal.contacts.selectors import (
    ChainStep,
    callable_steps,
    deputies_covering,
    escalation_chain,
    escalation_chains,
)
from portal.models import Role, User
from portal.notifications import deliveries
from portal.notifications.models import Delivery
from portal.roles import holds

from .. import alert_webhooks, inbox
from ..alert_emails import CHAIN_STEP_KIND, chain_step_key, delivery_period, render_alert, render_escalation
from ..models import Acknowledgement, IncidentOrganization, Status
from ..permissions import can_acknowledge_for, incident_audience
from .alerts import ack_window_minutes, escalate_window, escalation_batch_size

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledStep:
    number: int  # 1 for the first person
    starts_after: int  # minutes after the window started
    step: ChainStep


def schedule(chain: list[ChainStep]) -> tuple[list[ScheduledStep], int]:
    """When each step is due, and when the chain has run out (the sum of every step's minutes)."""
    scheduled, elapsed = [], 0
    for number, step in enumerate(chain, start=1):
        scheduled.append(ScheduledStep(number=number, starts_after=elapsed, step=step))
        elapsed += step.wait_minutes
    return scheduled, elapsed


def is_alerted_anyway(scheduled: ScheduledStep) -> bool:
    return scheduled.number == 1 and holds(scheduled.step.membership, Role.RESPONDER)


@dataclass
class ChainBatch:
    queued_steps: list[tuple[int, int]]  # (acknowledgement id, step number)
    announced_steps: list[tuple[int, int]]  # to the on-call tools, (acknowledgement id, step number)
    escalated: list[int]
    next_after: int | None  # a full batch: the next one starts after this id


def advance_chains(*, now=None, limit: int | None = None, after: int = 0) -> ChainBatch:
    """The beat's sweep over a capped batch (by id, from `after`) of open windows of
    organisations with a chain: queues each step that is due and not yet finished, and
    escalates the windows whose chain ran out."""
    from .. import tasks

    now = now or timezone.now()
    limit = limit or escalation_batch_size()
    still_invited = IncidentOrganization.objects.filter(
        incident_id=OuterRef("incident_id"), organization_id=OuterRef("organization_id")
    )
    windows = list(
        Acknowledgement.objects.filter(acknowledged_at__isnull=True, escalated_at__isnull=True)
        .exclude(incident__status=Status.CLOSED)
        .filter(Exists(still_invited))
        .filter(Exists(callable_steps().filter(organization_id=OuterRef("organization_id"))))
        .filter(pk__gt=after)
        .select_related("organization")
        .order_by("pk")[:limit]
    )
    chains = escalation_chains({w.organization_id for w in windows})
    finished = set(
        Delivery.objects.filter(
            kind=CHAIN_STEP_KIND,
            object_id__in={w.incident_id for w in windows},
            status__in=deliveries.FINAL_STATUSES,
        ).values_list("key", flat=True)
    )
    batch = ChainBatch(
        queued_steps=[], announced_steps=[], escalated=[], next_after=windows[-1].pk if len(windows) == limit else None
    )
    for window in windows:
        elapsed = now - window.window_started_at
        scheduled, total = schedule(chains.get(window.organization_id, []))
        due = [item for item in scheduled if elapsed >= timedelta(minutes=item.starts_after)]
        if due:
            announced = announce_chain_steps(window=window, reached=due[-1].number)
            batch.announced_steps.extend((window.pk, number) for number in announced)
        for item in due:
            if is_alerted_anyway(item):
                continue
            key = chain_step_key(
                incident_id=window.incident_id,
                organization_id=window.organization_id,
                tier=window.tier,
                step=item.number,
                user_id=item.step.membership.user_id,
            )
            if key not in finished:
                tasks.send_chain_step_task.delay(acknowledgement_id=window.pk, step=item.number)
                batch.queued_steps.append((window.pk, item.number))
        if elapsed >= timedelta(minutes=total) and escalate_window(
            acknowledgement_id=window.pk,
            incident_id=window.incident_id,
            organization_name=window.organization.name,
            tier=window.tier,
            minutes=total,
            now=now,
        ):
            batch.escalated.append(window.pk)
    return batch


def announce_chain_steps(*, window: Acknowledgement, reached: int) -> list[int]:
    """Announces to the organisation's on-call tools each step from the second up to `reached`
    not yet announced, in order, each once: claimed by a conditional update (still this tier,
    unacknowledged, unescalated, not announced), so a rerun or a concurrent sweep announces
    nothing twice. Returns the steps this call announced."""
    announced = []
    for step in range(max(2, window.chain_step_announced + 1), reached + 1):
        with transaction.atomic():
            claimed = Acknowledgement.objects.filter(
                pk=window.pk,
                tier=window.tier,
                acknowledged_at__isnull=True,
                escalated_at__isnull=True,
                chain_step_announced__lt=step,
            ).update(chain_step_announced=step)
            if not claimed:
                continue
            alert_webhooks.announce_alert_escalated(acknowledgement_id=window.pk, step=step)
        announced.append(step)
    return announced


def send_chain_step(*, acknowledgement_id: int, step: int) -> deliveries.Outcome | None:
    """Emails step `step` of the organisation's chain about this window, once, to its person
    and to any deputy covering them now (portal.contacts, #14). Recorded as
    skipped, unsent, when the organisation has acknowledged or the person is not in the
    incident's audience now. Raises deliveries.TransientDeliveryError when it may be retried."""
    window = Acknowledgement.objects.select_related("incident", "organization").filter(pk=acknowledgement_id).first()
    if window is None:
        logger.info("Acknowledgement %s gone; no chain step sent", acknowledgement_id)
        return None
    chain = escalation_chain(window.organization)
    if not 1 <= step <= len(chain):
        logger.info("Step %s of %s's chain is gone; nothing sent", step, window.organization_id)
        return None
    membership = chain[step - 1].membership
    # A responder on leave: the deputies covering them get the step too, each exactly once
    # (the delivery key carries the person), and the step's own person still gets it.
    outcome = _send_step_to(window, step, membership.user)
    for deputy in deputies_covering(membership):
        _send_step_to(window, step, deputy)
    return outcome


def _send_step_to(window: Acknowledgement, step: int, user) -> deliveries.Outcome:
    incident = window.incident
    key = chain_step_key(
        incident_id=incident.pk, organization_id=window.organization_id, tier=window.tier, step=step, user_id=user.pk
    )
    delivery = deliveries.ensure_delivery(
        key=key,
        kind=CHAIN_STEP_KIND,
        recipient=user,
        to_address=user.email,
        object_id=incident.pk,
        period=delivery_period(window.tier),
    )

    def build(_delivery):
        current = Acknowledgement.objects.filter(pk=window.pk).values_list("acknowledged_at", flat=True).first()
        if current is not None or not incident.is_open:
            return None
        if not incident_audience(incident, User.objects.filter(pk=user.pk)).exists():
            return None
        # In the notification centre too: its key carries the step, so once whatever reruns.
        inbox.chain_step_reached(incident=incident, acknowledgement_id=window.pk, step=step, user=user)
        minutes = ack_window_minutes(window.tier)
        # A responder gets the alert with its acknowledge link; an admin, who cannot acknowledge, the escalation.
        render = render_alert if can_acknowledge_for(user, incident, window.organization) else render_escalation
        return render(incident=incident, tier=window.tier, organization=window.organization, user=user, window=minutes)

    return deliveries.deliver(delivery.pk, build)
