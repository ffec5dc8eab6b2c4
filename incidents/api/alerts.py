"""Acknowledging an alert from an on-call tool (PagerDuty, Opsgenie, a script with an API token):
the email link's and the room button's service, for a responder of an invited organisation."""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from portal.api.parsing import parse_input

from .. import selectors, services
from . import serializers as s
from .base import ROOM, IncidentEndpoint


class AlertAcknowledge(IncidentEndpoint):
    # The room's audience, as the room's button: acknowledge_as_responder then asks whether the
    # caller acknowledges for the organisation (403 otherwise), by the same rule as the email link.
    access = ROOM

    @extend_schema(
        summary=gettext_lazy("Acknowledge the alert for your organisation"),
        request=s.AcknowledgeInput,
        responses=s.AcknowledgementSerializer,
    )
    def post(self, request, incident_id):
        data = parse_input(s.AcknowledgeInput, request)
        organization, recorded = services.acknowledge_as_responder(
            incident=self.incident, user=request.user, organization_id=data.get("organization")
        )
        ack = selectors.current_acknowledgement(incident=self.incident, organization=organization)
        by = ack.acknowledged_by
        return Response(
            s.AcknowledgementSerializer(
                {
                    "organization": {"id": organization.pk, "name": organization.name},
                    "acknowledged_at": ack.acknowledged_at,
                    "acknowledged_by": {"id": by.pk, "name": by.display_name} if by else None,
                    "recorded": recorded,
                }
            ).data
        )
