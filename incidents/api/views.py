"""The incident API. Each handler resolves and authorises the incident first
(incidents.permissions: 404 for what the caller may not see, 403 for a room they
may not enter or a change they may not make), then calls one service or selector."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import Throttled
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import Organization

from .. import events, selectors, services
from ..caching import NoStoreMixin
from ..models import ActionItem, Indicator
from ..permissions import access_incident, access_room, check_manage, is_in_audience
from . import serializers as s

MAX_PAGE = 500
DEFAULT_PAGE = 100


def _parse(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _detail(request, incident):
    incident = selectors.incident_detail_for(request.user, incident.pk)
    if is_in_audience(request.user, incident):
        return s.IncidentDetailSerializer(incident).data
    return s.IncidentSummarySerializer(incident).data


def _int_param(request, name, *, default=None, minimum=0, maximum=None):
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: _("Enter a whole number.")}) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ValidationError({name: _("Out of range.")})
    return value


class IncidentList(NoStoreMixin, generics.ListAPIView):
    serializer_class = s.IncidentSummarySerializer

    def get_queryset(self):
        return selectors.list_incidents_for(self.request.user)

    @extend_schema(
        summary=gettext_lazy("Declare an incident (secretariat)"),
        request=s.DeclareInput,
        responses={201: s.IncidentDetailSerializer},
    )
    def post(self, request):
        check_manage(request.user)
        incident = services.declare_incident(actor=request.user, **_parse(s.DeclareInput, request))
        return Response(_detail(request, incident), status=status.HTTP_201_CREATED)


class IncidentDetail(NoStoreMixin, APIView):
    @extend_schema(
        summary=gettext_lazy("An incident (the public summary only, outside its audience)"),
        responses=s.IncidentDetailSerializer,
    )
    def get(self, request, incident_id):
        return Response(_detail(request, access_incident(request.user, incident_id)))


class IncidentStatus(NoStoreMixin, APIView):
    @extend_schema(
        summary=gettext_lazy("Change the status (secretariat)"),
        request=s.StatusInput,
        responses=s.IncidentDetailSerializer,
    )
    def post(self, request, incident_id):
        incident = access_incident(request.user, incident_id, for_write=True)
        services.change_status(actor=request.user, incident=incident, **_parse(s.StatusInput, request))
        return Response(_detail(request, incident))


class IncidentOrganizations(NoStoreMixin, APIView):
    @extend_schema(
        summary=gettext_lazy("Invite an organisation (secretariat)"),
        request=s.OrganizationInput,
        responses=s.IncidentDetailSerializer,
    )
    def post(self, request, incident_id):
        incident = access_incident(request.user, incident_id, for_write=True)
        services.invite_organization(actor=request.user, incident=incident, **_parse(s.OrganizationInput, request))
        return Response(_detail(request, incident))


class IncidentOrganization(NoStoreMixin, APIView):
    @extend_schema(summary=gettext_lazy("Uninvite an organisation (secretariat)"), responses={204: None})
    def delete(self, request, incident_id, organization_id):
        incident = access_incident(request.user, incident_id, for_write=True)
        organization = get_object_or_404(Organization, pk=organization_id)
        services.uninvite_organization(actor=request.user, incident=incident, organization=organization)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomItems(NoStoreMixin, APIView):
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
        incident = access_room(request.user, incident_id)
        after = _int_param(request, "after")
        before = _int_param(request, "before", minimum=1)
        limit = _int_param(request, "limit", default=DEFAULT_PAGE, minimum=1, maximum=MAX_PAGE)
        items = selectors.room_items(incident, after=after, before=before)
        if after is None:  # from the end backwards
            items = list(items.order_by("-seq")[: limit + 1])
            has_more = len(items) > limit
            items = items[:limit][::-1]
        else:
            items = list(items[: limit + 1])
            has_more = len(items) > limit
            items = items[:limit]
        return Response({"results": [events.item_frame(item) for item in items], "has_more": has_more})

    @extend_schema(
        summary=gettext_lazy("Post a message (same as the websocket)"),
        request=s.MessageInput,
        responses={201: s.PostedSerializer, 503: OpenApiTypes.OBJECT},
    )
    def post(self, request, incident_id):
        # An outage while storing is portal.middleware.ServiceUnavailableMiddleware's 503: the
        # message is one transaction, so nothing was stored and the same client_id may be sent again.
        incident = access_room(request.user, incident_id)
        data = _parse(s.MessageInput, request)
        try:
            item = services.post_message(incident=incident, actor=request.user, **data)
        except services.RoomFloodedError as error:
            raise Throttled(wait=services.FLOOD_WINDOW_SECONDS, detail=str(error)) from None  # sets Retry-After
        ack = {"client_id": str(item.client_id) if item.client_id else None, "seq": item.seq}
        return Response({"ack": ack, "item": events.item_frame(item)}, status=status.HTTP_201_CREATED)


class Indicators(NoStoreMixin, APIView):
    @extend_schema(
        summary=gettext_lazy("Indicators, defanged, with per-platform status"),
        responses=s.IndicatorSerializer(many=True),
    )
    def get(self, request, incident_id):
        incident = access_room(request.user, incident_id)
        return Response(s.IndicatorSerializer(selectors.incident_indicators(incident), many=True).data)

    @extend_schema(
        summary=gettext_lazy("Share an indicator (deduplicated)"),
        request=s.IndicatorInput,
        responses={201: s.IndicatorSerializer},
    )
    def post(self, request, incident_id):
        incident = access_room(request.user, incident_id)
        indicator, created = services.add_indicator(
            actor=request.user, incident=incident, **_parse(s.IndicatorInput, request)
        )
        indicator = selectors.incident_indicators(incident).get(pk=indicator.pk)
        return Response(
            s.IndicatorSerializer(indicator).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class IndicatorPlatformStatus(NoStoreMixin, APIView):
    @extend_schema(
        summary=gettext_lazy("Set your platform's status for an indicator"),
        request=s.PlatformStatusInput,
        responses=s.IndicatorSerializer,
    )
    def post(self, request, incident_id, indicator_id):
        incident = access_room(request.user, incident_id)
        indicator = get_object_or_404(Indicator, pk=indicator_id, incident=incident)
        services.set_platform_status(actor=request.user, indicator=indicator, **_parse(s.PlatformStatusInput, request))
        return Response(s.IndicatorSerializer(selectors.incident_indicators(incident).get(pk=indicator.pk)).data)


class Actions(NoStoreMixin, APIView):
    @extend_schema(summary=gettext_lazy("Action items"), responses=s.ActionSerializer(many=True))
    def get(self, request, incident_id):
        incident = access_room(request.user, incident_id)
        return Response(s.ActionSerializer(selectors.incident_actions(incident), many=True).data)

    @extend_schema(
        summary=gettext_lazy("Assign an action to an organisation"),
        request=s.ActionInput,
        responses={201: s.ActionSerializer},
    )
    def post(self, request, incident_id):
        incident = access_room(request.user, incident_id)
        action = services.create_action(actor=request.user, incident=incident, **_parse(s.ActionInput, request))
        return Response(s.ActionSerializer(action).data, status=status.HTTP_201_CREATED)


class ActionComplete(NoStoreMixin, APIView):
    @extend_schema(summary=gettext_lazy("Mark an action done"), request=None, responses=s.ActionSerializer)
    def post(self, request, incident_id, action_id):
        incident = access_room(request.user, incident_id)
        action = get_object_or_404(
            ActionItem.objects.select_related("assigned_organization"), pk=action_id, incident=incident
        )
        services.complete_action(actor=request.user, action=action)
        return Response(s.ActionSerializer(action).data)
