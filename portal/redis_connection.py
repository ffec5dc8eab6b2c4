"""Where Redis is: one URL, plain or through Redis Sentinel, and the clients made from it.

REDIS_URL is either a plain Redis URL (redis://, rediss://, unix://) or

    redis+sentinel://[:password@]host:port[,host:port...]/master_name[/db][?sentinel_password=...]

(the form of the `redis-sentinel-url` convention). The password, if any, is the data
nodes' (requirepass); the sentinels' own is the sentinel_password parameter. Every
direct Redis client of the portal comes from `client()`, so each one follows a failover:
redis-py asks the sentinels for the current primary whenever it opens a connection.
"""

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

import redis
from redis.sentinel import Sentinel, SentinelConnectionPool

SCHEME = "redis+sentinel"
EXAMPLE = "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379/mymaster/0"
# A sentinel that does not answer in this long is skipped for the next one.
SENTINEL_TIMEOUT_SECONDS = 2


class RedisSettingError(ValueError):
    """A Redis or Sentinel setting that cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class SentinelTarget:
    sentinels: tuple[tuple[str, int], ...]
    master_name: str
    db: int = 0
    password: str | None = None
    sentinel_password: str | None = None

    @property
    def url(self) -> str:
        """The canonical redis+sentinel:// URL of this target."""
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        hosts = ",".join(f"[{host}]:{port}" if ":" in host else f"{host}:{port}" for host, port in self.sentinels)
        query = f"?sentinel_password={quote(self.sentinel_password, safe='')}" if self.sentinel_password else ""
        return f"{SCHEME}://{auth}{hosts}/{quote(self.master_name, safe='')}/{self.db}{query}"

    def sentinel_kwargs(self) -> dict:
        """Connection options for the sentinels themselves."""
        options: dict = {
            "socket_timeout": SENTINEL_TIMEOUT_SECONDS,
            "socket_connect_timeout": SENTINEL_TIMEOUT_SECONDS,
        }
        if self.sentinel_password:
            options["password"] = self.sentinel_password
        return options

    def master_kwargs(self) -> dict:
        """Connection options for the primary the sentinels name."""
        options: dict = {"db": self.db}
        if self.password:
            options["password"] = self.password
        return options


def is_sentinel(url: str) -> bool:
    return url.startswith(f"{SCHEME}://")


def parse_hosts(value: str, *, setting: str) -> tuple[tuple[str, int], ...]:
    """ "host:port,host:port" (IPv6 as [addr]:port) → ((host, port), ...)."""
    hosts = []
    for entry in value.split(","):
        entry = entry.strip()
        try:
            parts = urlsplit(f"//{entry}")
            host, port = parts.hostname, parts.port
        except ValueError:
            host = port = None
        if not entry or not host or port is None or parts.path or parts.username or parts.password:
            raise RedisSettingError(
                f"{setting}: {entry!r} is not host:port; expected a comma-separated list such as "
                "10.0.0.1:26379,10.0.0.2:26379"
            )
        hosts.append((host, port))
    return tuple(hosts)


def parse_db(value: str, *, setting: str) -> int:
    if not value.isdigit():
        raise RedisSettingError(f"{setting}: the database must be a number (0, 1, ...), not {value!r}")
    return int(value)


def parse_sentinel_url(url: str) -> SentinelTarget:
    """The target of a redis+sentinel:// URL; RedisSettingError naming the fault otherwise."""
    setting = "REDIS_URL"
    if not is_sentinel(url):
        raise RedisSettingError(f"{setting}: a Sentinel URL starts with {SCHEME}:// (e.g. {EXAMPLE})")
    rest = url[len(SCHEME) + 3 :]
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    password = None
    if "@" in netloc:
        auth, _, netloc = netloc.rpartition("@")
        user, _, secret = auth.partition(":")
        if user:
            raise RedisSettingError(f"{setting}: give the password as :password@ (user names are not supported)")
        password = unquote(secret) or None
    sentinels = parse_hosts(netloc, setting=setting)
    segments = path.split("/") if path else []
    if not segments or not segments[0] or len(segments) > 2:
        raise RedisSettingError(f"{setting}: name the monitored primary after the hosts: {EXAMPLE}")
    db = parse_db(segments[1], setting=setting) if len(segments) == 2 and segments[1] else 0
    params = parse_qs(query, keep_blank_values=True)
    unknown = set(params) - {"sentinel_password"}
    if unknown:
        raise RedisSettingError(f"{setting}: unknown parameter(s) {', '.join(sorted(unknown))}; only sentinel_password")
    sentinel_password = params.get("sentinel_password", [""])[-1] or None
    return SentinelTarget(sentinels, unquote(segments[0]), db, password, sentinel_password)


def sentinel_manager(target: SentinelTarget) -> Sentinel:
    return Sentinel(list(target.sentinels), sentinel_kwargs=target.sentinel_kwargs(), **target.master_kwargs())


def client(url: str, **options) -> redis.Redis:
    """A client of the current primary: `redis.Redis.from_url` for a plain URL, the
    sentinels' primary for a Sentinel URL. Closing it closes its connections."""
    if not is_sentinel(url):
        return redis.Redis.from_url(url, **options)
    target = parse_sentinel_url(url)
    return sentinel_manager(target).master_for(target.master_name, **options)


class SentinelPool:
    """Django's RedisCache `pool_class` for a Sentinel URL: Django calls
    `pool_class.from_url(LOCATION, **OPTIONS)`, and gets redis-py's Sentinel-managed pool."""

    @classmethod
    def from_url(cls, url: str, **options) -> SentinelConnectionPool:
        target = parse_sentinel_url(url)
        return SentinelConnectionPool(target.master_name, sentinel_manager(target), **target.master_kwargs(), **options)
