"""Versions for cached progress figures and pages (portal.page_cache holds the mechanism).

- `AGGREGATE_VERSION_KEY`: bumped after an acceptance or new implementations commit, so a
  cached figure never outlives the data it was computed from;
- `CATALOGUE_VERSION_KEY`: bumped by any write to a commitment or its wording (the
  catalogue editor, `load_catalogue`, the admin);
- `PROGRESS_VERSION_KEY`: bumped by every write to a progress update (each one saves a
  version of it) and to an annotation.
Standing changes bump the registry's version (portal.page_cache); the aggregates below
are not keyed on it and show them once they time out."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from portal import page_cache

AGGREGATE_VERSION_KEY = "commitments:aggregate-version"
CATALOGUE_VERSION_KEY = "commitments:catalogue-version"
PROGRESS_VERSION_KEY = "commitments:progress-version"
AGGREGATE_TIMEOUT = 300
page_cache.KNOWN_VERSIONS.update({AGGREGATE_VERSION_KEY, CATALOGUE_VERSION_KEY, PROGRESS_VERSION_KEY})
# What a page of progress shows: figures, supporters (names, standing), the catalogue.
PAGE_VERSIONS = (AGGREGATE_VERSION_KEY, page_cache.REGISTRY, CATALOGUE_VERSION_KEY)
# ... and a scorecard also every update and annotation, accepted or not (members see drafts).
SCORECARD_VERSIONS = (*PAGE_VERSIONS, PROGRESS_VERSION_KEY)


def aggregate_version() -> int:
    return page_cache.versions(AGGREGATE_VERSION_KEY)[0]


def bump_aggregate_version() -> None:
    page_cache.bump(AGGREGATE_VERSION_KEY)


def cached_aggregate(name: str, parts: tuple, compute):
    """compute() once per version, name and parts (audience, filters) and timeout."""
    key = ":".join(["commitments", name, str(aggregate_version()), *map(str, parts)])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=AGGREGATE_TIMEOUT)
    return value


def bump_progress_version() -> None:
    page_cache.bump_now_and_on_commit(PROGRESS_VERSION_KEY)


def bump_catalogue_version() -> None:
    page_cache.bump_now_and_on_commit(CATALOGUE_VERSION_KEY)


def _catalogue_changed(**_kwargs) -> None:
    bump_catalogue_version()


def connect_catalogue_receivers() -> None:
    from .models import Commitment, CommitmentRevision

    for model in (Commitment, CommitmentRevision):
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"page-cache-{model.__name__}-save")
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=f"page-cache-{model.__name__}-delete")
