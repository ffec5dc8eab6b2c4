"""Activation requests and public debriefs over the API."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.parsing import parse_input

from .. import selectors, services
from ..caching import NoStoreMixin
from ..permissions import access_activation_request, access_published_debrief, can_manage_incident
from . import serializers as s
from .views import incident_detail_data


class ActivationRequests(NoStoreMixin, generics.ListAPIView):
    serializer_class = s.ActivationRequestSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.list_activation_requests_for(self.request.user)

    @extend_schema(
        summary=gettext_lazy("Request activation (a supporter's responder)"),
        request=s.ActivationRequestInput,
        responses={201: s.ActivationRequestSerializer},
    )
    def post(self, request):
        activation = services.request_activation(actor=request.user, **parse_input(s.ActivationRequestInput, request))
        activation = selectors.list_activation_requests_for(request.user).get(pk=activation.pk)
        return Response(s.ActivationRequestSerializer(activation).data, status=status.HTTP_201_CREATED)


class ActivationRequestDetail(NoStoreMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=gettext_lazy("An activation request"), responses=s.ActivationRequestSerializer)
    def get(self, request, request_id):
        return Response(s.ActivationRequestSerializer(access_activation_request(request.user, request_id)).data)


class ActivationConfirm(NoStoreMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=gettext_lazy("Confirm: declare the incident (secretariat)"),
        request=s.ConfirmInput,
        responses={201: s.IncidentDetailSerializer},
    )
    def post(self, request, request_id):
        activation = access_activation_request(request.user, request_id, for_write=True)
        if not can_manage_incident(request.user):
            raise PermissionDenied
        data = parse_input(s.ConfirmInput, request)
        incident = services.confirm_activation(
            actor=request.user,
            request=activation,
            tier=data["tier"],
            tlp=data["tlp"],
            organizations=data["organizations"],
            criteria=data.get("criteria") or {},
        )
        return Response(incident_detail_data(request, incident), status=status.HTTP_201_CREATED)


class ActivationDecline(NoStoreMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=gettext_lazy("Decline with a reason (secretariat)"),
        request=s.DeclineInput,
        responses=s.ActivationRequestSerializer,
    )
    def post(self, request, request_id):
        activation = access_activation_request(request.user, request_id, for_write=True)
        services.decline_activation(actor=request.user, request=activation, **parse_input(s.DeclineInput, request))
        return Response(s.ActivationRequestSerializer(activation).data)


class Debriefs(NoStoreMixin, generics.ListAPIView):
    """Public: published debriefs only."""

    serializer_class = s.DebriefSerializer
    permission_classes = [AllowAny]

    def get_queryset(self):
        return selectors.published_debriefs()


class DebriefDetail(NoStoreMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary=gettext_lazy("A published debrief (TLP:CLEAR)"), responses=s.DebriefSerializer)
    def get(self, request, debrief_id):
        return Response(s.DebriefSerializer(access_published_debrief(debrief_id)).data)
