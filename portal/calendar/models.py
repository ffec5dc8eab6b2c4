from django.conf import settings
from django.db import models
from django.utils import timezone


class CalendarFeed(models.Model):
    """A user's secret calendar URL. Only the key's SHA-256 is stored (as for API tokens); the
    URL is shown once. Creating a new one revokes the old, so a user has at most one active."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(revoked_at__isnull=True), name="calendar_feed_one_active"
            )
        ]

    def __str__(self):
        return f"{self.prefix}… ({self.user_id})"
