"""Webhook settings, read with defaults so settings.py need not name them."""

from django.conf import settings


def allow_private() -> bool:
    """True only in tests and development: endpoints on this machine or the local network."""
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 10))


def max_attempts() -> int:
    return int(getattr(settings, "WEBHOOKS_MAX_ATTEMPTS", 8))


def disable_after_failures() -> int:
    """Consecutive failed deliveries after which an endpoint is disabled and its admins told."""
    return int(getattr(settings, "WEBHOOKS_DISABLE_AFTER_FAILURES", 10))


def claim_seconds() -> int:
    """Longer than the send timeout and the task time limit, so a lease never lapses mid-send."""
    return int(getattr(settings, "WEBHOOKS_CLAIM_SECONDS", 300))


def max_endpoints_per_organization() -> int:
    return int(getattr(settings, "WEBHOOKS_MAX_ENDPOINTS", 10))


def stale_after_seconds() -> int:
    """A queued delivery untouched this long lost its task. Longer than the longest backoff (600 s)."""
    return int(getattr(settings, "WEBHOOKS_STALE_AFTER_SECONDS", 15 * 60))
