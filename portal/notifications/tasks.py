"""Contact-check tasks (notifications/contact_checks.py): adapters that take ids.
Registered by portal.tasks, which Celery discovers."""

from celery import shared_task
from django.utils import timezone

from ..tasks import MAX_RETRIES, retry_transient
from . import contact_checks, deliveries
from .deliveries import Outcome, TransientDeliveryError


@shared_task(bind=True, name="portal.send_contact_check", max_retries=MAX_RETRIES)
def send_contact_check_task(self, *, delivery_id: int):
    try:
        outcome = contact_checks.send_contact_check(delivery_id=delivery_id)
    except TransientDeliveryError as error:
        return retry_transient(self, error)
    if outcome == Outcome.BUSY and not self.request.is_eager:
        # Held by another worker, or by one that died mid-send: look again once its lease lapses.
        raise self.retry(countdown=deliveries.lease_remaining(delivery_id) + 1)
    return outcome


@shared_task(name="portal.queue_contact_checks")
def queue_contact_checks_task() -> int:
    """Beat, daily: a capped batch of due contact checks, each its own task, plus those whose
    task was lost; a full batch queues the next one."""
    batch = contact_checks.queue_due_contact_checks(now=timezone.now())
    for delivery_id in batch.delivery_ids + contact_checks.stale_contact_check_ids():
        send_contact_check_task.delay(delivery_id=delivery_id)
    if batch.more:
        queue_contact_checks_task.delay()
    return len(batch.delivery_ids)


@shared_task(bind=True, name="portal.send_web_push", max_retries=MAX_RETRIES)
def send_web_push_task(self, *, notification_id: int):
    from .push import TransientPushError, send_push

    try:
        return send_push(notification_id=notification_id)
    except TransientPushError as error:
        if self.request.is_eager:  # the embedded default: a page must not wait out push retries
            return 0
        return retry_transient(self, error)


@shared_task(name="portal.prune_notifications")
def prune_notifications_task() -> int:
    """Beat, daily: one capped batch of expired notifications and dead push subscriptions;
    a full batch queues the next one, so a backlog clears in short transactions."""
    from . import pruning

    now = timezone.now()
    notifications = pruning.prune_notifications(now=now)
    subscriptions = pruning.prune_subscriptions(now=now)
    if notifications.more or subscriptions.more:
        prune_notifications_task.delay()
    return notifications.deleted + subscriptions.deleted
