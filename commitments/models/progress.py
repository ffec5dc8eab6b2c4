"""Implementations (one supporter's work on one commitment) and their progress updates."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Organization

from .catalogue import Commitment, CommitmentRevision


class ProgressStatus(models.TextChoices):
    # The Open Government Partnership's completion scale, plus "not applicable".
    NOT_STARTED = "not_started", _("Not started")
    LIMITED = "limited", _("Limited")
    SUBSTANTIAL = "substantial", _("Substantial")
    COMPLETE = "complete", _("Complete")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


# The progress each status allows, so a figure never contradicts its word ("Not started" at
# 60 %, "Limited" at 95 %). Not applicable carries no figure.
PROGRESS_BANDS = {
    ProgressStatus.NOT_STARTED: (0, 0),
    ProgressStatus.LIMITED: (1, 49),
    ProgressStatus.SUBSTANTIAL: (50, 99),
    ProgressStatus.COMPLETE: (100, 100),
    ProgressStatus.NOT_APPLICABLE: (0, 0),
}


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    SUPPORTERS = "supporters", _("Supporters")
    SECRETARIAT = "secretariat", _("Secretariat")


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Sent back")
    WITHDRAWN = "withdrawn", pgettext_lazy("progress update review state", "Withdrawn")


class Implementation(models.Model):
    """Status and progress are not stored here: they are those of the latest accepted
    update. The three pointers name that update as seen by each audience (the public,
    supporters, the secretariat and the organisation itself), so that a list shows the
    right figure with a join instead of a subquery per row, and a secretariat-only
    update never shows through in the public figure. Only `review_progress` sets them."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="implementations")
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="implementations")
    latest_accepted = models.ForeignKey(
        "ProgressUpdate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latest_supporters = models.ForeignKey(
        "ProgressUpdate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latest_public = models.ForeignKey(
        "ProgressUpdate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization__name", "commitment__group", "commitment__order"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "commitment"], name="implementation_unique"),
        ]

    def __str__(self):
        return f"{self.organization} / {self.commitment.code}"


class ProgressUpdate(models.Model):
    """A dated self-report. Never deleted: withdrawing keeps the row, and every edit
    keeps the previous wording as a ProgressUpdateVersion."""

    implementation = models.ForeignKey(Implementation, on_delete=models.CASCADE, related_name="updates")
    # The wording of the commitment when this was reported; stays put when the commitment is revised.
    commitment_revision = models.ForeignKey(CommitmentRevision, on_delete=models.PROTECT, related_name="updates")
    status = models.CharField(_("status"), max_length=20, choices=ProgressStatus.choices)
    progress = models.PositiveSmallIntegerField(_("progress"))
    justification = models.TextField(_("justification"), blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    narrative_html = models.TextField(blank=True)
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    as_of = models.DateField(_("date"))
    visibility = models.CharField(_("visibility"), max_length=20, choices=Visibility.choices)
    review_state = models.CharField(max_length=20, choices=ReviewState.choices, default=ReviewState.SUBMITTED)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # For the chart of progress over time: how much this accepted update changed its
    # implementation's progress as each audience sees it (null where that audience does
    # not see it). Summing them up to a date gives the progress at that date without a
    # window over every update. Only refresh_latest_accepted sets them.
    delta_public = models.SmallIntegerField(null=True, blank=True, editable=False)
    delta_supporters = models.SmallIntegerField(null=True, blank=True, editable=False)
    delta_all = models.SmallIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-as_of", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="progress_update_progress_range"),
            models.CheckConstraint(condition=models.Q(status__in=ProgressStatus.values), name="progress_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=ProgressStatus.COMPLETE) | models.Q(progress=100),
                name="progress_complete_is_100",
            ),
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values), name="progress_visibility_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(review_state__in=ReviewState.values), name="progress_review_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["implementation", "review_state", "-as_of"])]

    def __str__(self):
        return f"{self.implementation} {self.as_of} {self.status}"


class ProgressUpdateVersion(models.Model):
    """The content of an update as it stood after each write (number 1 is the original)."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["update", "number"]
        constraints = [models.UniqueConstraint(fields=["update", "number"], name="progress_version_unique")]
