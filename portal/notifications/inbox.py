"""Writes to the per-user notification stream.

The apps that own an event (incidents, commitments, the registry) decide who must hear of
it, with their own permission rules, at the time they send; `notify` only stores and pushes.
Each write stores first and broadcasts after commit (stream.py), so a frame never names a
notification that a rollback took back, and a client that missed the broadcast reads it
from the database."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import User
from . import push, stream
from .stream_models import Notification, NotificationStream

MAX_MESSAGE = 255
MAX_URL = 500


@transaction.atomic
def notify(*, recipients, kind: str, key: str, message: str, params: dict | None = None, url: str = "") -> list:
    """Stores one notification per recipient (users or user ids) and pushes them after commit.

    Idempotent per (recipient, key): a rerun of the task that calls it stores nothing twice.
    The recipients' counter rows are locked in id order first, so concurrent writers give
    each user consecutive seqs without deadlocking, and a duplicate is seen under the lock."""
    if url and not (url.startswith("/") and not url.startswith("//")):
        raise ValueError(f"a notification links to a page of this site, not {url!r}")
    user_ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not user_ids:
        return []
    NotificationStream.objects.bulk_create(
        [NotificationStream(user_id=user_id) for user_id in user_ids], ignore_conflicts=True
    )
    locked = NotificationStream.objects.select_for_update().filter(user_id__in=user_ids).order_by("user_id")
    counters = {row.user_id: row for row in locked}
    already = set(Notification.objects.filter(key=key, user_id__in=user_ids).values_list("user_id", flat=True))
    users = {user.pk: user for user in User.objects.filter(pk__in=user_ids, is_active=True).only("pk", "language")}
    created, now = [], timezone.now()
    for user_id in user_ids:
        if user_id in already or user_id not in users:
            continue
        counter = counters[user_id]
        counter.last_seq += 1
        created.append(
            Notification(
                user_id=user_id,
                seq=counter.last_seq,
                key=key[:255],
                kind=kind,
                message=message[:MAX_MESSAGE],
                params=params or {},
                url=url[:MAX_URL],
                created_at=now,
            )
        )
    if not created:
        return []
    Notification.objects.bulk_create(created)
    NotificationStream.objects.bulk_update([counters[n.user_id] for n in created], ["last_seq"])
    User.objects.filter(pk__in=[n.user_id for n in created]).update(unread_notifications=F("unread_notifications") + 1)
    languages = {user_id: stream.language_of(user) for user_id, user in users.items()}
    transaction.on_commit(lambda: stream.broadcast(created, languages=languages), robust=True)
    # robust: a broker outage must not undo the event; the notification is stored and shown.
    transaction.on_commit(lambda: push.queue_pushes(created), robust=True)
    return created


def subtract_unread(user_id: int, changed: int) -> None:
    """Takes `changed` off the user's unread count (in the transaction that marked or pruned them) and
    pushes the new count to their connections after commit."""
    User.objects.filter(pk=user_id).update(unread_notifications=F("unread_notifications") - changed)
    count = User.objects.filter(pk=user_id).values_list("unread_notifications", flat=True).get()
    transaction.on_commit(lambda: stream.broadcast_unread(user_id, count), robust=True)


@transaction.atomic
def mark_read(*, user, notification_id: int) -> bool:
    """Marks one of the user's own notifications read; False if it is not theirs (or missing)
    or already read. A conditional update: a repeat changes nothing."""
    changed = Notification.objects.filter(pk=notification_id, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if changed:
        subtract_unread(user.pk, changed)
    return bool(changed)


@transaction.atomic
def mark_all_read(*, user) -> int:
    changed = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if changed:
        subtract_unread(user.pk, changed)
    return changed
