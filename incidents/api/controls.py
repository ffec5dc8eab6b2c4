"""The secretariat's controls and the indicators CSV over the API. Each view is an
IncidentEndpoint (base.py), which authorises the incident before the handler runs (404
invisible, 403 not the secretariat); the handler calls one service."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from portal.api.parsing import parse_input
from portal.models import User

from .. import exports, services
from . import serializers as s
from .base import ROOM, IncidentEndpoint
from .views import incident_detail_data


class IncidentTier(IncidentEndpoint):
    @extend_schema(
        summary=gettext_lazy("Escalate or de-escalate (secretariat)"),
        request=s.TierInput,
        responses=s.IncidentDetailSerializer,
    )
    def post(self, request, incident_id):
        services.change_tier(actor=request.user, incident=self.incident, **parse_input(s.TierInput, request))
        return Response(incident_detail_data(request, self.incident))


class IncidentTlp(IncidentEndpoint):
    @extend_schema(
        summary=gettext_lazy("Change the TLP level (secretariat); those who may no longer see it are disconnected"),
        request=s.TlpInput,
        responses=s.IncidentDetailSerializer,
    )
    def post(self, request, incident_id):
        services.change_tlp(actor=request.user, incident=self.incident, **parse_input(s.TlpInput, request))
        return Response(incident_detail_data(request, self.incident))


class IncidentCommander(IncidentEndpoint):
    @extend_schema(
        summary=gettext_lazy("Appoint the incident commander (secretariat)"),
        request=s.CommanderInput,
        responses=s.IncidentDetailSerializer,
    )
    def post(self, request, incident_id):
        services.set_commander(actor=request.user, incident=self.incident, **parse_input(s.CommanderInput, request))
        return Response(incident_detail_data(request, self.incident))


class IncidentRecipients(IncidentEndpoint):
    @extend_schema(
        summary=gettext_lazy("Name an individual of a TLP:RED incident (secretariat)"),
        request=s.RecipientInput,
        responses={204: None},
    )
    def post(self, request, incident_id):
        services.add_recipient(actor=request.user, incident=self.incident, **parse_input(s.RecipientInput, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class IncidentRecipient(IncidentEndpoint):
    @extend_schema(summary=gettext_lazy("Remove a named individual (secretariat)"), responses={204: None})
    def delete(self, request, incident_id, user_id):
        user = get_object_or_404(User, pk=user_id)
        services.remove_recipient(actor=request.user, incident=self.incident, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IndicatorsCsv(IncidentEndpoint):
    access = ROOM

    @extend_schema(
        summary=gettext_lazy("Indicators as CSV: defanged, safe to open in a spreadsheet"),
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR)},
    )
    def get(self, request, incident_id):
        response = HttpResponse(exports.indicators_csv(self.incident), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{exports.indicators_filename(self.incident)}"'
        return response
