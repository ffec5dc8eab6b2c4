"""Settings for the Celery worker that test_worker.py starts: the production settings on
the test database, consuming a queue of the test's own, with timings shortened so a
killed worker's task comes back in seconds instead of hours."""

import os

from portal.settings import *  # noqa: F403
from portal.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]
# Every task on that one queue: the production routes would send them to the shared queues.
CELERY_TASK_ROUTES: dict = {}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    # Unacknowledged messages of a killed worker come back after 3 s (2 h in production).
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
NOTIFICATIONS_CLAIM_SECONDS = 2
DIGEST_BATCH_SIZE = int(os.environ.get("DIGEST_BATCH_SIZE", "3"))
EMAIL_BACKEND = "tests.notifications.stalling_backend.EmailBackend"
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
SITE_URL = "https://portal.example"
