"""Celery tasks of the commitments app: adapters that take ids and call one service
(commitments.reminders, commitments.notifications). Exactly-once sending lives in the
delivery records; these decide when to try again (transient failures only, with backoff)."""

from celery import shared_task

from portal.notifications.deliveries import Outcome, TransientDeliveryError
from portal.tasks import MAX_RETRIES, retry_transient

from . import notifications, reminders


@shared_task(bind=True, name="commitments.send_reporting_reminder", max_retries=MAX_RETRIES)
def send_reporting_reminder_task(self, *, delivery_id: int):
    try:
        return reminders.send_reporting_reminder(delivery_id=delivery_id)
    except TransientDeliveryError as error:
        return retry_transient(self, error)


@shared_task(name="commitments.queue_reporting_reminders")
def queue_reporting_reminders_task() -> int:
    """Beat: queue a capped batch of due reminders, each its own task; if the batch was full,
    queue the next batch."""
    batch = reminders.queue_reporting_reminders()
    for delivery_id in batch.delivery_ids:
        send_reporting_reminder_task.delay(delivery_id=delivery_id)
    if batch.more:
        queue_reporting_reminders_task.delay()
    return len(batch.delivery_ids)


@shared_task(bind=True, name="commitments.send_review_outcome", max_retries=MAX_RETRIES)
def send_review_outcome_task(self, *, update_id: int, version: int):
    try:
        outcome = notifications.send_review_outcome(update_id=update_id, version=version)
    except TransientDeliveryError as error:
        return retry_transient(self, error)
    if outcome == Outcome.BUSY and not self.request.is_eager:
        # Held by another worker, or by one that died mid-send: look again once its lease lapses.
        raise self.retry(countdown=notifications.lease_remaining(update_id=update_id, version=version) + 1)
    return outcome


@shared_task(name="commitments.requeue_lost_review_outcomes")
def requeue_lost_review_outcomes_task() -> int:
    """Beat: review-outcome emails whose task was lost (a broker outage at commit) are queued again."""
    lost = notifications.lost_review_outcomes()
    for update_id, version in lost:
        send_review_outcome_task.delay(update_id=update_id, version=version)
    return len(lost)
