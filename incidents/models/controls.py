"""What happens around an incident besides its room: the secretariat's controls,
activation requests from supporters, and the public debrief."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organization

from .incident import TLP_WORDS, Incident, IndicatorKind


class ChangeKind(models.TextChoices):
    TIER = "tier", _("Tier")
    TLP = "tlp", _("TLP level")
    COMMANDER = "commander", _("Commander")
    RECIPIENT_ADDED = "recipient_added", _("Named individual added")
    RECIPIENT_REMOVED = "recipient_removed", _("Named individual removed")


class IncidentChange(models.Model):
    """One secretariat control applied to an incident, timed and attributed.
    Status changes have their own table (IncidentStatusChange)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    from_value = models.CharField(max_length=200, blank=True)
    to_value = models.CharField(max_length=200, blank=True)
    # The commander appointed, or the named individual added or removed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ChangeKind.values), name="incident_change_kind_valid")
        ]

    @property
    def from_words(self) -> str:
        return self._words(self.from_value)

    @property
    def to_words(self) -> str:
        return self._words(self.to_value)

    def _words(self, value: str) -> str:
        """A TLP level as the reader's word for it (stored as its code); a tier as its number."""
        return str(TLP_WORDS.get(value, value)) if self.kind == ChangeKind.TLP else value


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the secretariat")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")


class ActivationRequest(models.Model):
    """A supporter's responder asks the secretariat to activate the crisis protocol."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    is_exercise = models.BooleanField(_("exercise"), default=False)
    ongoing_violent_event = models.BooleanField(_("ongoing violent event"), default=False)
    perpetrator_produced = models.BooleanField(_("perpetrator-produced content"), default=False)
    livestreamed = models.BooleanField(_("livestream"), default=False)
    spreading_across_platforms = models.BooleanField(_("spreading across platforms"), default=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="activation_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="activation_requests"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    incident = models.OneToOneField(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="activation_request"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values), name="activation_request_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RequestStatus.DECLINED) | ~models.Q(decline_reason=""),
                name="activation_request_declined_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return self.title

    @property
    def is_pending(self):
        return self.status == RequestStatus.PENDING


class Debrief(models.Model):
    """The redacted public account of an incident. Only its own fields are ever shown
    publicly (TLP:CLEAR), never anything read from the incident."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="debrief")
    title = models.CharField(_("public title"), max_length=200)
    summary = models.TextField(_("public summary"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Copied at publication, so the public page never reads the incident row.
    is_exercise = models.BooleanField(default=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["published_at"])]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.published_at is not None


class DebriefConfirmation(models.Model):
    """The secretariat's word that one finding of the leak scan (incidents/debrief_scan.py) may
    be published. `finding` digests the text it was found in, so an edit leaves it unused."""

    debrief = models.ForeignKey(Debrief, on_delete=models.CASCADE, related_name="confirmations")
    finding = models.CharField(max_length=32)
    kind = models.CharField(max_length=10)
    matched = models.CharField(max_length=2048)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["debrief", "finding"], name="debrief_confirmation_unique")]

    def __str__(self):
        return self.matched


class PublishedIndicator(models.Model):
    """An indicator the secretariat chose to publish with the debrief, at TLP:CLEAR: its kind and
    value copied at publication (the public never reads the incident's rows), served on the public
    pages, the API and the TAXII collection of published debriefs. Withdrawing the debrief drops them."""

    debrief = models.ForeignKey(Debrief, on_delete=models.CASCADE, related_name="published_indicators")
    indicator = models.ForeignKey("incidents.Indicator", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=IndicatorKind.choices)
    value = models.CharField(max_length=2048)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["published_at", "id"]
        constraints = [models.UniqueConstraint(fields=["debrief", "indicator"], name="published_indicator_unique")]
        indexes = [models.Index(fields=["published_at", "id"])]

    def __str__(self):
        return self.defanged

    @property
    def defanged(self) -> str:
        from ..indicators import defang

        return defang(self.kind, self.value)
