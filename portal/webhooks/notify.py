"""Telling an organisation's admins that an endpoint was disabled: one email per admin per
disablement, through the portal's delivery records, so a rerun sends nothing twice."""

import logging

from django.urls import reverse

from ..emails import language_for, render_templated
from ..models import Membership, Role
from ..notifications import conf as notifications_conf
from ..notifications import deliveries
from ..roles import holding
from .models import WebhookEndpoint

logger = logging.getLogger(__name__)

KIND = "webhook_disabled"


def notify_endpoint_disabled(*, endpoint_id: int) -> None:
    """Raises deliveries.TransientDeliveryError when a send may be retried (admins already
    served are skipped on the retry)."""
    endpoint = WebhookEndpoint.objects.select_related("organization").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_active or endpoint.disabled_at is None:
        logger.info("Webhook endpoint %s gone or enabled again; nobody told", endpoint_id)
        return
    admins = (
        Membership.objects.filter(holding(Role.ADMIN), organization_id=endpoint.organization_id)
        .select_related("user")
        .order_by("user_id")
    )
    url = notifications_conf.site_url() + reverse(
        "portal:webhook_detail", args=[endpoint.organization.slug, endpoint.pk]
    )
    disabled = int(endpoint.disabled_at.timestamp())
    for membership in admins:
        user = membership.user
        delivery = deliveries.ensure_delivery(
            key=f"{KIND}:{endpoint.pk}:{disabled}:{user.email.lower()}",
            kind=KIND,
            recipient=user,
            to_address=user.email,
            object_id=endpoint.pk,
            period=str(disabled),
        )

        def build(_delivery, user=user):
            context = {"endpoint": endpoint, "organization": endpoint.organization, "url": url}
            return render_templated(
                to=[user.email], template="webhook_disabled", context=context, language=language_for(user)
            )

        deliveries.deliver(delivery.pk, build)
