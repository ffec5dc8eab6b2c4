"""Redis Sentinel settings (portal/settings_redis.py, portal/redis_connection.py): both forms,
what each Redis user is given, and a clear refusal of malformed values at start-up."""

import os
import subprocess
import sys

import pytest
from channels_redis.utils import create_pool
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from kombu import Connection
from redis.asyncio.sentinel import SentinelConnectionPool as AsyncSentinelConnectionPool
from redis.sentinel import SentinelConnectionPool

from portal import health, settings_redis
from portal.cache import TolerantRedisCache
from portal.redis_connection import RedisSettingError, SentinelTarget, parse_sentinel_url

SENTINELS = "10.0.0.1:26379,10.0.0.2:26380,10.0.0.3:26381"
URL = f"redis+sentinel://{SENTINELS}/mymaster/4"


def from_env(**environ) -> str:
    return settings_redis.redis_url_from_env(environ)


# --- the two forms ---


def test_no_redis_and_a_plain_url_are_left_as_they_are():
    assert from_env() == ""
    assert from_env(REDIS_URL="redis://127.0.0.1:6379/9") == "redis://127.0.0.1:6379/9"


def test_a_sentinel_url_names_its_sentinels_master_and_database():
    target = parse_sentinel_url(URL)
    assert target == SentinelTarget(
        sentinels=(("10.0.0.1", 26379), ("10.0.0.2", 26380), ("10.0.0.3", 26381)), master_name="mymaster", db=4
    )
    assert from_env(REDIS_URL=URL) == URL


def test_the_database_defaults_to_zero_and_passwords_are_read_decoded():
    target = parse_sentinel_url("redis+sentinel://:p%40ss@[::1]:26379/mymaster?sentinel_password=s%3Bcret")
    assert target.sentinels == (("::1", 26379),)
    assert (target.db, target.password, target.sentinel_password) == (0, "p@ss", "s;cret")
    assert parse_sentinel_url(target.url) == target  # the canonical URL reads back the same


def test_the_variables_become_the_same_url():
    url = from_env(REDIS_SENTINELS=SENTINELS, REDIS_SENTINEL_MASTER="mymaster", REDIS_SENTINEL_DB="4")
    assert url == URL
    with_passwords = from_env(
        REDIS_SENTINELS="sentinel-a:26379, sentinel-b:26379",
        REDIS_SENTINEL_MASTER="mymaster",
        REDIS_SENTINEL_PASSWORD="sentinel secret",
        REDIS_PASSWORD="data secret",
    )
    target = parse_sentinel_url(with_passwords)
    assert target.sentinels == (("sentinel-a", 26379), ("sentinel-b", 26379))
    assert (target.db, target.password, target.sentinel_password) == (0, "data secret", "sentinel secret")


# --- what each user of Redis is given ---


def test_the_channel_layer_gets_sentinels_and_keeps_its_options():
    host = settings_redis.channel_layer_host(URL, max_connections=1000, socket_timeout=30)
    assert host["sentinels"] == [("10.0.0.1", 26379), ("10.0.0.2", 26380), ("10.0.0.3", 26381)]
    assert (host["master_name"], host["db"], host["max_connections"], host["socket_timeout"]) == (
        "mymaster",
        4,
        1000,
        30,
    )
    pool = create_pool(host)  # what channels_redis does with it; nothing connects yet
    assert isinstance(pool, AsyncSentinelConnectionPool)
    assert pool.service_name == "mymaster"
    assert pool.max_connections == 1000
    assert pool.connection_kwargs["db"] == 4 and pool.connection_kwargs["socket_timeout"] == 30
    assert [
        (s.connection_pool.connection_kwargs["host"], s.connection_pool.connection_kwargs["port"])
        for s in (pool.sentinel_manager.sentinels)
    ] == host["sentinels"]


def test_a_plain_url_gives_the_layer_an_address():
    assert settings_redis.channel_layer_host("redis://r:6379/1", socket_timeout=30) == {
        "address": "redis://r:6379/1",
        "socket_timeout": 30,
    }


def test_the_cache_asks_the_sentinels_for_its_pool():
    options = {"socket_connect_timeout": 1, "socket_timeout": 1, **settings_redis.cache_options(URL)}
    cache = TolerantRedisCache([URL], {"OPTIONS": options})
    pool = cache._cache._get_connection_pool(write=True)
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "mymaster"
    assert pool.connection_kwargs["db"] == 4 and pool.connection_kwargs["socket_timeout"] == 1
    assert settings_redis.cache_options("redis://r:6379/1") == {}


def test_celery_gets_kombus_sentinel_transport_with_the_master_name():
    broker = settings_redis.broker_url(URL)
    options = settings_redis.broker_transport_options(URL)
    assert broker == "sentinel://10.0.0.1:26379/4;sentinel://10.0.0.2:26380/4;sentinel://10.0.0.3:26381/4"
    assert options["master_name"] == "mymaster"
    connection = Connection(broker, transport_options=options)
    assert connection.transport_cls == "sentinel"
    assert len(connection.alt) == 3 and connection.virtual_host == "4"
    assert settings_redis.broker_url("redis://r:6379/1") == "redis://r:6379/1"
    assert settings_redis.broker_transport_options("redis://r:6379/1") == {}


def test_the_broker_keeps_the_data_password():
    url = from_env(REDIS_SENTINELS="s1:26379", REDIS_SENTINEL_MASTER="m", REDIS_PASSWORD="p@ss;word")
    assert settings_redis.broker_url(url) == "sentinel://:p%40ss%3Bword@s1:26379/0"
    assert Connection(settings_redis.broker_url(url)).password == "p@ss;word"


def test_readiness_through_sentinels_that_do_not_answer_reports_redis_down():
    # Nothing listens on port 1: each sentinel refuses at once, no primary is found.
    assert health._ping_redis("redis+sentinel://127.0.0.1:1/mymaster/0") == "MasterNotFoundError"


# --- malformed values ---


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"REDIS_SENTINELS": SENTINELS}, "REDIS_SENTINELS needs REDIS_SENTINEL_MASTER"),
        ({"REDIS_SENTINEL_MASTER": "mymaster"}, "need(s) REDIS_SENTINELS"),
        ({"REDIS_URL": "redis://r:6379/0", "REDIS_SENTINELS": SENTINELS}, "not both"),
        ({"REDIS_SENTINELS": "10.0.0.1", "REDIS_SENTINEL_MASTER": "m"}, "'10.0.0.1' is not host:port"),
        ({"REDIS_SENTINELS": "10.0.0.1:port", "REDIS_SENTINEL_MASTER": "m"}, "is not host:port"),
        ({"REDIS_SENTINELS": "10.0.0.1:70000", "REDIS_SENTINEL_MASTER": "m"}, "is not host:port"),
        ({"REDIS_SENTINELS": "a:1,,b:2", "REDIS_SENTINEL_MASTER": "m"}, "'' is not host:port"),
        ({"REDIS_SENTINELS": "a:1", "REDIS_SENTINEL_MASTER": "m", "REDIS_SENTINEL_DB": "one"}, "must be a number"),
        ({"REDIS_URL": "redis+sentinel://a:1"}, "name the monitored primary"),
        ({"REDIS_URL": "redis+sentinel://a:1/"}, "name the monitored primary"),
        ({"REDIS_URL": "redis+sentinel://a:1/m/0/extra"}, "name the monitored primary"),
        ({"REDIS_URL": "redis+sentinel://a:1/m/x"}, "must be a number"),
        ({"REDIS_URL": "redis+sentinel://a/m/0"}, "'a' is not host:port"),
        ({"REDIS_URL": "redis+sentinel://user:pw@a:1/m"}, "user names are not supported"),
        ({"REDIS_URL": "redis+sentinel://a:1/m?password=x"}, "unknown parameter(s) password"),
    ],
)
def test_a_malformed_setting_is_refused_naming_it(environ, message):
    with pytest.raises(ImproperlyConfigured, match=r"^Redis settings: ") as refused:
        from_env(**environ)
    assert message in str(refused.value)


def test_parsing_alone_raises_its_own_error():
    with pytest.raises(RedisSettingError, match="starts with redis\\+sentinel://"):
        parse_sentinel_url("redis://r:6379/0")


def test_the_site_does_not_start_on_a_malformed_setting():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and k not in settings_redis.SENTINEL_VARIABLES}
    env.update(REDIS_SENTINELS="10.0.0.1:26379,10.0.0.2", REDIS_SENTINEL_MASTER="m")
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: Redis settings: REDIS_SENTINELS: '10.0.0.2' is not host:port" in result.stderr
