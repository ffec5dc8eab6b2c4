"""Notification settings, read with defaults so settings.py need not name them."""

from django.conf import settings


def claim_seconds() -> int:
    """How long a sender holds a delivery. Longer than the task time limit, so a claim
    never lapses while its holder may still be sending."""
    return int(getattr(settings, "NOTIFICATIONS_CLAIM_SECONDS", 300))


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 8))


def stale_after_seconds() -> int:
    """A queued delivery nobody has touched for this long lost its task: the sweep re-queues it."""
    return int(getattr(settings, "NOTIFICATIONS_STALE_AFTER_SECONDS", 15 * 60))


def digest_batch_size() -> int:
    return int(getattr(settings, "DIGEST_BATCH_SIZE", 500))


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def keep_read_days() -> int:
    """Days a read notification is kept (from when it was created)."""
    return int(getattr(settings, "NOTIFICATIONS_KEEP_DAYS", 90))


def keep_unread_days() -> int:
    """Days an unread one is kept: longer, since nobody has seen it yet."""
    return int(getattr(settings, "NOTIFICATIONS_KEEP_UNREAD_DAYS", 365))


def push_dead_after_days() -> int:
    """Days a push subscription may fail every send before it is removed."""
    return int(getattr(settings, "WEB_PUSH_DEAD_AFTER_DAYS", 30))


def prune_batch_size() -> int:
    return int(getattr(settings, "NOTIFICATIONS_PRUNE_BATCH_SIZE", 1000))
