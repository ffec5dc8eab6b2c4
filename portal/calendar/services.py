"""Creating and revoking a user's calendar URL, and finding the user a key belongs to. Only the
key's SHA-256 is stored; the key (in the URL) is shown once, at creation."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions
from ..models import User
from ..services import record_audit
from .models import CalendarFeed

KEY_PREFIX = "cal_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_calendar_feed(*, user) -> tuple[CalendarFeed, str]:
    """Returns the feed and its key, after revoking the user's earlier feed. The same gate as an
    API token: whoever must use two-factor creates one from a credential that passed it."""
    if not permissions.can_create_api_token(user):
        raise PermissionDenied(_("Set up two-factor authentication before creating a calendar link."))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        revoked = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        feed = CalendarFeed.objects.create(user=user, key_hash=hash_key(key), prefix=key[:10], created_at=now)
        record_audit(actor=user, action="calendar_feed.created", target=feed.prefix, replaced=revoked)
    return feed, key


def revoke_calendar_feed(*, actor) -> bool:
    """Revokes the actor's active calendar URL; False when there was none."""
    with transaction.atomic():
        feed = CalendarFeed.objects.filter(user=actor, revoked_at__isnull=True).first()
        if feed is None:
            return False
        CalendarFeed.objects.filter(pk=feed.pk).update(revoked_at=timezone.now())
        record_audit(actor=actor, action="calendar_feed.revoked", target=feed.prefix)
    return True


def user_for_key(key: str) -> User | None:
    """The active user whose active feed this key opens; None otherwise."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(key_hash=hash_key(str(key)), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def active_feed(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
