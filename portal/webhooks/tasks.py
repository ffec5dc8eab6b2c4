"""Webhook tasks: adapters that take ids. Only transient failures (network errors, 5xx,
429) are retried, with exponential backoff and full jitter; the delivery's attempt count
(WEBHOOKS_MAX_ATTEMPTS) ends the retries by recording it as failed."""

import logging

from celery import shared_task

from ..notifications.deliveries import TransientDeliveryError
from ..tasks import MAX_RETRIES, backoff
from . import delivery, notify
from .delivery import TransientWebhookError

logger = logging.getLogger(__name__)


def _retry(task, error: Exception):
    logger.info("%s: transient failure, retrying: %s", task.name, error)
    retry = task.retry(exc=error, countdown=backoff(task.request.retries), throw=False)
    if task.request.is_eager:  # eagerly Celery has already run the retry
        return retry
    raise retry


@shared_task(bind=True, name="portal.send_webhook", max_retries=MAX_RETRIES)
def send_webhook_task(self, *, delivery_id: int):
    try:
        outcome = delivery.send_delivery(delivery_id)
    except TransientWebhookError as error:
        return _retry(self, error)
    if outcome == delivery.Outcome.BUSY and not self.request.is_eager:
        # Held by another worker, or by one that died mid-send: look again once its lease lapses.
        raise self.retry(countdown=delivery.lease_remaining(delivery_id) + 1)
    return outcome


@shared_task(bind=True, name="portal.notify_webhook_disabled", max_retries=MAX_RETRIES)
def notify_endpoint_disabled_task(self, *, endpoint_id: int):
    try:
        notify.notify_endpoint_disabled(endpoint_id=endpoint_id)
    except TransientDeliveryError as error:
        return _retry(self, error)
    return None


@shared_task(name="portal.requeue_stale_webhooks")
def requeue_stale_webhooks_task() -> int:
    """Beat: webhook deliveries whose task was lost are queued again (a capped batch)."""
    stale = delivery.stale_delivery_ids()
    for delivery_id in stale:
        send_webhook_task.delay(delivery_id=delivery_id)
    return len(stale)
