"""Celery's queues as seen from Redis, read when the metrics page is scraped.

Kombu's Redis transport keeps a queue as a list: new messages are pushed on the left,
workers take from the right, so the right end is the oldest waiting message. Every task
message carries the time it was published (`published_at`, stamped by
`stamp_published_at` below, connected in portal/celery.py), so the oldest one's age is
one LINDEX away. Two commands per queue per scrape; nothing on a task's path but the stamp."""

import json
import logging
import time

import redis
from celery import current_app
from django.conf import settings
from kombu.exceptions import OperationalError
from prometheus_client.core import GaugeMetricFamily

from portal.queues import BULK_QUEUE, CRISIS_QUEUE

logger = logging.getLogger(__name__)

QUEUES = (CRISIS_QUEUE, BULK_QUEUE)
TIMEOUT_SECONDS = 1
PUBLISHED_AT = "published_at"


def stamp_published_at(headers=None, **kwargs) -> None:
    """before_task_publish: the time a message was queued, read back by the collector.
    Set on every publish, a retry's included, so the age is the wait of this attempt."""
    if headers is not None:
        headers[PUBLISHED_AT] = time.time()


def _published_at(raw: bytes | None) -> float | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw).get("headers", {}).get(PUBLISHED_AT)
    except (ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


class CeleryQueueCollector:
    """callportal_celery_queue_length / _oldest_task_age_seconds per queue, and
    callportal_celery_broker_up (0 when Redis did not answer within a second)."""

    def collect(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return  # the embedded default runs tasks in-process: no queue to measure
        length = GaugeMetricFamily(
            "callportal_celery_queue_length",
            "Tasks waiting in a Celery queue (not yet taken by a worker).",
            labels=["queue"],
        )
        age = GaugeMetricFamily(
            "callportal_celery_queue_oldest_task_age_seconds",
            "How long the oldest waiting task of a queue has waited (0 when the queue is empty).",
            labels=["queue"],
        )
        up = GaugeMetricFamily("callportal_celery_broker_up", "1 if the broker answered this scrape, else 0.")
        try:
            readings = self._read()
        except (redis.RedisError, OperationalError, OSError) as error:
            logger.warning("metrics: the broker did not answer: %s", error)
            up.add_metric([], 0)
            yield up
            return
        now = time.time()
        for queue, (count, published_at) in readings.items():
            length.add_metric([queue], count)
            age.add_metric([queue], max(0.0, now - published_at) if count and published_at else 0.0)
        up.add_metric([], 1)
        yield from (length, age, up)

    def _read(self) -> dict[str, tuple[int, float | None]]:
        # Through Celery's own connection, so whatever broker URL it has (Sentinel too) is read.
        options = {**current_app.conf.broker_transport_options, "socket_timeout": TIMEOUT_SECONDS}
        options["socket_connect_timeout"] = TIMEOUT_SECONDS
        with current_app.connection_for_read(transport_options=options, connect_timeout=TIMEOUT_SECONDS) as conn:
            pipe = conn.default_channel.client.pipeline(transaction=False)
            for queue in QUEUES:
                pipe.llen(queue)
                pipe.lindex(queue, -1)
            answers = pipe.execute()
        return {queue: (answers[2 * i], _published_at(answers[2 * i + 1])) for i, queue in enumerate(QUEUES)}
