"""Output serializers render what a selector returned; `*Input` serializers only parse
types, and the services own every business rule."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.api.parsing import InputSerializer

from ..metrics import metrics_for
from ..models import (
    Annotation,
    Commitment,
    PeriodKind,
    ProgressAttachment,
    ProgressStatus,
    ProgressUpdate,
    TransparencyReport,
    Visibility,
)
from ..selectors.reporting import ReportingStatus


class CommitmentSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text=_("In the request's language, falling back to English."))
    description = serializers.CharField(read_only=True)
    source_url = serializers.URLField(read_only=True, help_text=_("The public text of the commitment."))
    revision = serializers.IntegerField(source="current_revision.number", read_only=True)
    translations = serializers.JSONField(source="current_revision.translations", read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id", "code", "title", "description", "audience", "group", "order", "is_active", "retired_at",
            "source_url", "revision", "translations",
        ]  # fmt: skip


class CommitmentRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    translations = serializers.JSONField(help_text=_("Title and description per language."))
    source_url = serializers.CharField()
    created_at = serializers.DateTimeField()


class CommitmentEditInput(InputSerializer):
    translations = serializers.JSONField(
        required=False,
        help_text=_('{"en": {"title": …, "description": …}, "fr": …}: languages left out keep their wording.'),
    )
    source_url = serializers.CharField(required=False, allow_blank=True, max_length=500)
    audience = serializers.CharField(required=False)
    group = serializers.CharField(required=False)
    order = serializers.IntegerField(required=False)


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    country = serializers.CharField()


class CommitmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()


class ImplementationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = OrganizationRefSerializer()
    commitment = CommitmentRefSerializer()
    status = serializers.ChoiceField(
        source="current_status",
        choices=ProgressStatus.choices,
        help_text=_("From the latest accepted update you may see; not started until one is accepted."),
    )
    progress = serializers.IntegerField(source="current_progress", min_value=0, max_value=100)
    as_of = serializers.DateField(source="current_as_of", allow_null=True)
    current_update = serializers.IntegerField(source="current_update_id", allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    organization_not_reporting = serializers.BooleanField(
        help_text=_(
            "The organisation has a commitment with no accepted update since the latest reporting cycle "
            "whose grace period is over began."
        )
    )

    def to_representation(self, instance):
        """What the fields above give (they stay for the schema; tests/commitments/test_page_cache.py
        holds the two equal), built directly: DRF's field-by-field walk was a third of an
        uncached page of 50 (bench/pages.py --cold)."""
        organization, commitment = instance.organization, instance.commitment
        as_of = instance.current_as_of
        return {
            "id": instance.pk,
            "organization": {
                "id": organization.pk,
                "name": organization.name,
                "slug": organization.slug,
                "kind": organization.kind,
                "country": str(organization.country),
            },
            "commitment": {"id": commitment.pk, "code": commitment.code, "title": str(commitment.title)},
            "status": instance.current_status,
            "progress": instance.current_progress,
            "as_of": as_of.isoformat() if as_of is not None else None,
            "current_update": instance.current_update_id,
            "overdue": bool(instance.is_overdue),
            "organization_not_reporting": bool(instance.organization_not_reporting),
        }


class ReportingStatusSerializer(serializers.Serializer):
    organization = OrganizationRefSerializer(source="*")
    status = serializers.ChoiceField(source="reporting_status", choices=ReportingStatus.choices)
    not_reporting = serializers.BooleanField()
    missed_implementations = serializers.IntegerField(
        source="missed_count", help_text=_("Commitments with no accepted update since `since`.")
    )
    since = serializers.DateField(help_text=_("Start of the latest reporting cycle whose grace period is over."))


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text=_("Download address; served only to those who may see the update.")
    )

    class Meta:
        model = ProgressAttachment
        fields = ["id", "name", "content_type", "size", "sha256", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("commitments:attachment", args=[obj.pk])


class ProgressUpdateSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)
    organization = serializers.IntegerField(source="implementation.organization_id", read_only=True)
    commitment = serializers.CharField(source="implementation.commitment.code", read_only=True)
    commitment_revision = serializers.IntegerField(source="commitment_revision.number", read_only=True)
    author = serializers.CharField(source="author.display_name", default=None, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id", "implementation", "organization", "commitment", "commitment_revision", "status", "progress",
            "justification", "narrative", "narrative_html", "evidence_links", "as_of", "visibility",
            "review_state", "review_comment", "reviewed_at", "author", "created_at", "updated_at", "attachments",
        ]  # fmt: skip
        read_only_fields = fields


class ProgressUpdateVersionSerializer(serializers.Serializer):
    """One entry of selectors.update_history: a stored version of the update and what it changed."""

    number = serializers.IntegerField(source="version.number", help_text=_("1 is the update as first written."))
    edited_at = serializers.DateTimeField(source="version.edited_at")
    edited_by = serializers.CharField(source="version.edited_by.display_name", default=None)
    changed = serializers.ListField(
        child=serializers.CharField(), help_text=_("The fields this version changed from the one before it.")
    )
    data = serializers.JSONField(source="version.data", help_text=_("The update's content as this version left it."))


class ProgressUpdateInput(serializers.Serializer):
    implementation = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProgressStatus.choices)
    progress = serializers.IntegerField()
    as_of = serializers.DateField()
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    narrative = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    justification = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_links = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        help_text=_("Multipart only. PDF, PNG or JPEG, at most 10 MB each; the type is read from the content."),
    )


class ProgressUpdateEditInput(ProgressUpdateInput):
    implementation = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ReviewInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", _("Accept")), ("return", _("Send back"))])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AnnotationSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True, help_text=_("The annotating civil-society organisation."))
    author = serializers.CharField(source="author.display_name", default=None, read_only=True)
    supporter = serializers.IntegerField(source="update.implementation.organization_id", read_only=True)
    commitment = serializers.CharField(source="update.implementation.commitment.code", read_only=True)

    class Meta:
        model = Annotation
        fields = [
            "id", "update", "supporter", "commitment", "organization", "author", "body", "body_html",
            "is_hidden", "moderation_reason", "moderated_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class AnnotationInput(serializers.Serializer):
    update = serializers.IntegerField()
    body = serializers.CharField(max_length=5000)


class ModerationInput(serializers.Serializer):
    hidden = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)


class TransparencyReportSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    period = serializers.CharField(source="period_label", read_only=True)
    metric_labels = serializers.SerializerMethodField()

    class Meta:
        model = TransparencyReport
        fields = [
            "id", "organization", "period_kind", "year", "number", "period", "period_start", "period_end",
            "metrics", "metric_labels", "state", "published_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_metric_labels(self, obj) -> dict[str, str]:
        return {metric.key: metric.label for metric in metrics_for(obj.organization.kind)}


class TransparencyReportInput(serializers.Serializer):
    organization = serializers.IntegerField()
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    year = serializers.IntegerField()
    number = serializers.IntegerField(default=1)
    metrics = serializers.DictField(
        child=serializers.JSONField(allow_null=True), required=False, default=dict,
        help_text=_("Metric key to number (null for not yet known). Keys depend on the organisation's kind."),
    )  # fmt: skip


class TransparencyReportEditInput(serializers.Serializer):
    metrics = serializers.DictField(child=serializers.JSONField(allow_null=True))
