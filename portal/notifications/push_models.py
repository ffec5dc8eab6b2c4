"""A browser's Web Push subscription (RFC 8030): where to post, and the keys to encrypt for it
(RFC 8291). An endpoint belongs to one browser profile, so to one user at a time."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class PushSubscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the first failed send, cleared by a delivered one; pruning removes it after long enough.
    failing_since = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user_id}: {self.endpoint[:60]}"
