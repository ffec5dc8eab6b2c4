"""Settings of the worker test_crisis_queue.py starts: the production routing table with the
test's own queue names, on the test database, mailing the test's SMTP sink."""

import os

from portal.queues import task_routes
from portal.settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_BULK_QUEUE"]
CELERY_TASK_ROUTES = task_routes(crisis=os.environ["TEST_CRISIS_QUEUE"], bulk=os.environ["TEST_BULK_QUEUE"])
SITE_URL = "https://portal.example"
