"""Settings of the worker test_crisis_queue.py starts: the production routing table with the
test's own queue names, on the test database, mailing the test's SMTP sink."""

import os

from portal.settings import *  # noqa: F403
from portal.settings import BULK_TASKS, CRISIS_TASKS

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_BULK_QUEUE"]
CELERY_TASK_ROUTES = {
    **{name: {"queue": os.environ["TEST_CRISIS_QUEUE"]} for name in CRISIS_TASKS},
    **{name: {"queue": os.environ["TEST_BULK_QUEUE"]} for name in BULK_TASKS},
}
SITE_URL = "https://portal.example"
