"""Redis settings for the channel layer, the cache and the Celery broker, on one Redis or
through Redis Sentinel (docs/operations.md, "Redis Sentinel").

Sentinel is chosen either with a redis+sentinel:// REDIS_URL (portal/redis_connection.py)
or with REDIS_SENTINELS=host:port,... and REDIS_SENTINEL_MASTER=name, which become that
URL, so the rest of the portal sees one REDIS_URL either way. A malformed value stops
start-up with ImproperlyConfigured naming the setting, rather than failing at the first
request.
"""

from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

from .redis_connection import RedisSettingError, SentinelTarget, is_sentinel, parse_db, parse_hosts, parse_sentinel_url

# Everything that describes a Sentinel group besides a redis+sentinel:// REDIS_URL.
SENTINEL_VARIABLES = (
    "REDIS_SENTINELS",
    "REDIS_SENTINEL_MASTER",
    "REDIS_SENTINEL_DB",
    "REDIS_SENTINEL_PASSWORD",
    "REDIS_PASSWORD",
)


def redis_url_from_env(environ) -> str:
    """REDIS_URL as the portal uses it: "" (no Redis), a plain URL, or a redis+sentinel:// URL."""
    url = environ.get("REDIS_URL", "").strip()
    given = [name for name in SENTINEL_VARIABLES if environ.get(name, "").strip()]
    try:
        if not given:
            if is_sentinel(url):
                parse_sentinel_url(url)
            return url
        if url:
            raise RedisSettingError(f"set either REDIS_URL or REDIS_SENTINELS, not both (also set: {', '.join(given)})")
        if not environ.get("REDIS_SENTINELS", "").strip():
            raise RedisSettingError(f"{', '.join(given)} need(s) REDIS_SENTINELS=host:port,host:port,...")
        master = environ.get("REDIS_SENTINEL_MASTER", "").strip()
        if not master:
            raise RedisSettingError("REDIS_SENTINELS needs REDIS_SENTINEL_MASTER, the name the sentinels monitor")
        db = environ.get("REDIS_SENTINEL_DB", "").strip()
        target = SentinelTarget(
            sentinels=parse_hosts(environ["REDIS_SENTINELS"], setting="REDIS_SENTINELS"),
            master_name=master,
            db=parse_db(db, setting="REDIS_SENTINEL_DB") if db else 0,
            password=environ.get("REDIS_PASSWORD") or None,
            sentinel_password=environ.get("REDIS_SENTINEL_PASSWORD") or None,
        )
    except RedisSettingError as error:
        raise ImproperlyConfigured(f"Redis settings: {error}") from error
    return target.url


def channel_layer_host(url: str, **options) -> dict:
    """One entry of channels_redis's "hosts": an address, or its sentinels and master_name
    (channels_redis.utils.create_pool builds redis-py's SentinelConnectionPool from them)."""
    if not is_sentinel(url):
        return {"address": url, **options}
    target = parse_sentinel_url(url)
    return {
        "sentinels": list(target.sentinels),
        "master_name": target.master_name,
        "sentinel_kwargs": target.sentinel_kwargs(),
        **target.master_kwargs(),
        **options,
    }


def cache_options(url: str) -> dict:
    """Extra OPTIONS for Django's RedisCache: a Sentinel URL needs a pool that asks the sentinels."""
    return {"pool_class": "portal.redis_connection.SentinelPool"} if is_sentinel(url) else {}


def broker_url(url: str) -> str:
    """Celery's broker URL: kombu's sentinel:// transport takes one URL per sentinel, joined by ';'."""
    if not is_sentinel(url):
        return url
    target = parse_sentinel_url(url)
    auth = f":{quote(target.password, safe='')}@" if target.password else ""
    hosts = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}" for host, port in target.sentinels)
    return ";".join(f"sentinel://{auth}{host}/{target.db}" for host in hosts)


def broker_transport_options(url: str) -> dict:
    """What kombu's sentinel transport needs besides the URL; nothing for a plain one."""
    if not is_sentinel(url):
        return {}
    target = parse_sentinel_url(url)
    return {"master_name": target.master_name, "sentinel_kwargs": target.sentinel_kwargs()}
