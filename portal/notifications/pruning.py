"""Keeping notifications and push subscriptions from growing for ever (beat, daily; or the
`prune_notifications` command).

Read notifications go NOTIFICATIONS_KEEP_DAYS after they were created (90), unread ones after
NOTIFICATIONS_KEEP_UNREAD_DAYS (365); a push subscription goes once every send has failed for
WEB_PUSH_DEAD_AFTER_DAYS (30), or when its user is deactivated.

The stream's contract holds because a user's counter (NotificationStream.last_seq) is never
pruned: a seq is never given twice, and a client that reconnects with ?after=N older than the
oldest kept gets every kept notification after N, in order, then the live ones. Each call
deletes one capped batch, oldest first, so a long backlog is cleared in short transactions."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet

from . import conf, inbox
from .push_models import PushSubscription
from .stream_models import Notification


@dataclass(frozen=True)
class Batch:
    deleted: int
    more: bool  # the batch was full: call again


def expired_notifications(*, now: datetime) -> QuerySet:
    read_before = now - timedelta(days=conf.keep_read_days())
    unread_before = now - timedelta(days=conf.keep_unread_days())
    return Notification.objects.filter(
        Q(read_at__isnull=False, created_at__lt=read_before) | Q(read_at__isnull=True, created_at__lt=unread_before)
    )


def dead_subscriptions(*, now: datetime) -> QuerySet:
    failing_before = now - timedelta(days=conf.push_dead_after_days())
    return PushSubscription.objects.filter(Q(failing_since__lt=failing_before) | Q(user__is_active=False))


def _delete_batch(queryset: QuerySet, *, limit: int) -> Batch:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])
    if ids:
        queryset.model.objects.filter(pk__in=ids).delete()
    return Batch(deleted=len(ids), more=len(ids) == limit)


def prune_notifications(*, now: datetime, limit: int | None = None) -> Batch:
    """Deletes up to `limit` expired notifications, oldest first. The rows are locked first
    (skipping any a reader is marking), so the unread counts taken off the users' rows are
    exactly the unread ones deleted, whatever is marked read meanwhile."""
    limit = limit or conf.prune_batch_size()
    with transaction.atomic():
        rows = list(
            expired_notifications(now=now)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", "user_id", "read_at")[:limit]
        )
        if not rows:
            return Batch(deleted=0, more=False)
        Notification.objects.filter(pk__in=[pk for pk, _user, _read in rows]).delete()
        unread = Counter(user_id for _pk, user_id, read_at in rows if read_at is None)
        for user_id, count in sorted(unread.items()):
            inbox.subtract_unread(user_id, count)
    return Batch(deleted=len(rows), more=len(rows) == limit)


def prune_subscriptions(*, now: datetime, limit: int | None = None) -> Batch:
    return _delete_batch(dead_subscriptions(now=now), limit=limit or conf.prune_batch_size())
