"""Celery tasks of the registry and its notifications: adapters that take ids and call
one service. Exactly-once sending lives in notifications/deliveries.py; these only
decide when to try again.

Retries: only transient failures (SMTP 4xx, refused or dropped connections, timeouts)
are retried, with exponential backoff and full jitter; a permanent failure is recorded
on the delivery and not retried."""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.utils import timezone

from . import emails
from .notifications import conf, deliveries, digests
from .notifications.deliveries import Outcome, TransientDeliveryError

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 600  # well under the broker's visibility timeout (settings.py)
# A task retried on transient errors gives up here; the delivery's own attempt count
# (NOTIFICATIONS_MAX_ATTEMPTS) usually records the failure first.
MAX_RETRIES = 12


def backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=BACKOFF_BASE_SECONDS, retries=retries, maximum=BACKOFF_MAX_SECONDS, full_jitter=True
    )


def retry_transient(task, error: TransientDeliveryError):
    """A worker queues the retry after the backoff. Run eagerly (the embedded default),
    the returned Retry makes Celery run the task again at once instead of raising into
    the request that queued it; the delivery's attempt count still ends it."""
    logger.info("%s: transient failure, retrying: %s", task.name, error)
    retry = task.retry(exc=error, countdown=backoff(task.request.retries), throw=False)
    if task.request.is_eager:
        return retry
    raise retry


@shared_task(bind=True, name="portal.send_registry_email", max_retries=MAX_RETRIES)
def send_registry_email_task(self, *, kind: str, object_id: int):
    try:
        emails.send_registry_email(kind=kind, object_id=object_id)
    except TransientDeliveryError as error:
        return retry_transient(self, error)
    return None


@shared_task(bind=True, name="portal.send_digest", max_retries=MAX_RETRIES)
def send_digest_task(self, *, delivery_id: int):
    try:
        outcome = digests.send_digest(delivery_id=delivery_id)
    except TransientDeliveryError as error:
        return retry_transient(self, error)
    if outcome == Outcome.BUSY and not self.request.is_eager:
        # Another worker holds the claim (or held it and died): look again once its lease
        # lapses. Eagerly there is nobody to wait for: the sweep picks it up if it stays queued.
        raise self.retry(countdown=deliveries.lease_remaining(delivery_id) + 1)
    return outcome


@shared_task(name="portal.queue_due_digests")
def queue_due_digests_task() -> int:
    """Beat: queue a capped batch of due digests, each its own task; if the batch was full,
    queue the next batch."""
    batch = digests.queue_due_digests(now=timezone.now(), limit=conf.digest_batch_size())
    for delivery_id in batch.delivery_ids:
        send_digest_task.delay(delivery_id=delivery_id)
    if batch.more:
        queue_due_digests_task.delay()
    return len(batch.delivery_ids)


@shared_task(name="portal.requeue_stale_emails")
def requeue_stale_emails_task() -> int:
    """Beat: registry emails whose task was lost (a broker outage, say) are queued again."""
    stale = emails.stale_registry_emails()
    for kind, object_id in stale:
        send_registry_email_task.delay(kind=kind, object_id=object_id)
    return len(stale)


from .notifications import tasks as _notification_tasks  # noqa: E402, F401  (registers the contact-check tasks)
from .webhooks import tasks as _webhook_tasks  # noqa: E402, F401  (registers the webhook tasks)
