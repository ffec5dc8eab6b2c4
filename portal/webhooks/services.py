"""Every write about webhooks. Callers authorise first (portal.permissions.can_manage_webhooks);
these validate, own the transaction, record an audit event and queue sends after commit.

`emit_event` is the portal's API for other apps: call it inside the transaction that made
the change; the deliveries are written with it and queued only once it commits."""

import json
import uuid

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Organization
from ..services import actor_or_none, record_audit
from . import addresses, conf, signing
from .models import TEST_EVENT, WebhookDelivery, WebhookEndpoint, WebhookEvent


def _clean_url(url) -> str:
    url = str(url or "").strip()
    if not url or len(url) > 500:
        raise ValidationError({"url": _("Enter a URL of at most 500 characters.")})
    try:
        addresses.resolve(url)
    except addresses.RefusedAddressError as error:
        raise ValidationError({"url": str(error)}) from None
    return url


def _clean_events(events) -> list[str]:
    if isinstance(events, str) or not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = [str(e) for e in events if e not in WebhookEvent.values]
    if unknown:
        raise ValidationError({"events": _("Unknown events: %(events)s") % {"events": ", ".join(unknown)}})
    return [value for value in WebhookEvent.values if value in events]  # catalogue order, no repeats


def create_endpoint(
    *, actor, organization: Organization, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret, which the caller shows once."""
    cleaned_url, cleaned_events = _clean_url(url), _clean_events(events)
    secret = signing.generate_secret()
    with transaction.atomic():
        # Lock the organisation so two concurrent creates cannot both pass the cap.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if WebhookEndpoint.objects.filter(organization=organization).count() >= conf.max_endpoints_per_organization():
            raise ValidationError(
                _("An organisation can have at most %(n)d webhook endpoints.")
                % {"n": conf.max_endpoints_per_organization()}
            )
        endpoint = WebhookEndpoint.objects.create(
            organization=organization,
            url=cleaned_url,
            events=cleaned_events,
            description=str(description or "").strip()[:200],
            secret=secret,
            created_by=actor_or_none(actor),
        )
        record_audit(
            actor=actor, action="webhook.created", organization=organization, target=cleaned_url, events=cleaned_events
        )
    return endpoint, secret


def update_endpoint(
    *, actor, endpoint: WebhookEndpoint, events: list[str] | None = None, description: str | None = None
) -> WebhookEndpoint:
    fields = {}
    if events is not None:
        fields["events"] = _clean_events(events)
    if description is not None:
        fields["description"] = str(description).strip()[:200]
    if not fields:
        return endpoint
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**fields)
        record_audit(
            actor=actor, action="webhook.updated", organization=endpoint.organization, target=endpoint.url, **fields
        )
    endpoint.refresh_from_db()
    return endpoint


def set_endpoint_active(*, actor, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Enabling starts the failure count afresh and checks the address again."""
    if active:
        _clean_url(endpoint.url)
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=not active).update(
            is_active=active, consecutive_failures=0, disabled_at=None if active else timezone.now()
        )
        if changed:
            record_audit(
                actor=actor,
                action="webhook.enabled" if active else "webhook.disabled",
                organization=endpoint.organization,
                target=endpoint.url,
            )
    endpoint.refresh_from_db()
    return endpoint


def delete_endpoint(*, actor, endpoint: WebhookEndpoint) -> None:
    with transaction.atomic():
        deleted, _rows = WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
        if deleted:
            record_audit(actor=actor, action="webhook.deleted", organization=endpoint.organization, target=endpoint.url)


def _body(*, delivery_uuid: uuid.UUID, event: str, payload: dict, organization_id: int) -> str:
    envelope = {
        "id": str(delivery_uuid),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "organization": organization_id,
        "data": payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)


def _queue_after_commit(delivery_ids: list[int]) -> None:
    from .tasks import send_webhook_task

    def queue():
        for delivery_id in delivery_ids:
            send_webhook_task.delay(delivery_id=delivery_id)

    if delivery_ids:
        transaction.on_commit(queue)


def emit_event(*, organization_ids, event: str, payload: dict) -> list[WebhookDelivery]:
    """One delivery per active endpoint of these organisations subscribed to `event`,
    queued after the surrounding transaction commits. The payload must be JSON-serialisable
    and hold only what every listed organisation may see."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    if not isinstance(payload, dict):
        raise TypeError("a webhook payload is a dict")
    json.dumps(payload, cls=DjangoJSONEncoder)  # fail in the caller, not in a worker
    # Few endpoints per organisation (capped): the event filter runs here because
    # JSON containment is not portable to SQLite.
    endpoints = WebhookEndpoint.objects.filter(organization_id__in=list(organization_ids), is_active=True).only(
        "pk", "organization_id", "events"
    )
    created = []
    with transaction.atomic():
        for endpoint in endpoints:
            if event not in endpoint.events:
                continue
            delivery_uuid = uuid.uuid4()
            created.append(
                WebhookDelivery(
                    uuid=delivery_uuid,
                    endpoint_id=endpoint.pk,
                    event=event,
                    body=_body(
                        delivery_uuid=delivery_uuid,
                        event=event,
                        payload=payload,
                        organization_id=endpoint.organization_id,
                    ),
                )
            )
        for delivery in created:
            delivery.save()
        _queue_after_commit([delivery.pk for delivery in created])
    return created


def send_test_event(*, actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A "ping" delivery to this endpoint, disabled or not, so admins can check it before enabling."""
    with transaction.atomic():
        delivery_uuid = uuid.uuid4()
        payload = {"message": "Test event from Call Portal", "endpoint": endpoint.pk}
        delivery = WebhookDelivery.objects.create(
            uuid=delivery_uuid,
            endpoint=endpoint,
            event=TEST_EVENT,
            body=_body(
                delivery_uuid=delivery_uuid, event=TEST_EVENT, payload=payload, organization_id=endpoint.organization_id
            ),
        )
        record_audit(actor=actor, action="webhook.test_sent", organization=endpoint.organization, target=endpoint.url)
        _queue_after_commit([delivery.pk])
    return delivery
