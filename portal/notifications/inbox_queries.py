"""Reads of the per-user notification stream, always of one user's own notifications."""

from django.db.models import QuerySet

from .stream_models import Notification, NotificationStream


def list_notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-seq")


def get_notification_of(user, notification_id: int) -> Notification | None:
    return Notification.objects.filter(user=user, pk=notification_id).first()


def unread_count(user_id: int) -> int:
    """The count kept on the user's row (inbox.py keeps it with the notifications it counts)."""
    from ..models import User

    return User.objects.filter(pk=user_id).values_list("unread_notifications", flat=True).first() or 0


def last_seq(user_id: int) -> int:
    return NotificationStream.objects.filter(user_id=user_id).values_list("last_seq", flat=True).first() or 0


def between(user_id: int, *, after: int, upto: int | None, limit: int) -> list[Notification]:
    rows = Notification.objects.filter(user_id=user_id, seq__gt=after)
    if upto is not None:
        rows = rows.filter(seq__lte=upto)
    return list(rows.order_by("seq")[:limit])
