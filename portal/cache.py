"""The Redis cache, degraded rather than failing while Redis is away.

The cache holds rate-limit counters and recomputable aggregates, nothing that must
survive. During a Redis outage reads miss and writes are dropped (logged), so pages
and the API keep serving; rate limits are not enforced until Redis is back.
"""

import logging
import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FAILURES = (RedisError, OSError)


def _unavailable(operation: str, error: Exception) -> None:
    logger.warning("cache %s skipped, Redis unavailable: %s", operation, error)


# Django keeps one cache object per thread and asyncio context: under ASGI, one per request.
# Each would open its own connection pool, so every request connected to Redis afresh (a TCP
# handshake, CLIENT SETINFO, and redis-py reading its own version from the package metadata):
# 17 % of a page process's CPU under load (docs/performance.md, "#17's targets on a quiet machine").
# The clients and their pools live here, once per process; redis-py's pools are thread-safe
# and start afresh after a fork.
_clients: dict[tuple, object] = {}  # by server and options; each holds its connection pool
_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    """One redis.Redis, with its connection pool, per server and options in the process
    (building one sets up some 170 response callbacks, about the cost of a cached page's
    cache read: bench/pages.py). A client is safe to share: its pool hands out connections."""

    def get_client(self, key=None, *, write=False):
        server = self._servers[self._get_connection_pool_index(write)]
        options = (server, self._pool_class, repr(sorted(self._pool_options.items())))
        client = _clients.get(options)
        if client is None:
            with _lock:
                client = _clients.get(options)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    client = _clients[options] = self._client(connection_pool=pool)
        return client

    def _get_connection_pool(self, write):
        return self.get_client(write=write).connection_pool


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except FAILURES as error:
            _unavailable("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except FAILURES as error:
            _unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except FAILURES as error:
            _unavailable("has_key", error)
            return False

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except FAILURES as error:
            _unavailable("add", error)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except FAILURES as error:
            _unavailable("set", error)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except FAILURES as error:
            _unavailable("set_many", error)
            return list(data)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except FAILURES as error:
            _unavailable("touch", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except FAILURES as error:
            _unavailable("incr", error)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from error

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except FAILURES as error:
            _unavailable("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except FAILURES as error:
            _unavailable("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except FAILURES as error:
            _unavailable("clear", error)
            return False
