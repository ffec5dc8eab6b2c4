"""Settings of bench/notify.py's processes: production settings on the bench's database, with
the crisis queue switched off (every task on the bulk queue, as before #12) for the baseline."""

import os

from portal.settings import *  # noqa: F403

DEBUG = False
if os.environ.get("BENCH_ONE_QUEUE"):
    CELERY_TASK_ROUTES: dict = {}
