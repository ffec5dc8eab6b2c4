"""Incident events for organisations' own systems (portal.webhooks): `incident.declared`,
`incident.status_changed` and `incident.item`.

Who gets what (docs/operations.md, "Webhooks"). A machine is not a named person, so an
organisation's endpoint gets no more than the organisation as a whole may see:
- Only the endpoints of invited organisations (supporters or endorsers) hear about an
  incident, whatever its TLP level.
- CLEAR, GREEN and AMBER: the content (title, summary, status notes, room items), since
  every member of an invited organisation may read it under the access rules.
- AMBER+STRICT and RED: content never leaves to machines, since it is for named responders
  or individuals only. The payload holds the incident's id, tier, status, TLP level and a
  link, nothing else; the receiver follows the link as a person who may see it.
- Every payload says whether the incident is an exercise.

The services call the `announce_*` functions inside their transaction; each sends after
commit, reading the committed incident (its TLP level and invited organisations now, not
as they were mid-transaction), so webhooks never hold the room's row lock longer and a
webhook problem cannot undo the change it reports."""

import logging

from django.db import transaction
from django.urls import reverse

from portal.models import PARTICIPATING_STANDINGS
from portal.notifications import conf
from portal.webhooks.models import WebhookEvent
from portal.webhooks.services import emit_event

from .models import Incident, IncidentOrganization, RoomItem
from .permissions import shares_content

logger = logging.getLogger(__name__)


def announce_declared(*, incident_id: int) -> None:
    # Lambdas, not functools.partial: Django 5.2 logs a robust hook's failure by its
    # __qualname__, which a partial lacks, so the failure would escape after commit.
    transaction.on_commit(lambda: emit_declared(incident_id=incident_id), robust=True)


def announce_status_changed(*, incident_id: int, from_status: str, note: str = "") -> None:
    transaction.on_commit(
        lambda: emit_status_changed(incident_id=incident_id, from_status=from_status, note=note), robust=True
    )


def announce_item(*, item: RoomItem) -> None:
    item_id, incident_id = item.pk, item.incident_id
    transaction.on_commit(lambda: emit_item(item_id=item_id, incident_id=incident_id), robust=True)


def receiving_organizations(incident_id: int) -> list[int]:
    """Invited supporters and endorsers with an active endpoint (one query)."""
    return list(
        IncidentOrganization.objects.filter(
            incident_id=incident_id,
            organization__standing__in=PARTICIPATING_STANDINGS,
            organization__webhook_endpoints__is_active=True,
        )
        .values_list("organization_id", flat=True)
        .distinct()
    )


def incident_reference(incident: Incident) -> dict:
    """What any receiver may know, at every level."""
    return {
        "id": incident.pk,
        "tier": incident.tier,
        "status": incident.status,
        "tlp": incident.tlp,
        "exercise": incident.is_exercise,
        "url": conf.site_url() + reverse("incidents:detail", args=[incident.pk]),
    }


def incident_content(incident: Incident) -> dict:
    return {**incident_reference(incident), "title": incident.title, "summary": incident.summary}


def _emit(event: str, incident: Incident, build_content, organization_ids: list[int] | None = None) -> None:
    if organization_ids is None:
        organization_ids = receiving_organizations(incident.pk)
    if not organization_ids:
        return
    if shares_content(incident):
        payload = {"incident": incident_content(incident), **build_content()}
    else:
        payload = {"incident": incident_reference(incident), "content_withheld": True}
    emit_event(organization_ids=organization_ids, event=event, payload=payload)


def emit_declared(*, incident_id: int) -> None:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        logger.info("Incident %s gone before its declaration was announced", incident_id)
        return
    _emit(WebhookEvent.INCIDENT_DECLARED, incident, dict)


def emit_status_changed(*, incident_id: int, from_status: str, note: str = "") -> None:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        logger.info("Incident %s gone before its status change was announced", incident_id)
        return
    _emit(WebhookEvent.INCIDENT_STATUS_CHANGED, incident, lambda: {"from_status": from_status, "note": note})


def emit_item(*, item_id: int, incident_id: int) -> None:
    # Rooms are busy and most organisations have no endpoint: ask that first (one query).
    organization_ids = receiving_organizations(incident_id)
    if not organization_ids:
        return
    item = RoomItem.objects.select_related("incident", "organization").filter(pk=item_id).first()
    if item is None:
        logger.info("Room item %s gone before it was announced", item_id)
        return

    def content():
        organization = item.organization
        return {
            "item": {
                "id": item.pk,
                "seq": item.seq,
                "kind": item.kind,
                # Who spoke, as an organisation; the body reads as the room shows it.
                "organization": {"id": organization.pk, "name": organization.name} if organization else None,
                "body": item.text,  # a task's language: the site's default
                "event": item.event or None,
                "params": item.params,
                "created_at": item.created_at,
            }
        }

    _emit(WebhookEvent.INCIDENT_ITEM, item.incident, content, organization_ids)
