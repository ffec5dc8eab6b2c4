"""A version number for cached progress aggregates (the dashboard's figures and its
chart): bumped after an acceptance or new implementations commit, so a cached figure
never outlives the data it was computed from. Standing changes are not versioned; they
show once the cache times out."""

from django.core.cache import cache

AGGREGATE_VERSION_KEY = "commitments:aggregate-version"
AGGREGATE_TIMEOUT = 300


def aggregate_version() -> int:
    return cache.get_or_set(AGGREGATE_VERSION_KEY, 1, timeout=None)


def bump_aggregate_version() -> None:
    try:
        cache.incr(AGGREGATE_VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value invalidates
        cache.set(AGGREGATE_VERSION_KEY, 1, timeout=None)


def cached_aggregate(name: str, parts: tuple, compute):
    """compute() once per version, name and parts (audience, filters) and timeout."""
    key = ":".join(["commitments", name, str(aggregate_version()), *map(str, parts)])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=AGGREGATE_TIMEOUT)
    return value
