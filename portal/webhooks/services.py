"""Every write about webhooks. Callers authorise first (portal.permissions.can_manage_webhooks);
these validate, own the transaction, record an audit event and queue sends after commit.

`emit_event` is the portal's API for other apps: call it inside the transaction that made
the change; the deliveries are written with it and queued only once it commits."""

import json
import re
import uuid

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Organization
from ..services import actor_or_none, record_audit
from . import addresses, conf, formats, signing
from .models import ALERT_EVENTS, TEST_EVENT, PayloadFormat, WebhookDelivery, WebhookEndpoint, WebhookEvent

# PagerDuty's routing keys are 32 characters, Opsgenie's API keys UUIDs: nothing that could
# break out of the header or body they travel in.
INTEGRATION_KEY = re.compile(r"[A-Za-z0-9._-]{1,200}")


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


def _clean_format(payload_format) -> str:
    if payload_format not in PayloadFormat.values:
        raise ValidationError({"payload_format": _("Choose a payload format.")})
    return payload_format


def _check_format(*, payload_format: str, events: list[str], integration_key: str) -> None:
    """An on-call tool's format carries alert events only and needs the tool's key."""
    if payload_format == PayloadFormat.PORTAL:
        return
    if any(event not in ALERT_EVENTS for event in events):
        raise ValidationError({"events": _("PagerDuty and Opsgenie endpoints receive alert events only.")})
    if not INTEGRATION_KEY.fullmatch(integration_key):
        raise ValidationError(
            {"integration_key": _("Enter the routing key (PagerDuty) or API key (Opsgenie) of your integration.")}
        )


def create_endpoint(
    *,
    actor,
    organization: Organization,
    url: str,
    events: list[str],
    description: str = "",
    payload_format: str = PayloadFormat.PORTAL,
    integration_key: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret, which the caller shows once."""
    cleaned_url, cleaned_events = _clean_url(url), _clean_events(events)
    payload_format = _clean_format(payload_format)
    integration_key = str(integration_key or "").strip() if payload_format != PayloadFormat.PORTAL else ""
    _check_format(payload_format=payload_format, events=cleaned_events, integration_key=integration_key)
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
            payload_format=payload_format,
            integration_key=integration_key,
            created_by=actor_or_none(actor),
        )
        record_audit(
            actor=actor,
            action="webhook.created",
            organization=organization,
            target=cleaned_url,
            events=cleaned_events,
            payload_format=payload_format,
        )
    return endpoint, secret


def update_endpoint(
    *,
    actor,
    endpoint: WebhookEndpoint,
    events: list[str] | None = None,
    description: str | None = None,
    integration_key: str | None = None,
) -> WebhookEndpoint:
    """The payload format stays as created; a tool's integration key may be replaced."""
    fields = {}
    if events is not None:
        fields["events"] = _clean_events(events)
    if description is not None:
        fields["description"] = str(description).strip()[:200]
    if integration_key is not None and endpoint.payload_format != PayloadFormat.PORTAL:
        fields["integration_key"] = str(integration_key).strip()
    if not fields:
        return endpoint
    _check_format(
        payload_format=endpoint.payload_format,
        events=fields.get("events", endpoint.events),
        integration_key=fields.get("integration_key", endpoint.integration_key),
    )
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**fields)
        audited = {key: value for key, value in fields.items() if key != "integration_key"}
        record_audit(
            actor=actor,
            action="webhook.updated",
            organization=endpoint.organization,
            target=endpoint.url,
            integration_key_replaced="integration_key" in fields,
            **audited,
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


def _queue_after_commit(delivery_ids: list[int]) -> None:
    from .tasks import send_webhook_task

    def queue():
        for delivery_id in delivery_ids:
            send_webhook_task.delay(delivery_id=delivery_id)

    if delivery_ids:
        transaction.on_commit(queue)


def _delivery(endpoint: WebhookEndpoint, *, event: str, payload: dict, notice) -> WebhookDelivery:
    delivery_uuid = uuid.uuid4()
    rendered = formats.render(
        payload_format=endpoint.payload_format,
        integration_key=endpoint.integration_key,
        delivery_id=str(delivery_uuid),
        event=event,
        payload=payload,
        organization_id=endpoint.organization_id,
        notice=notice,
    )
    return WebhookDelivery(uuid=delivery_uuid, endpoint=endpoint, event=event, body=rendered.body, path=rendered.path)


def emit_event(
    *, organization_ids, event: str, payload: dict, notice: formats.AlertNotice | None = None
) -> list[WebhookDelivery]:
    """One delivery per active endpoint of these organisations subscribed to `event`,
    queued after the surrounding transaction commits. The payload must be JSON-serialisable
    and hold only what every listed organisation may see; an alert event's `notice` is what an
    on-call tool's format shows (formats.AlertNotice), under the same rule."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    if not isinstance(payload, dict):
        raise TypeError("a webhook payload is a dict")
    if event in ALERT_EVENTS and notice is None:
        raise TypeError("an alert event needs its notice")
    json.dumps(payload, cls=DjangoJSONEncoder)  # fail in the caller, not in a worker
    # Few endpoints per organisation (capped): the event filter runs here because
    # JSON containment is not portable to SQLite.
    endpoints = WebhookEndpoint.objects.filter(organization_id__in=list(organization_ids), is_active=True).only(
        "pk", "organization_id", "events", "payload_format", "integration_key"
    )
    with transaction.atomic():
        created = [
            _delivery(endpoint, event=event, payload=payload, notice=notice)
            for endpoint in endpoints
            if event in endpoint.events
        ]
        for delivery in created:
            delivery.save()
        _queue_after_commit([delivery.pk for delivery in created])
    return created


def send_test_event(*, actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A "ping" delivery to this endpoint, disabled or not, so admins can check it before enabling.
    An on-call tool gets it as a low-priority alert of its own (resolve it there)."""
    payload = {"message": "Test event from Call Portal", "endpoint": endpoint.pk}
    notice = formats.AlertNotice(
        key=f"callportal-test-{endpoint.pk}", action=formats.TRIGGER, summary=payload["message"], severity="info"
    )
    with transaction.atomic():
        delivery = _delivery(endpoint, event=TEST_EVENT, payload=payload, notice=notice)
        delivery.save()
        record_audit(actor=actor, action="webhook.test_sent", organization=endpoint.organization, target=endpoint.url)
        _queue_after_commit([delivery.pk])
    return delivery
