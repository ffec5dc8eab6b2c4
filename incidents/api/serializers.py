"""Incident API serializers: `*Input` classes only parse (the services validate the
rules); the others render. Room items render exactly as websocket `item` frames."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.parsing import InputSerializer, NestedInputSerializer, StrictCharField
from portal.models import Organization, User

from ..indicators import defang
from ..models import ActionItem, ActivationRequest, Debrief, Incident, Indicator, IndicatorKind, Status, Tier, Tlp


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class IncidentSummarySerializer(serializers.ModelSerializer):
    """What anyone who may see the incident sees (for TLP:CLEAR, the public summary)."""

    class Meta:
        model = Incident
        fields = ["id", "title", "summary", "tier", "status", "tlp", "is_exercise", "created_at", "status_changed_at"]


class IncidentDetailSerializer(IncidentSummarySerializer):
    commander = serializers.SerializerMethodField()
    invited_organizations = serializers.SerializerMethodField()
    named_individuals = serializers.SerializerMethodField(
        help_text=_("The people a TLP:RED incident is shared with (empty at other levels).")
    )

    class Meta(IncidentSummarySerializer.Meta):
        fields = [
            *IncidentSummarySerializer.Meta.fields,
            "ongoing_violent_event",
            "perpetrator_produced",
            "livestreamed",
            "spreading_across_platforms",
            "criteria_decided_at",
            "commander",
            "invited_organizations",
            "named_individuals",
            "last_seq",
        ]

    def get_commander(self, incident) -> dict | None:
        c = incident.commander
        return {"id": c.pk, "name": c.display_name} if c else None

    def get_invited_organizations(self, incident) -> list[dict]:
        return [{"id": i.organization_id, "name": i.organization.name} for i in incident.invitations.all()]

    @extend_schema_field(PartySerializer(many=True))
    def get_named_individuals(self, incident) -> list[dict]:
        # Prefetched by selectors.incident_detail_for, ordered by name.
        return [{"id": r.user_id, "name": r.user.display_name} for r in incident.named_recipients.all()]


class DeclareInput(InputSerializer):
    title = StrictCharField(max_length=200)
    summary = StrictCharField(required=False, allow_blank=True, max_length=10000)
    tier = serializers.ChoiceField(choices=Tier.choices)
    tlp = serializers.ChoiceField(choices=Tlp.choices)
    is_exercise = serializers.BooleanField(required=False, default=False)
    ongoing_violent_event = serializers.BooleanField(required=False, default=False)
    perpetrator_produced = serializers.BooleanField(required=False, default=False)
    livestreamed = serializers.BooleanField(required=False, default=False)
    spreading_across_platforms = serializers.BooleanField(required=False, default=False)
    organizations = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), many=True, required=False, default=list
    )
    recipients = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        many=True,
        required=False,
        default=list,
        help_text=_("The named individuals of a TLP:RED incident (user ids)."),
    )
    commander = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )


class StatusInput(InputSerializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=2000, default="")


class OrganizationInput(InputSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())


class MessageInput(InputSerializer):
    client_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    body = serializers.JSONField(help_text=_("The message, 1 to 8192 bytes of UTF-8."))


class ItemSerializer(serializers.Serializer):
    """Documents the shape; rendering uses incidents.events.item_frame."""

    type = serializers.CharField()
    seq = serializers.IntegerField()
    id = serializers.IntegerField()
    kind = serializers.CharField()
    author = PartySerializer(allow_null=True)
    organization = PartySerializer(allow_null=True)
    body = serializers.CharField(help_text=_("What the item says, in the request's language."))
    event = serializers.CharField(
        allow_null=True, help_text=_("A system line's event code (none for a chat message); body says it in words.")
    )
    params = serializers.DictField(help_text=_("The system line's parameters: names as they were, and codes."))
    data = serializers.DictField()
    client_id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField()


class ItemPageSerializer(serializers.Serializer):
    results = ItemSerializer(many=True)
    has_more = serializers.BooleanField()


class PostedSerializer(serializers.Serializer):
    ack = serializers.DictField()
    item = ItemSerializer()


class IndicatorInput(InputSerializer):
    kind = serializers.CharField()
    value = serializers.JSONField()


class PlatformStatusInput(InputSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    status = serializers.CharField()


class NearMatchSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    incident = serializers.IntegerField()
    value = serializers.CharField()
    organization = serializers.CharField(allow_null=True, help_text=_("The organisation that shared it."))
    distance = serializers.IntegerField(help_text=_("Hamming distance, in bits of 256."))


class VideoMatchSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    incident = serializers.IntegerField()
    organization = serializers.CharField(allow_null=True, help_text=_("The organisation that shared it."))
    query_match_percent = serializers.FloatField(
        help_text=_("The share of this video's frames with a matching frame in the other, in percent.")
    )
    compared_match_percent = serializers.FloatField(
        help_text=_("The share of the other video's frames with a matching frame in this one, in percent.")
    )


class IndicatorSerializer(serializers.ModelSerializer):
    value = serializers.CharField(source="defanged", help_text=_("Defanged: never a live link."))
    platforms = serializers.SerializerMethodField()
    near_matches = serializers.SerializerMethodField(
        help_text=_(
            "PDQ only: the PDQ hashes within PDQ_MATCH_DISTANCE bits shared in the incidents whose room the "
            "caller may read, closest first."
        )
    )

    video_matches = serializers.SerializerMethodField(
        help_text=_(
            "vPDQ only: the vPDQ videos shared in the incidents whose room the caller may read whose frames "
            "match this one's in the configured shares, best first."
        )
    )

    class Meta:
        model = Indicator
        fields = ["id", "kind", "value", "created_at", "platforms", "near_matches", "video_matches"]

    @extend_schema_field(NearMatchSerializer(many=True, allow_null=True))
    def get_near_matches(self, indicator) -> list[dict] | None:
        matches = getattr(indicator, "near_matches", [])
        return None if matches is None else [vars(match) for match in matches]

    @extend_schema_field(VideoMatchSerializer(many=True, allow_null=True))
    def get_video_matches(self, indicator) -> list[dict] | None:
        matches = getattr(indicator, "video_matches", [])
        return None if matches is None else [vars(match) for match in matches]

    def get_platforms(self, indicator) -> list[dict]:
        return [
            {"organization": {"id": p.organization_id, "name": p.organization.name}, "status": p.status}
            for p in indicator.platform_statuses.all()
        ]


class ActionInput(InputSerializer):
    title = StrictCharField(max_length=300)
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )


class ActionSerializer(serializers.ModelSerializer):
    assigned_organization = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id", "title", "status", "assigned_organization", "created_at", "completed_at",
            "due_at", "owner", "is_overdue",
        ]  # fmt: skip

    owner = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)

    def get_assigned_organization(self, action) -> dict:
        return {"id": action.assigned_organization_id, "name": action.assigned_organization.name}

    def get_owner(self, action) -> dict | None:
        return {"id": action.owner_id, "name": action.owner.display_name} if action.owner_id else None


class AcknowledgeInput(InputSerializer):
    organization = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The organisation you acknowledge for; needed only when you respond for several invited ones."),
    )


class AcknowledgementSerializer(serializers.Serializer):
    organization = PartySerializer()
    acknowledged_at = serializers.DateTimeField()
    acknowledged_by = PartySerializer(allow_null=True)
    recorded = serializers.BooleanField(
        help_text=_("True when this call recorded the acknowledgement; false when it had been recorded before.")
    )


# --- Secretariat controls ----------------------------------------------------------


class TierInput(InputSerializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=2000, default="")


class TlpInput(InputSerializer):
    tlp = serializers.ChoiceField(choices=Tlp.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=2000, default="")


class CommanderInput(InputSerializer):
    commander = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class RecipientInput(InputSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


# --- Activation requests and debriefs ------------------------------------------------


class ActivationRequestInput(InputSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    title = StrictCharField(max_length=200)
    summary = StrictCharField(required=False, allow_blank=True, max_length=10000, default="")
    is_exercise = serializers.BooleanField(required=False, default=False)
    ongoing_violent_event = serializers.BooleanField(required=False, default=False)
    perpetrator_produced = serializers.BooleanField(required=False, default=False)
    livestreamed = serializers.BooleanField(required=False, default=False)
    spreading_across_platforms = serializers.BooleanField(required=False, default=False)


class CriteriaInput(NestedInputSerializer):
    """Nested in ConfirmInput."""

    ongoing_violent_event = serializers.BooleanField(required=False)
    perpetrator_produced = serializers.BooleanField(required=False)
    livestreamed = serializers.BooleanField(required=False)
    spreading_across_platforms = serializers.BooleanField(required=False)


class ConfirmInput(InputSerializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    tlp = serializers.ChoiceField(choices=Tlp.choices)
    organizations = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), many=True, required=False, default=list
    )
    criteria = CriteriaInput(required=False, help_text=_("The secretariat's answers; the requester's by default."))


class DeclineInput(InputSerializer):
    reason = StrictCharField(max_length=2000)


class ActivationRequestSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField()
    requested_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = ActivationRequest
        fields = [
            "id",
            "title",
            "summary",
            "is_exercise",
            "ongoing_violent_event",
            "perpetrator_produced",
            "livestreamed",
            "spreading_across_platforms",
            "organization",
            "requested_by",
            "requested_at",
            "status",
            "decided_by",
            "decided_at",
            "decline_reason",
            "incident",
        ]

    def get_organization(self, request) -> dict:
        return {"id": request.organization_id, "name": request.organization.name}

    def get_requested_by(self, request) -> dict | None:
        user = request.requested_by
        return {"id": user.pk, "name": user.display_name} if user else None

    def get_decided_by(self, request) -> dict | None:
        user = request.decided_by
        return {"id": user.pk, "name": user.display_name} if user else None


class PublishedIndicatorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IndicatorKind.choices)
    value = serializers.CharField()
    defanged = serializers.SerializerMethodField()

    def get_defanged(self, row) -> str:
        return defang(row.kind, row.value)


class DebriefSerializer(serializers.ModelSerializer):
    """The public debrief: its own fields and the indicators the secretariat chose to publish with
    it (copied at publication), never the incident's."""

    tlp = serializers.SerializerMethodField()
    indicators = PublishedIndicatorSerializer(source="published_indicators", many=True, read_only=True)

    class Meta:
        model = Debrief
        fields = ["id", "title", "summary", "published_at", "is_exercise", "tlp", "indicators"]

    def get_tlp(self, debrief) -> str:
        return Tlp.CLEAR
