"""The configured stack is the one the environment asks for."""

import os

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_database_matches_environment():
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert connection.vendor == "postgresql"
    else:
        assert connection.vendor == "sqlite"


def test_channel_layer_matches_environment():
    layer = get_channel_layer()
    if os.environ.get("REDIS_URL"):
        assert type(layer).__module__.startswith("channels_redis")
        assert settings.CELERY_BROKER_URL.startswith(("redis://", "sentinel://"))  # one Redis, or Sentinel
        assert not settings.CELERY_TASK_ALWAYS_EAGER
    else:
        assert type(layer).__name__ == "InMemoryChannelLayer"
        assert settings.CELERY_TASK_ALWAYS_EAGER


async def test_channel_layer_round_trip():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("stack-check", channel)
    await layer.group_send("stack-check", {"type": "ping", "n": 1})
    message = await layer.receive(channel)
    await layer.group_discard("stack-check", channel)
    assert message == {"type": "ping", "n": 1}
