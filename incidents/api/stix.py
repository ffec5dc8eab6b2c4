"""An incident's indicators in STIX 2.1: GET exports the bundle, POST imports one. Both are
the room's (access_room, as the indicators list and the CSV): importing adds each indicator
as sharing one in the room would, so the room's posting rule decides it (the service checks
it before reading anything)."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal.api.parsers import JSONParser

from .. import exports, services
from ..services.exchange import OUTCOMES
from .base import ROOM, IncidentEndpoint


class StixJSONParser(JSONParser):
    media_type = "application/stix+json"


class StixJSONRenderer(JSONRenderer):
    media_type = "application/stix+json"


class ImportResultSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True, help_text=gettext_lazy("The object's STIX id, as sent."))
    type = serializers.CharField(allow_null=True)
    result = serializers.ChoiceField(choices=OUTCOMES)
    detail = serializers.CharField(help_text=gettext_lazy("Why it was not added, if it was not."))
    kind = serializers.CharField(allow_null=True)
    indicator = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("The portal's indicator, added or already there.")
    )


class ImportAnswerSerializer(serializers.Serializer):
    results = ImportResultSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())


class IndicatorsStix(IncidentEndpoint):
    access = ROOM
    parser_classes = [JSONParser, StixJSONParser]
    renderer_classes = [JSONRenderer, StixJSONRenderer]

    @extend_schema(
        summary=gettext_lazy("Indicators as a STIX 2.1 bundle, marked with the incident's TLP 2.0 level"),
        responses={(200, exports.STIX_CONTENT_TYPE): OpenApiResponse(response=OpenApiTypes.OBJECT)},
    )
    def get(self, request, incident_id):
        bundle = exports.indicators_stix(self.incident, request.user)
        response = HttpResponse(bundle, content_type=exports.STIX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{exports.stix_filename(self.incident)}"'
        return response

    @extend_schema(
        summary=gettext_lazy("Import the indicators of a STIX 2.1 bundle (each object's result)"),
        request={"application/json": OpenApiTypes.OBJECT, "application/stix+json": OpenApiTypes.OBJECT},
        responses=ImportAnswerSerializer,
    )
    def post(self, request, incident_id):
        results = services.import_stix_bundle(actor=request.user, incident=self.incident, bundle=request.data)
        counts = dict.fromkeys(OUTCOMES, 0)
        for result in results:
            counts[result.result] += 1
        return Response(
            {"results": ImportResultSerializer(results, many=True).data, "counts": counts},
        )
