"""A responder's 24/7 contact details and an organisation's escalation chain. Imported by
portal/models.py, so they are the registry's models (app label `portal`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from .choices import MAX_WAIT_MINUTES, MIN_WAIT_MINUTES, PhoneLabel


class ResponderContact(models.Model):
    """What a caller needs besides the numbers: where the person's day is, and which languages
    to speak. `numbers_confirmed_at` is set by the 90-day contact check."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responder_contact")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    numbers_confirmed_at = models.DateTimeField(_("numbers confirmed"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)


class ContactNumber(models.Model):
    """One 24/7 number, stored in E.164. On the user, not the contact row, so the board's
    prefetch needs no contact row to exist."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_numbers")
    label = models.CharField(_("label"), max_length=20, choices=PhoneLabel.choices)
    number = PhoneNumberField(_("number"))
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "number"], name="contact_number_unique"),
            models.UniqueConstraint(fields=["user", "position"], name="contact_number_position_unique"),
            models.CheckConstraint(condition=models.Q(label__in=PhoneLabel.values), name="contact_number_label_valid"),
        ]


class EscalationStep(models.Model):
    """One step of an organisation's chain: whom to call, and how long to wait for them before
    the next step. The membership ties the step to the organisation: a member who leaves
    leaves the chain; one whose role no longer qualifies is skipped when it is read."""

    organization = models.ForeignKey("portal.Organization", on_delete=models.CASCADE, related_name="escalation_steps")
    membership = models.OneToOneField("portal.Membership", on_delete=models.CASCADE, related_name="escalation_step")
    position = models.PositiveSmallIntegerField()
    wait_minutes = models.PositiveSmallIntegerField(_("minutes to wait"))

    class Meta:
        ordering = ["organization_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "position"], name="escalation_step_position_unique"),
            models.CheckConstraint(
                condition=models.Q(wait_minutes__gte=MIN_WAIT_MINUTES, wait_minutes__lte=MAX_WAIT_MINUTES),
                name="escalation_step_wait_range",
            ),
        ]


class Deputy(models.Model):
    """A backup a responder names for a period (leave): from `starts_at` until `ends_at` the
    deputy, another member of the same organisation, receives the responder's alerts
    (portal.contacts.selectors.covering_now). The service checks the organisation."""

    membership = models.ForeignKey("portal.Membership", on_delete=models.CASCADE, related_name="deputies")
    deputy = models.ForeignKey("portal.Membership", on_delete=models.CASCADE, related_name="covering")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["deputy", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="deputy_ends_after_start"
            ),
            models.CheckConstraint(condition=~models.Q(deputy=models.F("membership")), name="deputy_not_themselves"),
        ]
