"""The audit log under /api/v1/audit/ (#15 API parity): the secretariat's page as JSON, with the
same filters (actor, organization, action, since, until) and the details in words."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated

from .. import audit_log, permissions, selectors
from ..models import AuditEvent
from .pagination import PortalPagination


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="event.pk")
    created_at = serializers.DateTimeField(source="event.created_at")
    actor = serializers.SerializerMethodField()
    action = serializers.CharField(source="event.action")
    action_name = serializers.CharField(source="action")
    organization = serializers.CharField(source="event.organization.name", default=None, allow_null=True)
    target = serializers.CharField(source="event.target")
    details = serializers.CharField()
    data = serializers.JSONField(source="event.data")

    def get_actor(self, row) -> str | None:
        return audit_log.actor_label(row.event)


class AuditLog(ListAPIView):
    """A paginated list (the schema says so); the rows are built by portal.audit_log, not a queryset."""

    permission_classes = [IsAuthenticated]
    pagination_class = PortalPagination
    serializer_class = AuditEventSerializer
    queryset = AuditEvent.objects.none()  # the schema's types; list() reads through the selector

    @extend_schema(
        summary=gettext_lazy("The audit log (secretariat), newest first"),
        parameters=[
            OpenApiParameter("actor", OpenApiTypes.STR, description="name or email contains"),
            OpenApiParameter("organization", OpenApiTypes.INT),
            OpenApiParameter("action", OpenApiTypes.STR),
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
        ],
    )
    def list(self, request, *args, **kwargs):
        if not permissions.can_read_audit_log(request.user):
            raise PermissionDenied(_("Only the secretariat, with two-factor authentication, reads the audit log."))
        form = audit_log.AuditFilterForm(request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise ValidationError(form.errors)
        events = audit_log.filtered(selectors.list_audit_events_for(request.user), form)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(self.get_serializer(audit_log.rows(page), many=True).data)
