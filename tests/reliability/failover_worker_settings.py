"""Settings of the worker the Sentinel drill starts: production settings (its broker found
through the sentinels named by REDIS_SENTINELS), on the test database, mailing the drill's
SMTP sink, with a lost task's claim, redelivery and sweep shortened from minutes to seconds."""

from portal.settings import *  # noqa: F403
from portal.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # master_name and sentinel_kwargs stay
    "visibility_timeout": 10,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
NOTIFICATIONS_CLAIM_SECONDS = 5
# A queued digest untouched this long lost its task; longer than the queue takes to drain here.
NOTIFICATIONS_STALE_AFTER_SECONDS = 10
# Small batches: the digests reach the queue a few at a time, as a long run's do.
DIGEST_BATCH_SIZE = 5
SITE_URL = "https://portal.example"
