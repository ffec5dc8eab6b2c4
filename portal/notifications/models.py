"""Notification preferences and delivery records.

Every message the portal sends (digests, registry emails, later alerts and webhooks)
is first written as a Delivery with a unique key, then claimed, sent and marked sent,
so a rerun of any task finds the record and sends nothing twice."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DigestFrequency(models.TextChoices):
    OFF = "off", _("Never")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class DigestScope(models.TextChoices):
    ORGANIZATION = "organization", _("My organisation")
    COMMUNITY = "community", _("The whole community")
    COMMITMENTS = "commitments", _("Commitments I choose")


class DigestPreference(models.Model):
    """A user's choice. Without a row, members get a weekly digest of the whole community
    (see notifications.preferences.default_preference)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference")
    frequency = models.CharField(
        _("how often"), max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY
    )
    scope = models.CharField(_("what"), max_length=20, choices=DigestScope.choices, default=DigestScope.COMMUNITY)
    # Codes from the catalogue (data, not foreign keys: the registry does not know the commitments app).
    commitment_codes = models.JSONField(_("commitments"), default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frequency__in=DigestFrequency.values), name="digest_frequency_valid"
            ),
            models.CheckConstraint(condition=models.Q(scope__in=DigestScope.values), name="digest_scope_valid"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.frequency} {self.scope}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Nothing to send")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One message to one recipient. `key` names it for good ("digest:<user>:<period>",
    "email:<kind>:<object>:<recipient>"), so writing the row is what makes a send unique.
    A sender claims it with a conditional update that sets `claimed_until` (a lease)."""

    key = models.CharField(max_length=255)
    kind = models.CharField(max_length=60)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    to_address = models.CharField(max_length=500, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    period = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="delivery_key_unique"),
            models.CheckConstraint(condition=models.Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
        ]
        indexes = [
            models.Index(fields=["recipient", "kind", "-created_at"], name="delivery_recipient_kind"),
            models.Index(fields=["status", "created_at"], name="delivery_status_created"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.key} ({self.status})"
