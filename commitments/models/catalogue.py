"""The commitment catalogue: data, not code, so another initiative can load its own."""

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.models import OrganizationKind


class Audience(models.TextChoices):
    GOVERNMENTS = "governments", _("Governments")
    PROVIDERS = "providers", _("Online service providers")
    ALL = "all", _("Governments and online service providers")
    EVERYONE = "everyone", _("Every supporter")


# Which kinds of supporter a commitment applies to. Civil society and partners
# implement nothing unless a commitment's audience names them.
AUDIENCE_KINDS = {
    Audience.GOVERNMENTS: (OrganizationKind.GOVERNMENT,),
    Audience.PROVIDERS: (OrganizationKind.PROVIDER,),
    Audience.ALL: (OrganizationKind.GOVERNMENT, OrganizationKind.PROVIDER),
    Audience.EVERYONE: tuple(OrganizationKind.values),
}


class CommitmentGroup(models.TextChoices):
    CALL = "call", _("The Call's commitments")
    INDUSTRY_INDIVIDUAL = "industry_individual", _("Industry plan: individual actions")
    INDUSTRY_COLLABORATIVE = "industry_collaborative", _("Industry plan: collaborative actions")


def catalogue_order(prefix: str = "") -> list:
    """The catalogue's reading order, for order_by: the groups as CommitmentGroup lists them
    (alphabetically, the collaborative actions IND6-9 came before the individual IND1-5), then
    each commitment's place in its group. `prefix` ("commitment__") orders related rows."""
    rank = models.Case(
        *(models.When(**{f"{prefix}group": group, "then": models.Value(i)}) for i, group in enumerate(CommitmentGroup)),
        default=models.Value(len(CommitmentGroup)),
    )
    return [rank, f"{prefix}order", f"{prefix}code"]


class Commitment(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    group = models.CharField(_("group"), max_length=30, choices=CommitmentGroup.choices)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    # The revision in force; older ones stay for the progress reported against them.
    current_revision = models.OneToOneField(
        "CommitmentRevision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "order", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(audience__in=Audience.values), name="commitment_audience_valid"),
            models.CheckConstraint(condition=models.Q(group__in=CommitmentGroup.values), name="commitment_group_valid"),
        ]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def kinds(self) -> tuple[str, ...]:
        return AUDIENCE_KINDS[self.audience]

    @property
    def title(self) -> str:
        return self.current_revision.title if self.current_revision else ""

    @property
    def description(self) -> str:
        return self.current_revision.description if self.current_revision else ""

    @property
    def source_url(self) -> str:
        return self.current_revision.source_url if self.current_revision else ""


class CommitmentRevision(models.Model):
    """One wording of a commitment. Never changed once written: a new text is a new revision."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    # {"en": {"title": ..., "description": ...}, "fr": {...}, "ar": {...}}; English is required.
    translations = models.JSONField(default=dict)
    source_url = models.URLField(_("public text"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["commitment", "number"]
        constraints = [models.UniqueConstraint(fields=["commitment", "number"], name="commitment_revision_unique")]

    def __str__(self):
        return f"{self.commitment_id} r{self.number}"

    def text(self, field: str, language: str | None = None) -> str:
        """The field in the given (default: active) language, falling back to English."""
        language = (language or translation.get_language() or "en").split("-")[0]
        for lang in (language, "en"):
            value = (self.translations.get(lang) or {}).get(field)
            if value:
                return value
        return ""

    @property
    def title(self) -> str:
        return self.text("title")

    @property
    def description(self) -> str:
        return self.text("description")
