from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Organization


class Tier(models.IntegerChoices):
    COMMUNICATIONS = 1, _("Tier 1 — communications only")
    COORDINATED = 2, _("Tier 2 — coordinated response")
    FULL_PROTOCOL = 3, _("Tier 3 — full crisis protocol")


class Status(models.TextChoices):
    DECLARED = "declared", _("Declared")
    ACTIVE = "active", _("Active")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


class Tlp(models.TextChoices):
    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


# The TLP levels as words in each language: FIRST's labels name colours, and the reader's
# line should not switch script for them.
TLP_WORDS = {
    Tlp.CLEAR: pgettext_lazy("TLP level", "CLEAR"),
    Tlp.GREEN: pgettext_lazy("TLP level", "GREEN"),
    Tlp.AMBER: pgettext_lazy("TLP level", "AMBER"),
    Tlp.AMBER_STRICT: pgettext_lazy("TLP level", "AMBER+STRICT"),
    Tlp.RED: pgettext_lazy("TLP level", "RED"),
}


class Incident(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.COORDINATED)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DECLARED)
    tlp = models.CharField(_("TLP level"), max_length=12, choices=Tlp.choices, default=Tlp.AMBER)
    is_exercise = models.BooleanField(_("exercise"), default=False)

    # Activation criteria, recorded when the incident is declared.
    ongoing_violent_event = models.BooleanField(_("ongoing violent event"), default=False)
    perpetrator_produced = models.BooleanField(_("perpetrator-produced content"), default=False)
    livestreamed = models.BooleanField(_("livestream"), default=False)
    spreading_across_platforms = models.BooleanField(_("spreading across platforms"), default=False)
    criteria_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    criteria_decided_at = models.DateTimeField(null=True, blank=True)

    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="commanded_incidents"
    )
    invited_organizations = models.ManyToManyField(
        Organization,
        through="IncidentOrganization",
        through_fields=("incident", "organization"),
        related_name="incidents",
        blank=True,
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="IncidentRecipient",
        through_fields=("incident", "user"),
        related_name="red_incidents",
        blank=True,
    )
    last_seq = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(tier__in=Tier.values), name="incident_tier_valid"),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="incident_status_valid"),
            models.CheckConstraint(condition=models.Q(tlp__in=Tlp.values), name="incident_tlp_valid"),
        ]
        indexes = [models.Index(fields=["status", "tlp"])]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status != Status.CLOSED


class IncidentOrganization(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="invitations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="incident_invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "organization"], name="incident_org_unique")]


class IncidentRecipient(models.Model):
    """A named individual of a TLP:RED incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="named_recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "user"], name="incident_recipient_unique")]


class IncidentStatusChange(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]


class ItemKind(models.TextChoices):
    CHAT = "chat", _("Chat")
    INDICATOR = "indicator", _("Indicator")
    ACTION = "action", _("Action")
    STATUS = "status", _("Status")
    SYSTEM = "system", _("System")


class RoomItem(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL, related_name="+")
    # A chat message's text; empty for every other line, which is said from `event` and `params`
    # in the reader's language (incidents/lines.py), never stored as a sentence.
    body = models.TextField(blank=True)
    event = models.CharField(max_length=40, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    # Structured references for pages (indicator or action id, statuses).
    data = models.JSONField(default=dict, blank=True)
    client_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "seq"], name="room_item_seq_unique"),
            models.UniqueConstraint(
                fields=["incident", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="room_item_client_id_unique",
            ),
            models.CheckConstraint(condition=models.Q(kind__in=ItemKind.values), name="room_item_kind_valid"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="room_item_seq_positive"),
        ]

    @property
    def text(self) -> str:
        """What the item says in the active language (incidents.lines)."""
        from ..lines import item_text  # lines reads this module's choices

        return item_text(self)


class IndicatorKind(models.TextChoices):
    """The textual form each kind takes is incidents.indicators.normalise's (docs/indicators.md)."""

    URL = "url", _("Content URL")
    MD5 = "md5", "MD5"
    SHA1 = "sha1", "SHA-1"
    SHA256 = "sha256", "SHA-256"
    PDQ = "pdq", "PDQ"
    VPDQ = "vpdq", "vPDQ"
    TMK = "tmk", "TMK+PDQF"


class Indicator(models.Model):
    """A shared content URL or hash. URLs are stored normalised and only ever shown defanged."""

    # No index of its own: the unique constraint's (incident, kind, value) serves every lookup by
    # incident, and a 100,000-line list writes one index fewer per row.
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="indicators", db_index=False)
    kind = models.CharField(max_length=10, choices=IndicatorKind.choices)
    value = models.CharField(max_length=2048)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # A PDQ hash again as four signed 64-bit words (incidents.indicators.pdq_words), so the
    # database computes Hamming distances (selectors/near_matches.py); null for other kinds.
    pdq_0 = models.BigIntegerField(null=True, blank=True, editable=False)
    pdq_1 = models.BigIntegerField(null=True, blank=True, editable=False)
    pdq_2 = models.BigIntegerField(null=True, blank=True, editable=False)
    pdq_3 = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        # The PDQ rows only, words included: the near-match scan reads this index alone.
        indexes = [
            models.Index(
                fields=["incident", "pdq_0", "pdq_1", "pdq_2", "pdq_3"],
                condition=models.Q(kind="pdq"),
                name="indicator_pdq_words",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "value"], name="indicator_unique_per_incident"),
            models.CheckConstraint(condition=models.Q(kind__in=IndicatorKind.values), name="indicator_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(
                    kind=IndicatorKind.PDQ,
                    pdq_0__isnull=False,
                    pdq_1__isnull=False,
                    pdq_2__isnull=False,
                    pdq_3__isnull=False,
                )
                | (
                    ~models.Q(kind=IndicatorKind.PDQ)
                    & models.Q(pdq_0__isnull=True, pdq_1__isnull=True, pdq_2__isnull=True, pdq_3__isnull=True)
                ),
                name="indicator_pdq_words_iff_pdq",
            ),
        ]

    def __str__(self):
        return self.defanged

    @property
    def defanged(self) -> str:
        from ..indicators import defang

        return defang(self.kind, self.value)


class PlatformStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    FOUND = "found", _("Found")
    REMOVED = "removed", _("Removed")
    NOT_PRESENT = "not_present", _("Not present")


class IndicatorPlatformStatus(models.Model):
    """What one provider has done about an indicator on its own platform."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="platform_statuses")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=PlatformStatus.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "organization"], name="indicator_platform_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=PlatformStatus.values), name="indicator_platform_status_valid"
            ),
        ]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class ActionItem(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("title"), max_length=300)
    assigned_organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # When it is wanted, and who in the assigned organisation answers for it (both optional).
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ActionStatus.values), name="action_status_valid")
        ]

    @property
    def is_overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_at is not None and self.due_at < timezone.now()


class RoomPresence(models.Model):
    """One open websocket connection to a room. Rows of a crashed process go stale and are ignored."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["incident", "last_seen"])]
