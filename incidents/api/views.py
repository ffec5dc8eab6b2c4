"""The incident API. The views of one incident are IncidentEndpoints (base.py), which
resolve and authorise it before the handler runs (404 for what the caller may not see,
403 for a room they may not enter or a change they may not make); each handler then
parses its body and calls one service or selector."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import Throttled
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from portal.api.parsing import int_query_param, parse_input
from portal.models import Organization

from .. import events, selectors, services
from ..caching import NoStoreMixin
from ..models import ActionItem, Indicator
from ..permissions import check_manage, is_in_audience
from . import serializers as s
from .base import ROOM, IncidentEndpoint
from .filters import IncidentFilter

MAX_PAGE = 500
DEFAULT_PAGE = 100


def incident_detail_data(request, incident):
    incident = selectors.incident_detail_for(request.user, incident.pk)
    if is_in_audience(request.user, incident):
        return s.IncidentDetailSerializer(incident).data
    return s.IncidentSummarySerializer(incident).data


class IncidentList(NoStoreMixin, generics.ListAPIView):
    serializer_class = s.IncidentSummarySerializer
    filterset_class = IncidentFilter

    def get_queryset(self):
        return selectors.list_incidents_for(self.request.user)

    @extend_schema(
        summary=gettext_lazy("Declare an incident (secretariat)"),
        request=s.DeclareInput,
        responses={201: s.IncidentDetailSerializer},
    )
    def post(self, request):
        check_manage(request.user)
        incident = services.declare_incident(actor=request.user, **parse_input(s.DeclareInput, request))
        return Response(incident_detail_data(request, incident), status=status.HTTP_201_CREATED)


class IncidentDetail(IncidentEndpoint):
    @extend_schema(
        summary=gettext_lazy("An incident (the public summary only, outside its audience)"),
        responses=s.IncidentDetailSerializer,
    )
    def get(self, request, incident_id):
        return Response(incident_detail_data(request, self.incident))


class IncidentStatus(IncidentEndpoint):
    @extend_schema(
        summary=gettext_lazy("Change the status (secretariat)"),
        request=s.StatusInput,
        responses=s.IncidentDetailSerializer,
    )
    def post(self, request, incident_id):
        services.change_status(actor=request.user, incident=self.incident, **parse_input(s.StatusInput, request))
        return Response(incident_detail_data(request, self.incident))


class IncidentOrganizations(IncidentEndpoint):
    @extend_schema(
        summary=gettext_lazy("Invite an organisation (secretariat)"),
        request=s.OrganizationInput,
        responses=s.IncidentDetailSerializer,
    )
    def post(self, request, incident_id):
        services.invite_organization(
            actor=request.user, incident=self.incident, **parse_input(s.OrganizationInput, request)
        )
        return Response(incident_detail_data(request, self.incident))


class IncidentOrganization(IncidentEndpoint):
    @extend_schema(summary=gettext_lazy("Uninvite an organisation (secretariat)"), responses={204: None})
    def delete(self, request, incident_id, organization_id):
        organization = get_object_or_404(Organization, pk=organization_id)
        services.uninvite_organization(actor=request.user, incident=self.incident, organization=organization)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomItems(IncidentEndpoint):
    access = ROOM

    @extend_schema(
        summary=gettext_lazy("Room history by seq"),
        description=gettext_lazy(
            "`after=N`: the items after N, oldest first. `before=N`: the `limit` items before N. "
            "Neither: the latest `limit` items. Results are always in seq order."
        ),
        parameters=[
            OpenApiParameter("after", OpenApiTypes.INT),
            OpenApiParameter("before", OpenApiTypes.INT),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1 to {MAX_PAGE}, default {DEFAULT_PAGE}"),
        ],
        responses=s.ItemPageSerializer,
    )
    def get(self, request, incident_id):
        after = int_query_param(request, "after")
        before = int_query_param(request, "before", minimum=1)
        limit = int_query_param(request, "limit", default=DEFAULT_PAGE, minimum=1, maximum=MAX_PAGE)
        page = selectors.room_items_page(self.incident, after=after, before=before, limit=limit)
        return Response({"results": [events.item_frame(item) for item in page.items], "has_more": page.has_more})

    @extend_schema(
        summary=gettext_lazy("Post a message (same as the websocket)"),
        request=s.MessageInput,
        responses={201: s.PostedSerializer, 503: OpenApiTypes.OBJECT},
    )
    def post(self, request, incident_id):
        # An outage while storing is portal.middleware.ServiceUnavailableMiddleware's 503: the
        # message is one transaction, so nothing was stored and the same client_id may be sent again.
        data = parse_input(s.MessageInput, request)
        try:
            item = services.post_message(incident=self.incident, actor=request.user, **data)
        except services.RoomFloodedError as error:
            raise Throttled(wait=services.FLOOD_WINDOW_SECONDS, detail=str(error)) from None  # sets Retry-After
        ack = {"client_id": str(item.client_id) if item.client_id else None, "seq": item.seq}
        return Response({"ack": ack, "item": events.item_frame(item)}, status=status.HTTP_201_CREATED)


class Indicators(IncidentEndpoint):
    access = ROOM

    @extend_schema(
        summary=gettext_lazy("Indicators, defanged, with per-platform status"),
        responses=s.IndicatorSerializer(many=True),
    )
    def get(self, request, incident_id):
        indicators = selectors.with_near_matches(request.user, list(selectors.incident_indicators(self.incident)))
        return Response(s.IndicatorSerializer(indicators, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Share an indicator (deduplicated)"),
        request=s.IndicatorInput,
        responses={201: s.IndicatorSerializer},
    )
    def post(self, request, incident_id):
        indicator, created = services.add_indicator(
            actor=request.user, incident=self.incident, **parse_input(s.IndicatorInput, request)
        )
        indicator = selectors.incident_indicators(self.incident).get(pk=indicator.pk)
        selectors.with_near_matches(request.user, [indicator])
        return Response(
            s.IndicatorSerializer(indicator).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class IndicatorPlatformStatus(IncidentEndpoint):
    access = ROOM

    @extend_schema(
        summary=gettext_lazy("Set your platform's status for an indicator"),
        request=s.PlatformStatusInput,
        responses=s.IndicatorSerializer,
    )
    def post(self, request, incident_id, indicator_id):
        indicator = get_object_or_404(Indicator, pk=indicator_id, incident=self.incident)
        services.set_platform_status(
            actor=request.user, indicator=indicator, **parse_input(s.PlatformStatusInput, request)
        )
        indicator = selectors.incident_indicators(self.incident).get(pk=indicator.pk)
        selectors.with_near_matches(request.user, [indicator])
        return Response(s.IndicatorSerializer(indicator).data)


class Actions(IncidentEndpoint):
    access = ROOM

    @extend_schema(summary=gettext_lazy("Action items"), responses=s.ActionSerializer(many=True))
    def get(self, request, incident_id):
        return Response(s.ActionSerializer(selectors.incident_actions(self.incident), many=True).data)

    @extend_schema(
        summary=gettext_lazy("Assign an action to an organisation"),
        request=s.ActionInput,
        responses={201: s.ActionSerializer},
    )
    def post(self, request, incident_id):
        action = services.create_action(
            actor=request.user, incident=self.incident, **parse_input(s.ActionInput, request)
        )
        return Response(s.ActionSerializer(action).data, status=status.HTTP_201_CREATED)


class ActionComplete(IncidentEndpoint):
    access = ROOM

    @extend_schema(summary=gettext_lazy("Mark an action done"), request=None, responses=s.ActionSerializer)
    def post(self, request, incident_id, action_id):
        action = get_object_or_404(
            ActionItem.objects.select_related("assigned_organization"), pk=action_id, incident=self.incident
        )
        services.complete_action(actor=request.user, action=action)
        return Response(s.ActionSerializer(action).data)
