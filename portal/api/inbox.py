"""The notification centre under /api/v1/notifications/: one's own notifications, newest first,
and marking them read (the page's counterparts; the live stream is /ws/notifications/)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import permissions
from ..notifications import inbox, inbox_queries
from ..notifications.stream_models import Notification
from .pagination import PortalPagination


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(help_text=_("In the language of the request"))
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "seq", "kind", "text", "url", "created_at", "read", "read_at"]

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


UnreadSerializer = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})


class NotificationList(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PortalPagination
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # the schema's model; get_queryset reads the user's own

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return inbox_queries.list_notifications_of(self.request.user)

    @extend_schema(summary=_("Your notifications, newest first"))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MarkNotificationRead(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("Mark one of your notifications read"), request=None, responses=UnreadSerializer)
    def post(self, request, pk):
        notification = permissions.access_notification(request.user, pk)
        inbox.mark_read(user=request.user, notification_id=notification.pk)
        return Response({"unread": inbox_queries.unread_count(request.user.pk)})


class MarkAllNotificationsRead(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary=_("Mark all your notifications read"), request=None, responses=UnreadSerializer)
    def post(self, request):
        inbox.mark_all_read(user=request.user)
        return Response({"unread": 0})
