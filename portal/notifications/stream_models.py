"""The per-user notification stream (the bell, /notifications/ and /ws/notifications/).

A notification is stored before it is pushed, numbered per user (`seq`, from 1, no gaps),
so a client that reconnects with ?after=N misses nothing, as in an incident room. Its text
is kept as a message id and parameters and translated when shown, in the reader's language.
`key` names the event for good: writing it twice for one person stores it once."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext


class NotificationStream(models.Model):
    """A user's counter; its row lock orders concurrent writers, as Incident.last_seq does a room's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="notification_stream"
    )
    last_seq = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.user_id}: {self.last_seq}"


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    seq = models.PositiveIntegerField()
    key = models.CharField(max_length=255)
    kind = models.CharField(max_length=60)
    # A msgid (marked with gettext_noop where it is written) and its %-parameters.
    message = models.CharField(max_length=255)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-seq"]
        constraints = [
            models.UniqueConstraint(fields=["user", "seq"], name="notification_user_seq_unique"),
            models.UniqueConstraint(fields=["user", "key"], name="notification_user_key_unique"),
        ]
        indexes = [
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread_by_user"),
            # Pruning (pruning.py) finds the old ones by age.
            models.Index(fields=["created_at"], name="notification_created_at"),
        ]

    def __str__(self):
        return f"{self.user_id}#{self.seq} {self.kind}"

    @property
    def text(self) -> str:
        """The sentence in the active language; malformed parameters show it without them
        rather than fail the page."""
        message = gettext(self.message)
        try:
            return message % self.params if self.params else message
        except (KeyError, TypeError, ValueError):
            return message
