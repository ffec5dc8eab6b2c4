"""Celery tasks of incident alerts: adapters that take ids and call one service in
incidents.services.alerts. Exactly-once sending lives in the delivery records; these decide
when to try again (transient failures only, with backoff)."""

import logging

from celery import shared_task

from portal.notifications.deliveries import TransientDeliveryError
from portal.tasks import MAX_RETRIES, retry_transient

from .services import activation, alerts, chains

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="incidents.send_alerts", max_retries=MAX_RETRIES)
def send_alerts_task(self, *, incident_id: int, tier: int):
    try:
        alerts.send_alerts(incident_id=incident_id, tier=tier)
    except TransientDeliveryError as error:
        return retry_transient(self, error)
    return None


@shared_task(bind=True, name="incidents.send_escalation", max_retries=MAX_RETRIES)
def send_escalation_task(self, *, acknowledgement_id: int):
    try:
        alerts.send_escalation(acknowledgement_id=acknowledgement_id)
    except TransientDeliveryError as error:
        return retry_transient(self, error)
    return None


@shared_task(bind=True, name="incidents.send_chain_step", max_retries=MAX_RETRIES)
def send_chain_step_task(self, *, acknowledgement_id: int, step: int):
    try:
        chains.send_chain_step(acknowledgement_id=acknowledgement_id, step=step)
    except TransientDeliveryError as error:
        return retry_transient(self, error)
    return None


@shared_task(name="incidents.escalate_overdue_acknowledgements")
def escalate_overdue_acknowledgements_task() -> int:
    """Beat, every minute: escalate a capped batch; if it was full, queue the next batch."""
    batch = alerts.escalate_overdue()
    if batch.more:
        escalate_overdue_acknowledgements_task.delay()
    return len(batch.escalated)


@shared_task(name="incidents.advance_escalation_chains")
def advance_escalation_chains_task(*, after: int = 0) -> int:
    """Beat, every minute: advance a capped batch of chains; if it was full, the batch after it
    (windows stay open while their chain runs, so batches go by id, not by what is left)."""
    batch = chains.advance_chains(after=after)
    if batch.next_after is not None:
        advance_escalation_chains_task.delay(after=batch.next_after)
    return len(batch.queued_steps) + len(batch.escalated)


@shared_task(name="incidents.requeue_lost_alerts")
def requeue_lost_alerts_task() -> int:
    """Beat, every minute: alert and escalation tasks lost before they ran (or part-way) are
    queued again; the delivery records keep it to one email per recipient."""
    lost = alerts.requeue_lost_tasks()
    return len(lost.alert_rounds) + len(lost.escalations)


@shared_task(bind=True, name="incidents.send_activation_email", max_retries=MAX_RETRIES)
def send_activation_email_task(self, *, request_id: int, stage: str):
    try:
        return activation.send_activation_emails(request_id=request_id, stage=stage)
    except TransientDeliveryError as error:
        return retry_transient(self, error)
