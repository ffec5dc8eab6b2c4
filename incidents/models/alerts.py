from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import Organization

from .incident import Incident


class Acknowledgement(models.Model):
    """One invited organisation's answer to an incident's alerts.

    The window runs from `window_started_at` for the length set for `tier`
    (INCIDENT_ACK_WINDOWS). The first responder to acknowledge is kept; an
    escalation to a higher tier restarts the window of an organisation that has
    not acknowledged. `escalated_at` is set by a conditional update, so the
    overdue sweep escalates each window once."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="acknowledgements")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    tier = models.PositiveSmallIntegerField()
    window_started_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The last step of the organisation's escalation chain announced to its on-call tools
    # (alert.escalated): claimed by a conditional update, so each step is announced once.
    chain_step_announced = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "organization"], name="incident_ack_unique"),
        ]
        indexes = [
            models.Index(
                fields=["window_started_at"],
                condition=models.Q(acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="incident_ack_pending",
            )
        ]
