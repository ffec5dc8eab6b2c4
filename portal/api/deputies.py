"""Deputies under /api/v1/organizations/{id}/deputies/: who covers whom (the organisation's
responders, its admins, the secretariat), naming one and ending one. The rules are
portal/services/deputies.py's; bad input is a 400 and changes nothing."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import permissions, services
from portal.contacts import selectors
from portal.models import Membership

from .parsing import InputSerializer, parse_input

MAX_ID = 2**63 - 1


class DeputySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    membership = serializers.IntegerField(source="membership_id", help_text=_("The responder covered."))
    responder = serializers.CharField(source="membership.user.display_name")
    deputy = serializers.IntegerField(source="deputy_id", help_text=_("The member who covers."))
    deputy_name = serializers.CharField(source="deputy.user.display_name")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class DeputyInput(InputSerializer):
    membership = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The responder covered."))
    deputy = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The member who covers."))
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


def _organization(request, pk):
    organization = permissions.access_organization(request.user, pk)
    if not permissions.can_view_deputies(request.user, organization):
        raise PermissionDenied
    return organization


def _member(organization, pk, field):
    membership = Membership.objects.filter(organization=organization, pk=pk).select_related("user").first()
    if membership is None:
        raise ValidationError({field: [_("Choose a member of this organisation.")]})
    return membership


class Deputies(APIView):
    permission_classes = [IsAuthenticated, permissions.SecretariatTwoFactor]

    @extend_schema(
        summary=_("Who covers whom: deputies whose period has not ended"), responses=DeputySerializer(many=True)
    )
    def get(self, request, pk):
        organization = _organization(request, pk)
        return Response(DeputySerializer(selectors.list_deputies(organization), many=True).data)

    @extend_schema(
        summary=_("Name a deputy for a responder's leave (the responder, its admins, the secretariat)"),
        request=DeputyInput,
        responses={201: DeputySerializer},
    )
    def post(self, request, pk):
        organization = _organization(request, pk)
        data = parse_input(DeputyInput, request)
        deputy = services.name_deputy(
            actor=request.user,
            membership=_member(organization, data["membership"], "membership"),
            deputy=_member(organization, data["deputy"], "deputy"),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )
        return Response(DeputySerializer(deputy).data, status=status.HTTP_201_CREATED)


class DeputyDetail(APIView):
    permission_classes = [IsAuthenticated, permissions.SecretariatTwoFactor]

    @extend_schema(summary=_("End a deputy's cover"), request=None, responses={204: None})
    def delete(self, request, pk, deputy_id):
        organization = _organization(request, pk)
        deputy = get_object_or_404(selectors.list_deputies(organization), pk=deputy_id)
        services.end_deputy(actor=request.user, deputy=deputy)
        return Response(status=status.HTTP_204_NO_CONTENT)
