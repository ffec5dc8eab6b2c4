"""The body (and path) of one delivery, by the endpoint's payload format (docs/operations.md,
"Webhooks"). Pure: it renders what the caller of emit_event decided may be sent.

- portal: the envelope `{"id", "event", "created_at", "organization", "data"}`.
- pagerduty: an Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
  `routing_key`, `event_action` (trigger, acknowledge, resolve), `dedup_key`, and for a trigger
  `payload.summary/source/severity` with the portal's data as `custom_details`.
- opsgenie: the Alert API (https://docs.opsgenie.com/docs/alert-api): a trigger creates an alert
  (`message`, `alias`, `description`, `priority`) at the endpoint URL; acknowledge and resolve are
  their own requests, to `<url>/<alias>/acknowledge` and `<url>/<alias>/close`. The API key goes in
  an `Authorization: GenieKey …` header (auth_headers).

The tools deduplicate on the notice's key, one per incident and organisation, so an escalation
updates the alert already open and an acknowledgement closes the page on the tool's side too."""

import json
from dataclasses import dataclass
from urllib.parse import quote

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from .models import PayloadFormat

TRIGGER, ACKNOWLEDGE, RESOLVE = "trigger", "acknowledge", "resolve"
SEVERITIES = ("critical", "error", "warning", "info")  # PagerDuty's scale
OPSGENIE_PRIORITY = {"critical": "P1", "error": "P2", "warning": "P3", "info": "P5"}
SOURCE = "Call Portal"


@dataclass(frozen=True)
class AlertNotice:
    """What an on-call tool shows of one alert. `summary` and `description` must already respect
    the incident's TLP level (the caller withholds content at AMBER+STRICT and RED)."""

    key: str  # stable per incident and organisation: PagerDuty's dedup_key, Opsgenie's alias
    action: str  # TRIGGER, ACKNOWLEDGE or RESOLVE
    summary: str
    severity: str = "critical"
    description: str = ""
    url: str = ""

    def __post_init__(self):
        if self.action not in (TRIGGER, ACKNOWLEDGE, RESOLVE) or self.severity not in SEVERITIES:
            raise ValueError(f"bad alert notice: {self.action!r}, {self.severity!r}")


@dataclass(frozen=True)
class Rendered:
    body: str
    path: str = ""


def dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)


def portal_body(*, delivery_id: str, event: str, payload: dict, organization_id: int) -> str:
    return dumps(
        {
            "id": delivery_id,
            "event": event,
            "created_at": timezone.now().isoformat(),
            "organization": organization_id,
            "data": payload,
        }
    )


def pagerduty(*, routing_key: str, notice: AlertNotice, details: dict) -> Rendered:
    event = {"routing_key": routing_key, "event_action": notice.action, "dedup_key": notice.key}
    if notice.action == TRIGGER:
        event["payload"] = {
            "summary": notice.summary[:1024],
            "source": SOURCE,
            "severity": notice.severity,
            "custom_details": details,
        }
        event["client"] = SOURCE
        if notice.url:
            event["client_url"] = notice.url
            event["links"] = [{"href": notice.url, "text": SOURCE}]
    return Rendered(dumps(event))


def opsgenie(*, notice: AlertNotice, details: dict) -> Rendered:
    if notice.action != TRIGGER:
        verb = "acknowledge" if notice.action == ACKNOWLEDGE else "close"
        body = {"source": SOURCE, "note": notice.summary[:25000]}
        return Rendered(dumps(body), path=f"/{quote(notice.key, safe='')}/{verb}?identifierType=alias")
    description = notice.description or notice.summary
    if notice.url:
        description = f"{description}\n\n{notice.url}"
    body = {
        "message": notice.summary[:130],
        "alias": notice.key[:512],
        "description": description[:15000],
        "priority": OPSGENIE_PRIORITY[notice.severity],
        "source": SOURCE,
        # Opsgenie's details are a map of strings.
        "details": {key: value if isinstance(value, str) else dumps(value) for key, value in details.items()},
    }
    return Rendered(dumps(body))


def render(
    *,
    payload_format: str,
    integration_key: str,
    delivery_id: str,
    event: str,
    payload: dict,
    organization_id: int,
    notice: AlertNotice | None,
) -> Rendered:
    """The delivery for one endpoint. The tools' formats need a notice (alert events and the test
    event); without one, or for the portal's format, the portal's envelope."""
    if notice is not None and payload_format == PayloadFormat.PAGERDUTY:
        return pagerduty(routing_key=integration_key, notice=notice, details=payload)
    if notice is not None and payload_format == PayloadFormat.OPSGENIE:
        return opsgenie(notice=notice, details=payload)
    return Rendered(portal_body(delivery_id=delivery_id, event=event, payload=payload, organization_id=organization_id))


def join_path(base: str, extra: str) -> str:
    """The endpoint's path with a delivery's own appended, before the query strings, joined."""
    if not extra:
        return base
    base_path, _sep, base_query = base.partition("?")
    extra_path, _sep, extra_query = extra.partition("?")
    query = "&".join(q for q in (base_query, extra_query) if q)
    return base_path.rstrip("/") + extra_path + (f"?{query}" if query else "")


def auth_headers(*, payload_format: str, integration_key: str) -> dict[str, str]:
    if payload_format == PayloadFormat.OPSGENIE and integration_key:
        return {"Authorization": f"GenieKey {integration_key}"}
    return {}
