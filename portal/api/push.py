"""Web Push subscriptions under /api/v1/push/: the VAPID public key browsers subscribe with,
and subscribing or unsubscribing a browser (the service worker is /sw.js)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..notifications import push, push_keys
from .parsing import InputSerializer, NestedInputSerializer, parse_input

PublicKeySerializer = inline_serializer("WebPushKey", {"public_key": serializers.CharField()})


class KeysInput(NestedInputSerializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class SubscriptionInput(InputSerializer):
    endpoint = serializers.CharField(max_length=1000)
    keys = KeysInput()


class EndpointInput(InputSerializer):
    endpoint = serializers.CharField(max_length=1000)


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.CharField()
    created_at = serializers.DateTimeField()


class WebPushKey(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("The VAPID public key to subscribe a browser with"), responses=PublicKeySerializer)
    def get(self, request):
        return Response({"public_key": push_keys.public_key()})


class Subscribe(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("Subscribe a browser to your notifications (its PushSubscription as JSON)"),
        request=SubscriptionInput,
        responses={201: SubscriptionSerializer},
    )
    def post(self, request):
        data = parse_input(SubscriptionInput, request)
        try:
            subscription = push.subscribe(user=request.user, endpoint=data["endpoint"], **data["keys"])
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)


class Unsubscribe(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("Unsubscribe one of your browsers"), request=EndpointInput, responses={204: None, 404: None}
    )
    def post(self, request):
        data = parse_input(EndpointInput, request)
        if not push.unsubscribe(user=request.user, endpoint=data["endpoint"]):
            raise NotFound(_("No subscription of yours has this endpoint."))
        return Response(status=status.HTTP_204_NO_CONTENT)
