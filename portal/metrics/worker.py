"""Celery's side of the metrics: the publication stamp on every task message, and a
worker's own metrics port (CELERY_METRICS_PORT), served by its main process for all
the processes of its pool."""

import os

from celery.signals import before_task_publish, worker_init, worker_process_shutdown
from prometheus_client import multiprocess

from .exposition import multiprocess_dir, serve_worker_metrics
from .queues import stamp_published_at

before_task_publish.connect(stamp_published_at, weak=False)


@worker_init.connect(weak=False)
def serve_metrics(**kwargs) -> None:
    port = os.environ.get("CELERY_METRICS_PORT")
    if port:
        serve_worker_metrics(int(port), os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1"))


@worker_process_shutdown.connect(weak=False)
def forget_pool_process(pid=None, **kwargs) -> None:
    path = multiprocess_dir()
    if path:
        multiprocess.mark_process_dead(pid or os.getpid(), path)
