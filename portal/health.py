"""Readiness checks: each returns None when the part is reachable, or a short reason."""

import logging

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"; reported, not raised
        logger.warning("readyz: database unreachable: %s", exc)
        return type(exc).__name__
    return None


def _ping_redis(url: str) -> str | None:
    import redis

    from .redis_connection import client as redis_client

    try:
        # Through Sentinel, the ping goes to the primary the sentinels name now.
        client = redis_client(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        logger.warning("readyz: redis unreachable: %s", exc)
        return type(exc).__name__
    return None


def check_channel_layer() -> str | None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return "not configured"
    if settings.REDIS_URL:
        return _ping_redis(settings.REDIS_URL)

    # The in-memory layer lives in this process: a send and receive proves it works.
    async def round_trip():
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "readyz"})
        await layer.receive(channel)

    async_to_sync(round_trip)()
    return None


def check_broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None  # tasks run in-process on the embedded default
    # The broker is REDIS_URL's Redis (settings_redis.broker_url spells it kombu's way).
    return _ping_redis(settings.REDIS_URL)


CHECKS = {"database": check_database, "channel_layer": check_channel_layer, "broker": check_broker}


def readiness() -> dict[str, str]:
    """Name → "ok" or the failure reason, for every part."""
    return {name: (check() or "ok") for name, check in CHECKS.items()}
