"""Under ASGI Django builds a cache object per request (one per thread and asyncio context);
they must share the process's connection pool, or every request connects to Redis afresh."""

import threading

from portal.cache import TolerantRedisCache

URL = "redis://127.0.0.1:6379/9"  # never reached: pools and clients connect lazily


def test_cache_objects_of_different_requests_share_one_pool_and_client():
    made = []

    def one_request():
        made.append(TolerantRedisCache([URL], {"OPTIONS": {"socket_timeout": 1}}))

    threads = [threading.Thread(target=one_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    clients = {id(cache._cache.get_client(write=True)) for cache in made}
    pools = {id(cache._cache._get_connection_pool(write=True)) for cache in made}
    assert len(made) == 4 and len(clients) == 1 and len(pools) == 1


def test_other_servers_or_options_get_pools_of_their_own():
    one = TolerantRedisCache([URL], {"OPTIONS": {"socket_timeout": 1}})
    other_db = TolerantRedisCache(["redis://127.0.0.1:6379/8"], {"OPTIONS": {"socket_timeout": 1}})
    other_options = TolerantRedisCache([URL], {"OPTIONS": {"socket_timeout": 2}})
    pools = [cache._cache._get_connection_pool(write=True) for cache in (one, other_db, other_options)]
    assert len({id(pool) for pool in pools}) == 3
    assert pools[2].connection_kwargs["socket_timeout"] == 2
