"""Webhook endpoints under /api/v1/webhooks/, for organisation admins and the secretariat.
Each handler authorises through portal.permissions and calls one webhook service or selector."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from portal import permissions
from portal.webhooks import selectors, services, signing
from portal.webhooks.models import PayloadFormat, WebhookDelivery, WebhookEndpoint, WebhookEvent

from .pagination import PortalPagination
from .parsing import InputSerializer, StrictCharField, parse_input


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "organization",
            "url",
            "description",
            "events",
            "payload_format",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "created_at",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text=_("The signing secret. Shown in this response only."))
    standard_secret = serializers.SerializerMethodField(
        help_text=_("The same secret as Standard Webhooks libraries take it (whsec_ and base64).")
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret", "standard_secret"]
        read_only_fields = fields

    def get_standard_secret(self, endpoint) -> str:
        return signing.standard_secret(endpoint.secret)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "uuid",
            "event",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields


class EventsField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False, max_length=20, **kwargs
        )


class WebhookEndpointCreateInput(InputSerializer):
    organization = serializers.IntegerField(min_value=1)
    url = StrictCharField(max_length=500)
    events = EventsField()
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    payload_format = serializers.ChoiceField(choices=PayloadFormat.choices, required=False)
    integration_key = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("PagerDuty's routing key or Opsgenie's API key; write-only."),
    )


class WebhookEndpointUpdateInput(InputSerializer):
    events = EventsField(required=False)
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    integration_key = StrictCharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


@extend_schema_view(
    list=extend_schema(summary=_("Webhook endpoints of the organisations you administer")),
    retrieve=extend_schema(summary=_("A webhook endpoint")),
)
class WebhookEndpointViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = WebhookEndpoint.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = WebhookEndpointSerializer
    permission_classes = [IsAuthenticated, permissions.SecretariatTwoFactor]
    pagination_class = PortalPagination

    def get_queryset(self):
        return selectors.list_endpoints_for(self.request.user)

    def retrieve(self, request, pk):
        return Response(WebhookEndpointSerializer(permissions.access_webhook_endpoint(request.user, pk)).data)

    @extend_schema(
        summary=_("Register an endpoint; its signing secret is in this response only"),
        request=WebhookEndpointCreateInput,
        responses={201: WebhookEndpointCreatedSerializer},
    )
    def create(self, request):
        data = dict(parse_input(WebhookEndpointCreateInput, request))
        organization = permissions.access_organization(request.user, data.pop("organization"))
        if not permissions.can_manage_webhooks(request.user, organization):
            raise PermissionDenied
        endpoint, secret = services.create_endpoint(actor=request.user, organization=organization, **data)
        endpoint.secret = secret
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change an endpoint's events, description, or enable / disable it"),
        request=WebhookEndpointUpdateInput,
        responses=WebhookEndpointSerializer,
    )
    def partial_update(self, request, pk):
        endpoint = permissions.access_webhook_endpoint(request.user, pk, for_write=True)
        data = dict(parse_input(WebhookEndpointUpdateInput, request))
        active = data.pop("is_active", None)
        if data:
            endpoint = services.update_endpoint(actor=request.user, endpoint=endpoint, **data)
        if active is not None:
            endpoint = services.set_endpoint_active(actor=request.user, endpoint=endpoint, active=active)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(summary=_("Delete an endpoint"), responses={204: OpenApiResponse(description=_("Deleted."))})
    def destroy(self, request, pk):
        endpoint = permissions.access_webhook_endpoint(request.user, pk, for_write=True)
        services.delete_endpoint(actor=request.user, endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary=_("Send a test event"), request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk):
        endpoint = permissions.access_webhook_endpoint(request.user, pk, for_write=True)
        delivery = services.send_test_event(actor=request.user, endpoint=endpoint)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary=_("The endpoint's delivery log, newest first"), responses=WebhookDeliverySerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk):
        endpoint = permissions.access_webhook_endpoint(request.user, pk)
        page = self.paginate_queryset(selectors.list_deliveries(endpoint))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
