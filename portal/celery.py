import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

from portal.structured_logs import bind_task, unbind_task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A task's log lines carry its id and name (portal/structured_logs.py).
task_prerun.connect(bind_task, weak=False)
task_postrun.connect(unbind_task, weak=False)

# Every process that queues a task stamps its publication time, read by the metrics page
# to report each queue's oldest task (portal/metrics/queues.py); workers serve their metrics.
from portal.metrics import worker  # noqa: E402, F401
