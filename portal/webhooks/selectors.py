"""Reads about webhooks. Callers authorise first (portal.permissions.access_webhook_endpoint)."""

from django.db.models import Count, Q

from ..models import Organization, Role
from ..permissions import is_secretariat
from ..roles import holding
from .models import WebhookDeliveryStatus, WebhookEndpoint


def list_endpoints(organization: Organization):
    return (
        WebhookEndpoint.objects.filter(organization=organization)
        .annotate(failed_count=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.FAILED)))
        .order_by("created_at", "pk")
    )


def list_endpoints_for(user):
    """Endpoints of the organisations this user administers (every one, for the secretariat)."""
    qs = WebhookEndpoint.objects.select_related("organization").order_by("created_at", "pk")
    if is_secretariat(user):
        return qs
    return qs.filter(holding(Role.ADMIN, through="organization__memberships__"), organization__memberships__user=user)


def list_deliveries(endpoint: WebhookEndpoint):
    return endpoint.deliveries.defer("body").order_by("-created_at", "-pk")
