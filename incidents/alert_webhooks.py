"""Alert events for organisations' on-call tools (portal.webhooks): `alert.opened` when an
organisation must acknowledge (declared, invited, or escalated to a higher tier), `alert.escalated`
when its escalation chain reaches its next step (services.chains) and when its window ran out and
its admins and the secretariat were alerted, `alert.acknowledged` when it acknowledged (by the
email link, the room or the API), `alert.resolved` when the incident is closed or the organisation
is no longer invited (PagerDuty's resolve, Opsgenie's close).

Each event goes to the endpoints of the one organisation it concerns (a supporter or endorser
still invited), with a notice an on-call tool shows (portal.webhooks.formats): one key per
incident and organisation, so PagerDuty or Opsgenie keeps one alert per incident that an
escalation updates and an acknowledgement closes. The same TLP rule as every incident webhook
(incidents/webhooks.py): at AMBER+STRICT and RED no content leaves, only "Incident #N needs your
organisation's acknowledgement" and the link that requires signing in.

Sent after the caller's transaction commits, from the committed rows, as incidents.webhooks does;
machine texts are in the site's language, whoever's request caused them."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from portal.models import PARTICIPATING_STANDINGS
from portal.webhooks.formats import ACKNOWLEDGE, RESOLVE, TRIGGER, AlertNotice
from portal.webhooks.models import WebhookEvent
from portal.webhooks.services import emit_event

from .models import Acknowledgement, Incident, IncidentOrganization, Tier
from .permissions import shares_content
from .webhooks import incident_content, incident_reference, receiving_organizations

logger = logging.getLogger(__name__)

SEVERITY_BY_TIER = {Tier.FULL_PROTOCOL: "critical", Tier.COORDINATED: "error", Tier.COMMUNICATIONS: "warning"}


def announce_alerts_opened(*, incident_id: int, tier: int) -> None:
    # Lambdas, not functools.partial: robust on_commit logs a failure by the callback's __qualname__.
    transaction.on_commit(lambda: emit_alerts_opened(incident_id=incident_id, tier=tier), robust=True)


def announce_alert_escalated(*, acknowledgement_id: int, step: int | None = None) -> None:
    """`step`: the chain's step reached; None when the window ran out (admins and secretariat)."""
    transaction.on_commit(lambda: emit_alert_escalated(acknowledgement_id=acknowledgement_id, step=step), robust=True)


def announce_alert_acknowledged(*, incident_id: int, organization_id: int) -> None:
    transaction.on_commit(
        lambda: emit_alert_acknowledged(incident_id=incident_id, organization_id=organization_id), robust=True
    )


def announce_alerts_resolved(*, incident_id: int) -> None:
    transaction.on_commit(lambda: emit_alerts_resolved(incident_id=incident_id), robust=True)


def announce_alert_withdrawn(*, incident_id: int, organization_id: int) -> None:
    transaction.on_commit(
        lambda: emit_alert_withdrawn(incident_id=incident_id, organization_id=organization_id), robust=True
    )


def alert_key(incident_id: int, organization_id: int) -> str:
    return f"callportal-incident-{incident_id}-organization-{organization_id}"


def _withheld_summary(incident: Incident) -> str:
    return _("Incident #%(number)s needs your organisation's acknowledgement") % {"number": incident.pk}


def _exercise(incident: Incident, text: str) -> str:
    return f"[{_('Exercise').upper()}] {text}" if incident.is_exercise else text


def _payload(incident: Incident, ack: Acknowledgement, summary: str, *, shared: bool, extra: dict) -> dict:
    alert = {
        "key": alert_key(incident.pk, ack.organization_id),
        "summary": summary,  # what a tool's format shows, withheld as it is
        "organization": {"id": ack.organization_id, "name": ack.organization.name},
        "tier": ack.tier,
        "window_started_at": ack.window_started_at,
        "escalated_at": ack.escalated_at,
        "acknowledged_at": ack.acknowledged_at,
        **extra,
    }
    if shared:
        return {"incident": incident_content(incident), "alert": alert}
    return {"incident": incident_reference(incident), "alert": alert, "content_withheld": True}


def _send(
    event: str,
    incident: Incident,
    ack: Acknowledgement,
    *,
    action: str,
    severity: str,
    summary,
    content: bool = True,
    invited: bool = True,
    extra: dict | None = None,
) -> None:
    """`summary` is called in the site's language; one that names `content` (the title) is
    replaced by the withheld sentence at AMBER+STRICT and RED. An organisation no longer
    `invited` gets no content at any level: it is out of the incident's audience."""
    with translation.override(settings.LANGUAGE_CODE):
        shared = invited and shares_content(incident)
        notice = AlertNotice(
            key=alert_key(incident.pk, ack.organization_id),
            action=action,
            summary=_exercise(incident, summary() if shared or not content else _withheld_summary(incident)),
            severity=severity,
            description=incident.summary if shared else "",
            url=incident_reference(incident)["url"],
        )
    payload = _payload(incident, ack, notice.summary, shared=shared, extra=extra or {})
    emit_event(organization_ids=[ack.organization_id], event=event, payload=payload, notice=notice)


def emit_alerts_opened(*, incident_id: int, tier: int) -> None:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or not incident.is_open:
        logger.info("Incident %s gone or closed before its alerts were announced", incident_id)
        return
    organization_ids = receiving_organizations(incident_id)
    if not organization_ids:
        return
    pending = Acknowledgement.objects.select_related("organization").filter(
        incident_id=incident_id, organization_id__in=organization_ids, tier=tier, acknowledged_at__isnull=True
    )
    for ack in pending.order_by("organization_id"):
        _send(
            WebhookEvent.ALERT_OPENED,
            incident,
            ack,
            action=TRIGGER,
            severity=SEVERITY_BY_TIER.get(tier, "critical"),
            summary=lambda: (
                _("Incident #%(number)s (tier %(tier)s): %(title)s needs your organisation's acknowledgement")
                % {"number": incident.pk, "tier": tier, "title": incident.title}
            ),
        )


def _still_receiving(ack: Acknowledgement | None) -> bool:
    return ack is not None and ack.organization_id in receiving_organizations(ack.incident_id)


def emit_alert_escalated(*, acknowledgement_id: int, step: int | None = None) -> None:
    """The same alert (key) triggered again, critical: at a chain's `step` (the payload's
    `alert.chain_step`), or, with no step, once the window ran out."""
    ack = Acknowledgement.objects.select_related("incident", "organization").filter(pk=acknowledgement_id).first()
    if not _still_receiving(ack) or ack.acknowledged_at is not None or not ack.incident.is_open:
        return
    incident = ack.incident
    names = {"org": ack.organization.name, "title": incident.title, "step": step}
    _send(
        WebhookEvent.ALERT_ESCALATED,
        incident,
        ack,
        action=TRIGGER,
        severity="critical",
        summary=lambda: (
            _("Not acknowledged: %(org)s on %(title)s") % names
            if step is None
            else _("Not acknowledged: %(org)s on %(title)s (step %(step)s of the escalation chain)") % names
        ),
        extra={"chain_step": step},
    )


def emit_alert_acknowledged(*, incident_id: int, organization_id: int) -> None:
    ack = (
        Acknowledgement.objects.select_related("incident", "organization")
        .filter(incident_id=incident_id, organization_id=organization_id)
        .first()
    )
    if not _still_receiving(ack):
        return
    _send(
        WebhookEvent.ALERT_ACKNOWLEDGED,
        ack.incident,
        ack,
        action=ACKNOWLEDGE,
        severity="info",
        # Names no title: the same words whatever the TLP level.
        summary=lambda: (
            _("Incident #%(number)s: acknowledged by %(org)s") % {"number": incident_id, "org": ack.organization.name}
        ),
        content=False,
    )


def emit_alerts_resolved(*, incident_id: int) -> None:
    """Every organisation that was alerted (acknowledged or not) and still receives."""
    incident = Incident.objects.filter(pk=incident_id).first()
    organization_ids = receiving_organizations(incident_id) if incident is not None else []
    if not organization_ids:
        return
    alerted = Acknowledgement.objects.select_related("organization").filter(
        incident_id=incident_id, organization_id__in=organization_ids
    )
    for ack in alerted.order_by("organization_id"):
        _send(
            WebhookEvent.ALERT_RESOLVED,
            incident,
            ack,
            action=RESOLVE,
            severity="info",
            summary=lambda: _("Incident #%(number)s is closed.") % {"number": incident_id},
            content=False,
        )


def emit_alert_withdrawn(*, incident_id: int, organization_id: int) -> None:
    """An organisation no longer invited to an open incident: its alert is resolved at its tools,
    acknowledged or not, with no content (it is out of the audience). Nothing when it was invited
    again meanwhile (its alert goes on) or the incident was closed (closing resolved it)."""
    ack = (
        Acknowledgement.objects.select_related("incident", "organization")
        .filter(incident_id=incident_id, organization_id=organization_id)
        .first()
    )
    if ack is None or not ack.incident.is_open or ack.organization.standing not in PARTICIPATING_STANDINGS:
        return
    if IncidentOrganization.objects.filter(incident_id=incident_id, organization_id=organization_id).exists():
        return
    _send(
        WebhookEvent.ALERT_RESOLVED,
        ack.incident,
        ack,
        action=RESOLVE,
        severity="info",
        summary=lambda: (
            _("Incident #%(number)s: %(org)s is no longer invited.")
            % {"number": incident_id, "org": ack.organization.name}
        ),
        content=False,
        invited=False,
    )
