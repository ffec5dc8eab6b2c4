"""Rendered fragments of public pages and API lists, cached per language, filters and audience.

A fragment's key names everything its content depends on: the page, the language, the
viewer's audience (never finer than what changes the content, never coarser) and the
filters; the entry keeps the versions of the data it was made from, and is served only
while they are current. A write bumps its data's version, so the next request renders
afresh; the timeout only bounds what no version covers (the date a page is rendered on is
part of the key where it matters).

Versions, each a counter in the cache:
- `registry`: organisations, their standing and memberships (bumped by the receivers
  below, whatever path wrote them: a service, the admin, seeding);
- the commitments app's `commitments:aggregate-version` (acceptances, new
  implementations) and `commitments:catalogue` (commitments and their wording).

Personal parts of a page (CSRF token, the user menu, messages) stay outside fragments: a
fragment is the content block only, rendered without `request` in its context.
"""

import hashlib
import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

REGISTRY = "portal:registry-version"
FRAGMENT_TIMEOUT = 300
KNOWN_VERSIONS: set[str] = {REGISTRY}


def _fresh_version() -> int:
    """A first value for a counter that is missing (never set, evicted, flushed): from the clock,
    so a counter that starts again never repeats a value an older fragment's key was made with."""
    return time.time_ns() // 1000


def versions(*names: str) -> tuple[int, ...]:
    """The current value of each named version, in one cache round trip."""
    return _current(cache.get_many(names), names)


def _current(found: dict, names: tuple[str, ...]) -> tuple[int, ...]:
    """The versions among what a read found; any missing is set afresh."""
    missing = {name: _fresh_version() for name in names if name not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found = {**found, **missing}
    return tuple(found[name] for name in names)


def bump(name: str) -> None:
    KNOWN_VERSIONS.add(name)
    try:
        cache.incr(name)
    except ValueError:  # not set yet (or evicted): any new value invalidates
        cache.set(name, _fresh_version(), timeout=None)


def bump_now_and_on_commit(name: str) -> None:
    """Now, and again after commit: a request in between must not cache the old data as new."""
    bump(name)
    transaction.on_commit(lambda: bump(name))


def bump_all_versions() -> None:
    """Every version this process knows of: what bench/pages.py --cold uses."""
    for name in list(KNOWN_VERSIONS):
        bump(name)


def _cached(name: str, *, audience: str, parts: Iterable, version_names: tuple[str, ...], produce: Callable):
    """produce() once per key and versions. The entry is stored with the versions it was made
    from, and read in the same round trip as the current ones: a page costs one cache read, not
    one for the versions and another for the entry their values name. An entry made from older
    versions is never served: it is made again and replaces the old one under the same key."""
    language = get_language() or ""
    raw = "\x1f".join([language, audience, *map(str, parts)])
    # The audience is in the hash only: a member of many organisations would make a key too long.
    key = f"fragment:{name}:{hashlib.sha256(raw.encode()).hexdigest()}"
    found = cache.get_many([*version_names, key])
    current = _current(found, version_names)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == current:
        return entry[1]
    value = produce()
    cache.set(key, (current, value), timeout=FRAGMENT_TIMEOUT)
    return value


def cached_fragment(
    name: str, *, audience: str, parts: Iterable, version_names: tuple[str, ...], render: Callable[[], str]
) -> SafeString:
    """render() once per key (see the module's docstring); the HTML it returns is trusted."""
    html = _cached(name, audience=audience, parts=parts, version_names=version_names, produce=lambda: str(render()))
    return mark_safe(html)  # noqa: S308 - rendered by our own templates, escaped there


def cached_value(name: str, *, audience: str, parts: Iterable, version_names: tuple[str, ...], compute: Callable):
    """compute() once per key: for data (an API list's page) rather than HTML."""
    return _cached(name, audience=audience, parts=parts, version_names=version_names, produce=compute)


def _registry_changed(**_kwargs) -> None:
    bump_now_and_on_commit(REGISTRY)


def connect_registry_receivers() -> None:
    """Organisations, standing changes and memberships: any write bumps the registry version."""
    from .models import Membership, Organization, StandingChange

    for model in (Organization, StandingChange, Membership):
        post_save.connect(_registry_changed, sender=model, dispatch_uid=f"page-cache-{model.__name__}-save")
        post_delete.connect(_registry_changed, sender=model, dispatch_uid=f"page-cache-{model.__name__}-delete")
