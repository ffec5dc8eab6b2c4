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
from ..permissions import check_manage
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
        published = parse_input(PublishInput, request)["published"]
        debrief = self._debrief()
        if published:
            services.publish_debrief(actor=request.user, debrief=debrief)
        else:
            services.unpublish_debrief(actor=request.user, debrief=debrief)
        return Response(DebriefDraftSerializer(selectors.debrief_of(self.incident)).data)
