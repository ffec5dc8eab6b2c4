"""The incident's public debrief in the API (#15 parity): read, save, publish and withdraw it, with
the report page's services. Writing is the secretariat's (IncidentEndpoint: access_incident with
write access on unsafe methods)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from portal.api.parsing import InputSerializer, StrictCharField, parse_input

from .. import selectors, services
from ..debrief_scan import FindingKind
from ..permissions import access_debrief_draft, check_manage
from ..selectors.debrief_scan import debrief_findings
from .base import INCIDENT, IncidentEndpoint


class DebriefDraftSerializer(serializers.Serializer):
    title = serializers.CharField()
    summary = serializers.CharField()
    is_published = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True)


class DebriefInput(InputSerializer):
    title = StrictCharField(max_length=200)
    summary = StrictCharField(max_length=20000)


class PublishInput(InputSerializer):
    published = serializers.BooleanField()
    indicators = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=1000,
        help_text=gettext_lazy(
            "When publishing: the numbers of the incident's indicators to publish with the debrief (TLP:CLEAR)."
        ),
    )


class IncidentDebrief(IncidentEndpoint):
    access = INCIDENT

    def _debrief(self):
        debrief = selectors.debrief_of(self.incident)
        if debrief is None:
            raise NotFound(_("Write the debrief first."))
        return debrief

    @extend_schema(
        summary=gettext_lazy("The incident's public debrief (the secretariat)"), responses=DebriefDraftSerializer
    )
    def get(self, request, incident_id):
        check_manage(request.user)
        return Response(DebriefDraftSerializer(self._debrief()).data)

    @extend_schema(summary=gettext_lazy("Write or rewrite the public debrief"), request=DebriefInput,
                   responses=DebriefDraftSerializer)  # fmt: skip
    def put(self, request, incident_id):
        data = parse_input(DebriefInput, request)
        debrief = services.save_debrief(actor=request.user, incident=self.incident, **data)
        return Response(DebriefDraftSerializer(debrief).data)

    @extend_schema(summary=gettext_lazy("Publish the debrief, or withdraw it (published: false)"),
                   request=PublishInput, responses=DebriefDraftSerializer)  # fmt: skip
    def post(self, request, incident_id):
        data = parse_input(PublishInput, request)
        debrief = self._debrief()
        if data["published"]:
            services.publish_debrief(actor=request.user, debrief=debrief, indicator_ids=data.get("indicators", ()))
        else:
            services.unpublish_debrief(actor=request.user, debrief=debrief)
        return Response(DebriefDraftSerializer(selectors.debrief_of(self.incident)).data)


class FindingSerializer(serializers.Serializer):
    id = serializers.CharField(source="finding.id")
    kind = serializers.ChoiceField(source="finding.kind", choices=FindingKind.choices)
    text = serializers.CharField(source="finding.text")
    field = serializers.ChoiceField(source="finding.field", choices=["title", "summary"])
    start = serializers.IntegerField(source="finding.start")
    end = serializers.IntegerField(source="finding.end")
    known = serializers.BooleanField(
        source="finding.known", help_text=gettext_lazy("One of the incident's own indicators or people.")
    )
    confirmed = serializers.BooleanField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmed_by = serializers.CharField()


class ConfirmFindingInput(InputSerializer):
    finding = StrictCharField(max_length=64)


class DebriefFindings(IncidentEndpoint):
    """The leak scan of the debrief's current text: each finding must be removed from the text or
    confirmed here before the debrief is published. Both are the secretariat's
    (permissions.access_debrief_draft)."""

    access = INCIDENT

    @extend_schema(
        summary=gettext_lazy("The leak scan's findings in the debrief (the secretariat)"),
        responses=FindingSerializer(many=True),
    )
    def get(self, request, incident_id):
        debrief = access_debrief_draft(request.user, self.incident)
        return Response(FindingSerializer(debrief_findings(debrief), many=True).data)

    @extend_schema(
        summary=gettext_lazy("Confirm that one finding of the leak scan may be published"),
        request=ConfirmFindingInput,
        responses=FindingSerializer(many=True),
    )
    def post(self, request, incident_id):
        debrief = access_debrief_draft(request.user, self.incident)
        finding = parse_input(ConfirmFindingInput, request)["finding"]
        services.confirm_debrief_finding(actor=request.user, debrief=debrief, finding_id=finding)
        return Response(FindingSerializer(debrief_findings(debrief), many=True).data)
