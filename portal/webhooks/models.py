"""Webhook endpoints an organisation registers, and one delivery per event and endpoint."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    INCIDENT_DECLARED = "incident.declared", _("An incident is declared")
    INCIDENT_STATUS_CHANGED = "incident.status_changed", _("An incident changes status")
    INCIDENT_ITEM = "incident.item", _("A new item in an incident room")
    PROGRESS_UPDATED = "progress.updated", _("A progress update is recorded")
    REPORT_PUBLISHED = "report.published", _("A transparency report is published")
    ALERT_OPENED = "alert.opened", _("Your organisation must acknowledge an incident alert")
    ALERT_ESCALATED = "alert.escalated", _("Your organisation's alert was escalated for want of an acknowledgement")
    ALERT_ACKNOWLEDGED = "alert.acknowledged", _("Your organisation acknowledged an incident alert")
    ALERT_RESOLVED = (
        "alert.resolved",
        _("An incident your organisation was alerted to is closed, or your organisation is no longer invited to it"),
    )


ALERT_EVENTS = (
    WebhookEvent.ALERT_OPENED,
    WebhookEvent.ALERT_ESCALATED,
    WebhookEvent.ALERT_ACKNOWLEDGED,
    WebhookEvent.ALERT_RESOLVED,
)


class PayloadFormat(models.TextChoices):
    """How an endpoint's bodies are shaped (portal/webhooks/formats.py): the portal's own envelope,
    or an on-call tool's inbound API, so that the tool needs no glue. The tools' formats carry
    alert events only."""

    PORTAL = "portal", _("Call Portal (JSON envelope)")
    PAGERDUTY = "pagerduty", _("PagerDuty Events API v2")
    OPSGENIE = "opsgenie", _("Opsgenie Alert API")


# Sent only by the "send test event" button; endpoints cannot subscribe to it.
TEST_EVENT = "ping"


class WebhookEndpoint(models.Model):
    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    # Kept in clear: signing needs it. Shown to the admin once, never rendered again.
    secret = models.CharField(max_length=100)
    payload_format = models.CharField(
        _("payload format"), max_length=20, choices=PayloadFormat.choices, default=PayloadFormat.PORTAL
    )
    # PagerDuty's routing key or Opsgenie's API key (kept in clear: each request carries it);
    # write-only, like the secret.
    integration_key = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "is_active"], name="webhook_endpoint_org_active")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payload_format__in=PayloadFormat.values), name="webhook_endpoint_format_valid"
            ),
        ]

    def __str__(self):
        return self.url


class WebhookDeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint. The body is fixed when the row is written, so every
    attempt sends the same bytes; a sender claims the row with a conditional update
    (a lease in `claimed_until`), so two workers never send it at once."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    body = models.TextField()
    # Appended to the endpoint URL's path, fixed with the body: Opsgenie acknowledges at
    # <url>/<alias>/acknowledge. Empty for every other delivery.
    path = models.CharField(max_length=600, blank=True)
    status = models.CharField(
        max_length=10, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=WebhookDeliveryStatus.values), name="webhook_delivery_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"
